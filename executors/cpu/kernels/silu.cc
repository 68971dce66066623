// silu(x) = x * sigmoid(x) on f32.
#include <cmath>

#include "executors/cpu/kernel.h"
#include "executors/cpu/parallel.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindSilu(const BindContext& ctx) {
  const CpuTensor x = ctx.inputs[0], y = ctx.outputs[0];
  const int64_t n = x.num_elements();
  return CpuKernel([=](const StepState&) {
    ParallelChunks(n, ChunkFor(8, 1 << 15), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float v = x.f32()[i];
        y.f32()[i] = v / (1.0f + std::exp(-v));
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
