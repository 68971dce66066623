// silu(x) = x * sigmoid(x) on f32.
#include "executors/cpu/kernel.h"
#include "executors/cpu/parallel.h"
#include "executors/cpu/simd/simd.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindSilu(const BindContext& ctx) {
  const CpuTensor x = ctx.inputs[0], y = ctx.outputs[0];
  const int64_t n = x.num_elements();
  return CpuKernel([=](const StepState&) {
    ParallelChunks(n, ChunkFor(8, 1 << 15), [&](int64_t begin, int64_t end) {
      Swiglu(x.f32() + begin, nullptr, end - begin, y.f32() + begin);
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
