// The safetensors format: uint64 header length N, N bytes of JSON header
// {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}},
// then the data. Reading checks the header size, every entry's dtype, shape (overflow), offsets
// (in the file, in order) and that the byte count matches the shape.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "base/mapped_file.h"
#include "models/graph_builder.h"

namespace anvil {

struct SafetensorsFile {
  std::shared_ptr<const MappedFile> mapping;
  std::map<std::string, WeightTensor> tensors;  // views into the mapping
};

absl::StatusOr<SafetensorsFile> ReadSafetensors(const std::string& path);

// Writes tensors (f32, f16, bf16) as a safetensors file (tests build checkpoints with it).
absl::Status WriteSafetensors(const std::string& path, const std::map<std::string, WeightTensor>& tensors);

}  // namespace anvil
