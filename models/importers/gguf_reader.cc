#include "models/importers/gguf_reader.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/checked_math.h"
#include "base/status.h"

namespace anvil::gguf {
namespace {

// Caps on counts read from the file, far above any real model, far below anything that could
// exhaust memory before the bounds checks against the file size trigger.
constexpr uint64_t kMaxTensors = 1 << 20;
constexpr uint64_t kMaxKeys = 1 << 20;
constexpr uint64_t kMaxStringBytes = 1 << 24;
constexpr uint32_t kMaxDims = 4;
constexpr int kMaxArrayDepth = 2;
// Array elements in all metadata together. Each costs a Value (~48 bytes) however few bytes it
// takes in the file, so this bounds memory at a few hundred MiB. Real files hold a vocabulary:
// three arrays of at most ~262k entries, and up to ~300k merges.
constexpr uint64_t kMaxArrayElements = uint64_t{1} << 23;

class Reader {
 public:
  Reader(const uint8_t* data, uint64_t size) : data_(data), size_(size) {}
  uint64_t at() const { return at_; }
  uint64_t remaining() const { return size_ - at_; }
  // Array elements read so far (kMaxArrayElements bounds them).
  uint64_t& array_elements() { return array_elements_; }

  template <typename T>
  absl::StatusOr<T> Read(const char* what) {
    if (remaining() < sizeof(T)) return Truncated(what);
    T v;
    std::memcpy(&v, data_ + at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }

  absl::StatusOr<std::string> String(const char* what) {
    ANVIL_ASSIGN_OR_RETURN(uint64_t length, Read<uint64_t>(what));
    if (length > kMaxStringBytes) return absl::InvalidArgumentError(absl::StrCat(what, ": string length ", length, " is implausible"));
    if (length > remaining()) return Truncated(what);
    std::string s(reinterpret_cast<const char*>(data_ + at_), length);
    at_ += length;
    return s;
  }

  absl::Status Truncated(const char* what) const {
    return absl::DataLossError(absl::StrCat("truncated in ", what, " at byte ", at_));
  }

 private:
  const uint8_t* data_;
  uint64_t size_;
  uint64_t at_ = 0;
  uint64_t array_elements_ = 0;
};

int ScalarBytes(ValueType t) {
  switch (t) {
    case ValueType::kUint8: case ValueType::kInt8: case ValueType::kBool: return 1;
    case ValueType::kUint16: case ValueType::kInt16: return 2;
    case ValueType::kUint32: case ValueType::kInt32: case ValueType::kFloat32: return 4;
    case ValueType::kUint64: case ValueType::kInt64: case ValueType::kFloat64: return 8;
    default: return 0;
  }
}

absl::StatusOr<Value> ReadValue(Reader& r, uint32_t raw_type, const std::string& key, int depth) {
  if (raw_type > static_cast<uint32_t>(ValueType::kFloat64)) {
    return absl::InvalidArgumentError(absl::StrCat("key '", key, "': unknown value type ", raw_type));
  }
  Value v;
  v.type = static_cast<ValueType>(raw_type);
  const char* what = "metadata value";
  switch (v.type) {
    case ValueType::kUint8: { ANVIL_ASSIGN_OR_RETURN(uint8_t x, r.Read<uint8_t>(what)); v.data = int64_t{x}; break; }
    case ValueType::kInt8: { ANVIL_ASSIGN_OR_RETURN(int8_t x, r.Read<int8_t>(what)); v.data = int64_t{x}; break; }
    case ValueType::kUint16: { ANVIL_ASSIGN_OR_RETURN(uint16_t x, r.Read<uint16_t>(what)); v.data = int64_t{x}; break; }
    case ValueType::kInt16: { ANVIL_ASSIGN_OR_RETURN(int16_t x, r.Read<int16_t>(what)); v.data = int64_t{x}; break; }
    case ValueType::kUint32: { ANVIL_ASSIGN_OR_RETURN(uint32_t x, r.Read<uint32_t>(what)); v.data = int64_t{x}; break; }
    case ValueType::kInt32: { ANVIL_ASSIGN_OR_RETURN(int32_t x, r.Read<int32_t>(what)); v.data = int64_t{x}; break; }
    case ValueType::kUint64: { ANVIL_ASSIGN_OR_RETURN(uint64_t x, r.Read<uint64_t>(what)); v.data = x; break; }
    case ValueType::kInt64: { ANVIL_ASSIGN_OR_RETURN(int64_t x, r.Read<int64_t>(what)); v.data = x; break; }
    case ValueType::kFloat32: { ANVIL_ASSIGN_OR_RETURN(float x, r.Read<float>(what)); v.data = double{x}; break; }
    case ValueType::kFloat64: { ANVIL_ASSIGN_OR_RETURN(double x, r.Read<double>(what)); v.data = x; break; }
    case ValueType::kBool: { ANVIL_ASSIGN_OR_RETURN(uint8_t x, r.Read<uint8_t>(what)); v.data = x != 0; break; }
    case ValueType::kString: { ANVIL_ASSIGN_OR_RETURN(std::string s, r.String(what)); v.data = std::move(s); break; }
    case ValueType::kArray: {
      if (depth >= kMaxArrayDepth) return absl::InvalidArgumentError(absl::StrCat("key '", key, "': arrays nested too deep"));
      ANVIL_ASSIGN_OR_RETURN(uint32_t element, r.Read<uint32_t>("array type"));
      ANVIL_ASSIGN_OR_RETURN(uint64_t count, r.Read<uint64_t>("array length"));
      // Every element takes at least one byte (strings at least their 8-byte length), so a count
      // beyond the bytes left cannot be real: refuse it before reserving anything.
      const uint64_t min_bytes = element == static_cast<uint32_t>(ValueType::kString) ? 8
                                 : element == static_cast<uint32_t>(ValueType::kArray)
                                     ? 12
                                     : static_cast<uint64_t>(ScalarBytes(static_cast<ValueType>(element)));
      if (min_bytes == 0 && element != static_cast<uint32_t>(ValueType::kArray)) {
        return absl::InvalidArgumentError(absl::StrCat("key '", key, "': unknown array element type ", element));
      }
      auto needed = CheckedMul(count, min_bytes);
      if (!needed || *needed > r.remaining()) {
        return absl::DataLossError(absl::StrCat("key '", key, "': array of ", count, " elements does not fit the file"));
      }
      if (count > kMaxArrayElements - r.array_elements()) {
        return absl::InvalidArgumentError(absl::StrCat("key '", key, "': array of ", count, " elements brings the metadata over ",
                                                       kMaxArrayElements, " array elements in all"));
      }
      r.array_elements() += count;
      auto array = std::make_shared<Array>();
      array->reserve(count);
      for (uint64_t i = 0; i < count; ++i) {
        ANVIL_ASSIGN_OR_RETURN(Value item, ReadValue(r, element, key, depth + 1));
        array->push_back(std::move(item));
      }
      v.data = std::move(array);
      break;
    }
  }
  return v;
}

struct TypeInfo {
  uint32_t ggml;
  DType dtype;
};
constexpr TypeInfo kSupported[] = {{0, DType::kF32}, {1, DType::kF16}, {2, DType::kQ4_0}, {8, DType::kQ8_0}, {30, DType::kBF16}};

}  // namespace

bool Value::is_integer() const {
  return std::holds_alternative<int64_t>(data) || std::holds_alternative<uint64_t>(data) || std::holds_alternative<bool>(data);
}
bool Value::is_number() const { return is_integer() || std::holds_alternative<double>(data); }
int64_t Value::AsInt() const {
  if (const auto* i = std::get_if<int64_t>(&data)) return *i;
  if (const auto* u = std::get_if<uint64_t>(&data)) return static_cast<int64_t>(*u);
  if (const auto* b = std::get_if<bool>(&data)) return *b ? 1 : 0;
  // A double outside int64 (or NaN) would make the cast undefined; callers check is_integer()
  // first, this keeps a stray call harmless.
  if (const auto* d = std::get_if<double>(&data)) {
    return *d >= -9.2e18 && *d <= 9.2e18 ? static_cast<int64_t>(*d) : 0;
  }
  return 0;
}
double Value::AsDouble() const {
  if (const auto* d = std::get_if<double>(&data)) return *d;
  return static_cast<double>(AsInt());
}
const std::string* Value::AsString() const { return std::get_if<std::string>(&data); }
const Array* Value::AsArray() const {
  const auto* a = std::get_if<std::shared_ptr<Array>>(&data);
  return a == nullptr ? nullptr : a->get();
}

const Value* File::Find(const std::string& key) const {
  auto it = metadata.find(key);
  return it == metadata.end() ? nullptr : &it->second;
}

std::string GgmlTypeName(uint32_t type) {
  static const char* kNames[] = {"f32", "f16", "q4_0", "q4_1", "q4_2", "q4_3", "q5_0", "q5_1", "q8_0", "q8_1",
                                 "q2_K", "q3_K", "q4_K", "q5_K", "q6_K", "q8_K", "iq2_xxs", "iq2_xs", "iq3_xxs",
                                 "iq1_s", "iq4_nl", "iq3_s", "iq2_s", "iq4_xs", "i8", "i16", "i32", "i64", "f64",
                                 "iq1_m", "bf16"};
  return type < sizeof(kNames) / sizeof(kNames[0]) ? kNames[type] : absl::StrCat("type ", type);
}

absl::StatusOr<File> ReadFile(const std::string& path) {
  File f;
  ANVIL_ASSIGN_OR_RETURN(f.mapping, MappedFile::Open(path));
  Reader r(f.mapping->data(), f.mapping->size());
  auto fail = [&](const absl::Status& s) { return Annotate(s, path); };
  auto magic = r.Read<uint32_t>("header");
  if (!magic.ok()) return fail(magic.status());
  if (std::memcmp(f.mapping->data(), "GGUF", 4) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a GGUF file (no \"GGUF\" magic)"));
  }
  auto version = r.Read<uint32_t>("header");
  if (!version.ok()) return fail(version.status());
  f.version = *version;
  if (f.version != 2 && f.version != 3) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": GGUF version ", f.version, " is not supported (2 and 3 are)"));
  }
  auto tensor_count = r.Read<uint64_t>("header");
  auto key_count = r.Read<uint64_t>("header");
  if (!tensor_count.ok()) return fail(tensor_count.status());
  if (!key_count.ok()) return fail(key_count.status());
  if (*tensor_count > kMaxTensors || *key_count > kMaxKeys) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": ", *tensor_count, " tensors and ", *key_count,
                                                   " metadata keys is implausible"));
  }
  for (uint64_t i = 0; i < *key_count; ++i) {
    auto key = r.String("metadata key");
    if (!key.ok()) return fail(key.status());
    auto type = r.Read<uint32_t>("metadata type");
    if (!type.ok()) return fail(type.status());
    auto value = ReadValue(r, *type, *key, 0);
    if (!value.ok()) return fail(value.status());
    if (!f.metadata.emplace(*key, std::move(*value)).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": metadata key '", *key, "' appears twice"));
    }
  }
  if (const Value* a = f.Find("general.alignment")) {
    const int64_t alignment = a->AsInt();
    if (!a->is_integer() || alignment <= 0 || alignment > (1 << 20) || !IsPowerOfTwo(static_cast<uint64_t>(alignment))) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": general.alignment ", alignment, " must be a power of two"));
    }
    f.alignment = static_cast<uint32_t>(alignment);
  }
  for (uint64_t i = 0; i < *tensor_count; ++i) {
    TensorInfo t;
    auto name = r.String("tensor name");
    if (!name.ok()) return fail(name.status());
    t.name = std::move(*name);
    auto rank = r.Read<uint32_t>("tensor rank");
    if (!rank.ok()) return fail(rank.status());
    if (*rank == 0 || *rank > kMaxDims) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": tensor '", t.name, "' has ", *rank, " dims (1 to 4 allowed)"));
    }
    std::vector<int64_t> ne(*rank);
    for (uint32_t d = 0; d < *rank; ++d) {
      auto dim = r.Read<uint64_t>("tensor dims");
      if (!dim.ok()) return fail(dim.status());
      if (*dim == 0 || *dim > (uint64_t{1} << 40)) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": tensor '", t.name, "' dim ", d, " = ", *dim, " is implausible"));
      }
      ne[d] = static_cast<int64_t>(*dim);
    }
    t.dims.assign(ne.rbegin(), ne.rend());
    auto type = r.Read<uint32_t>("tensor type");
    auto offset = r.Read<uint64_t>("tensor offset");
    if (!type.ok()) return fail(type.status());
    if (!offset.ok()) return fail(offset.status());
    t.ggml_type = *type;
    t.offset = *offset;
    bool supported = false;
    for (const TypeInfo& info : kSupported) {
      if (info.ggml == t.ggml_type) {
        t.dtype = info.dtype;
        supported = true;
      }
    }
    if (!supported) {
      return absl::UnimplementedError(absl::StrCat(path, ": tensor '", t.name, "' is ", GgmlTypeName(t.ggml_type),
                                                   "; anvil reads f32, f16, bf16, q8_0 and q4_0"));
    }
    auto bytes = anvil::TensorBytes(t.dtype, t.dims.data(), static_cast<int>(t.dims.size()));
    if (!bytes.ok()) return fail(Annotate(bytes.status(), absl::StrCat("tensor '", t.name, "'")));
    t.bytes = *bytes;
    f.tensors.push_back(std::move(t));
  }
  f.data_start = *CheckedAlignUp(r.at(), f.alignment);
  const uint64_t data_size = f.data_start <= f.mapping->size() ? f.mapping->size() - f.data_start : 0;
  for (const TensorInfo& t : f.tensors) {
    if (t.offset % f.alignment != 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": tensor '", t.name, "' offset ", t.offset,
                                                     " is not a multiple of the alignment ", f.alignment));
    }
    auto end = CheckedAdd(t.offset, t.bytes);
    if (!end || *end > data_size) {
      return absl::DataLossError(absl::StrCat(path, ": tensor '", t.name, "' (", t.bytes, " bytes at offset ", t.offset,
                                              ") lies outside the data section (", data_size, " bytes); truncated?"));
    }
  }
  return f;
}

}  // namespace anvil::gguf
