#include "models/importers/safetensors.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/checked_math.h"
#include "base/status.h"
#include "models/importers/json_limits.h"
#include "nlohmann/json.hpp"

namespace anvil {
namespace {

// The reference implementation's limit (safetensors' MAX_HEADER_SIZE).
constexpr uint64_t kMaxHeaderBytes = 100'000'000;
// Real checkpoints hold a few thousand tensors per file.
constexpr size_t kMaxTensors = size_t{1} << 20;

const char* DTypeCode(DType d) {
  switch (d) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
    default: return nullptr;
  }
}

}  // namespace

absl::StatusOr<SafetensorsFile> ReadSafetensors(const std::string& path) {
  SafetensorsFile file;
  ANVIL_ASSIGN_OR_RETURN(file.mapping, MappedFile::Open(path));
  const uint64_t size = file.mapping->size();
  if (size < 8) return absl::DataLossError(absl::StrCat(path, ": truncated: no safetensors header"));
  uint64_t header_bytes;
  std::memcpy(&header_bytes, file.mapping->data(), 8);
  if (header_bytes > kMaxHeaderBytes || header_bytes > size - 8) {
    return absl::DataLossError(absl::StrCat(path, ": header length ", header_bytes, " does not fit the ", size,
                                            "-byte file; not a safetensors file, or truncated"));
  }
  const char* header_text = reinterpret_cast<const char*>(file.mapping->data() + 8);
  ANVIL_RETURN_IF_ERROR(CheckJsonDepth(absl::string_view(header_text, header_bytes), absl::StrCat(path, ": header")));
  const nlohmann::json header = nlohmann::json::parse(header_text, header_text + header_bytes, nullptr, false);
  if (header.is_discarded() || !header.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the header is not a JSON object"));
  }
  if (header.size() > kMaxTensors) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": the header lists ", header.size(), " tensors (at most ",
                                                   kMaxTensors, ")"));
  }
  const uint64_t data_start = 8 + header_bytes;
  const uint64_t data_size = size - data_start;
  const uint8_t* data = file.mapping->data() + data_start;
  for (const auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    const std::string where = absl::StrCat(path, ": tensor '", name, "'");
    if (!entry.is_object() || !entry.contains("dtype") || !entry.contains("shape") || !entry.contains("data_offsets")) {
      return absl::InvalidArgumentError(absl::StrCat(where, " needs dtype, shape and data_offsets"));
    }
    const nlohmann::json& dtype = entry["dtype"];
    const nlohmann::json& shape = entry["shape"];
    const nlohmann::json& offsets = entry["data_offsets"];
    WeightTensor t;
    if (!dtype.is_string()) return absl::InvalidArgumentError(absl::StrCat(where, ": dtype is not a string"));
    const std::string code = dtype.get<std::string>();
    if (code == "F32") {
      t.dtype = DType::kF32;
    } else if (code == "F16") {
      t.dtype = DType::kF16;
    } else if (code == "BF16") {
      t.dtype = DType::kBF16;
    } else {
      return absl::UnimplementedError(absl::StrCat(where, ": dtype ", code, " is not supported (F32, F16, BF16)"));
    }
    if (!shape.is_array() || shape.size() > static_cast<size_t>(kMaxTensorRank)) return absl::InvalidArgumentError(absl::StrCat(where, ": shape is not a list of up to 8 dims"));
    for (size_t i = 0; i < shape.size(); ++i) {
      const nlohmann::json& d = shape[i];
      if (!d.is_number_unsigned() || d.get<uint64_t>() > static_cast<uint64_t>(kMaxTensorDim)) {
        const std::string value = d.is_number() ? d.dump() : absl::StrCat("(", d.type_name(), ")");
        return absl::InvalidArgumentError(absl::StrCat(where, ": shape[", i, "] = ", value, " is not a dim in [0, 2^40]"));
      }
      t.dims.push_back(static_cast<int64_t>(d.get<uint64_t>()));
    }
    if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() || !offsets[1].is_number_unsigned()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": data_offsets must be [begin, end]"));
    }
    const uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    if (begin > end || end > data_size) {
      return absl::DataLossError(absl::StrCat(where, ": data_offsets [", begin, ", ", end, ") lie outside the ", data_size,
                                              "-byte data; truncated?"));
    }
    ANVIL_ASSIGN_OR_RETURN(uint64_t bytes, TensorBytes(t.dtype, t.dims.data(), static_cast<int>(t.dims.size())), where);
    if (bytes != end - begin) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", end - begin, " bytes for shape ", DimsString(t.dims), " ",
                                                     code, " (", bytes, " bytes)"));
    }
    t.data = TensorData::View(file.mapping, data + begin, bytes);
    file.tensors.emplace(name, std::move(t));
  }
  return file;
}

absl::Status WriteSafetensors(const std::string& path, const std::map<std::string, WeightTensor>& tensors) {
  nlohmann::json header = nlohmann::json::object();
  uint64_t offset = 0;
  for (const auto& [name, t] : tensors) {
    const char* code = DTypeCode(t.dtype);
    if (code == nullptr) return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': safetensors cannot hold ", DTypeName(t.dtype)));
    header[name] = {{"dtype", code}, {"shape", t.dims}, {"data_offsets", {offset, offset + t.data.size()}}};
    offset += t.data.size();
  }
  const std::string text = header.dump();
  std::string file(8, '\0');
  const uint64_t length = text.size();
  std::memcpy(file.data(), &length, 8);
  file += text;
  for (const auto& [name, t] : tensors) file.append(reinterpret_cast<const char*>(t.data.data()), t.data.size());
  return WriteFileAtomically(path, file);
}

}  // namespace anvil
