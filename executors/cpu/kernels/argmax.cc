// argmax over each row: the first index of the maximum.
#include "executors/cpu/kernel.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindArgmax(const BindContext& ctx) {
  const CpuTensor x = ctx.inputs[0], y = ctx.outputs[0];
  const int64_t rows = x.dims[0], width = x.dims[1];
  return CpuKernel([=](const StepState&) {
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = x.f32() + r * width;
      int64_t best = 0;
      for (int64_t i = 1; i < width; ++i) {
        if (row[i] > row[best]) best = i;
      }
      y.i32()[r] = static_cast<int32_t>(best);
    }
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
