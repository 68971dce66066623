#include "models/importers/weights.h"

#include "absl/strings/str_cat.h"
#include "ops/dequantize.h"

namespace anvil {

absl::Status ConvertSmallTensorsToF32(WeightMap& weights) {
  for (auto& [name, w] : weights) {
    if (w.dims.size() != 1 || w.dtype == DType::kF32) continue;
    if (!IsFloat(w.dtype) && !IsQuantized(w.dtype)) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "' has dtype ", DTypeName(w.dtype)));
    }
    std::vector<uint8_t> bytes(w.dims[0] * sizeof(float));
    DequantizeRow(w.dtype, w.data.data(), w.dims[0], reinterpret_cast<float*>(bytes.data()));
    w.dtype = DType::kF32;
    w.data = TensorData::Owned(std::move(bytes));
  }
  return absl::OkStatus();
}

}  // namespace anvil
