// swiglu(gate, up) = silu(gate) * up on f32.
#include "executors/cpu/kernel.h"
#include "executors/cpu/parallel.h"
#include "executors/cpu/simd/simd.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindSwiglu(const BindContext& ctx) {
  const CpuTensor gate = ctx.inputs[0], up = ctx.inputs[1], y = ctx.outputs[0];
  const int64_t n = gate.num_elements();
  return CpuKernel([=](const StepState&) {
    ParallelChunks(n, ChunkFor(8, 1 << 15), [&](int64_t begin, int64_t end) {
      Swiglu(gate.f32() + begin, up.f32() + begin, end - begin, y.f32() + begin);
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
