// split along the last axis and take_last: row copies.
#include <cstring>

#include "executors/cpu/kernel.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindSplit(const BindContext& ctx) {
  const CpuTensor x = ctx.inputs[0];
  const std::vector<CpuTensor> pieces = ctx.outputs;
  return CpuKernel([=](const StepState&) {
    const int64_t rows = x.rows(), width = x.last();
    int64_t offset = 0;
    for (const CpuTensor& piece : pieces) {
      const int64_t w = piece.last();
      for (int64_t r = 0; r < rows; ++r) {
        std::memcpy(piece.f32() + r * w, x.f32() + r * width + offset, w * sizeof(float));
      }
      offset += w;
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<CpuKernel> BindTakeLast(const BindContext& ctx) {
  const CpuTensor x = ctx.inputs[0], y = ctx.outputs[0];
  const int64_t tokens = x.dims[0], dim = x.dims[1];
  return CpuKernel([=](const StepState&) {
    std::memcpy(y.f32(), x.f32() + (tokens - 1) * dim, dim * sizeof(float));
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
