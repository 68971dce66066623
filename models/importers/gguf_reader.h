// A bounds-checked GGUF (v2/v3) reader: header, metadata key/values and tensor infos, with every
// count, string length, array length, dim, offset and alignment checked before it is used, and
// no allocation sized from an unchecked number (llama.cpp's loader shipped CVEs for exactly this).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "base/dtype.h"
#include "base/mapped_file.h"

namespace anvil::gguf {

// GGUF metadata value types.
enum class ValueType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6,
  kBool = 7, kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};

struct Value;
using Array = std::vector<Value>;
struct Value {
  ValueType type = ValueType::kUint8;
  std::variant<int64_t, uint64_t, double, bool, std::string, std::shared_ptr<Array>> data;

  bool is_integer() const;
  bool is_number() const;
  int64_t AsInt() const;  // integers (and bools); checked by is_integer
  double AsDouble() const;
  const std::string* AsString() const;  // null unless a string
  const Array* AsArray() const;         // null unless an array
};

struct TensorInfo {
  std::string name;
  std::vector<int64_t> dims;  // PyTorch order (GGUF's ne reversed)
  uint32_t ggml_type = 0;
  DType dtype = DType::kF32;
  uint64_t offset = 0;  // from the start of the data section
  uint64_t bytes = 0;
};

struct File {
  std::shared_ptr<const MappedFile> mapping;
  uint32_t version = 0;
  uint32_t alignment = 32;
  std::map<std::string, Value> metadata;
  std::vector<TensorInfo> tensors;
  uint64_t data_start = 0;  // file offset of the data section

  const Value* Find(const std::string& key) const;
  const uint8_t* TensorBytes(const TensorInfo& t) const { return mapping->data() + data_start + t.offset; }
};

// Reads and validates `path`. Errors name the file and what was wrong.
absl::StatusOr<File> ReadFile(const std::string& path);

// The ggml type's name ("q4_K") for messages.
std::string GgmlTypeName(uint32_t type);

}  // namespace anvil::gguf
