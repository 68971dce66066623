// swiglu(gate, up) = silu(gate) * up on f32.
#include <cmath>

#include "executors/cpu/kernel.h"
#include "executors/cpu/parallel.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindSwiglu(const BindContext& ctx) {
  const CpuTensor gate = ctx.inputs[0], up = ctx.inputs[1], y = ctx.outputs[0];
  const int64_t n = gate.num_elements();
  return CpuKernel([=](const StepState&) {
    ParallelChunks(n, ChunkFor(8, 1 << 15), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const float g = gate.f32()[i];
        y.f32()[i] = g / (1.0f + std::exp(-g)) * up.f32()[i];
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
