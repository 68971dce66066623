// gate_up_swiglu: y[T, F] = silu(x W_gate^T) * (x W_up^T) over one weight [2F, K] whose first F
// rows are the gate and last F rows the up projection.
//   T = 1: the [2F] product through the shared GEMV (contiguous row chunks), then the activation.
//   T != 1: the linear kernel's GEMM with the activation fused into its output (kernels/linear.cc).
#include <vector>

#include "base/scratch_vector.h"
#include "base/status.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/kernels/gemv.h"
#include "executors/cpu/parallel.h"
#include "executors/cpu/simd/simd.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindGateUpSwiglu(const BindContext& ctx) {
  const CpuTensor x = ctx.inputs[0], w = ctx.inputs[1], y = ctx.outputs[0];
  const int64_t tokens = x.dims[0], k = x.dims[1], f = w.dims[0] / 2;
  if (tokens != 1) return BindLinear(ctx, /*swiglu=*/true);
  // The [2F] product goes to a scratch owned by this kernel.
  auto product = std::make_shared<ScratchVector<float>>(2 * f);
  auto gemv = std::make_shared<Gemv>(w, k, ctx.plan_resources);
  return CpuKernel([=](const StepState&) -> absl::Status {
    float* p = product->data();
    // One GEMV over all 2F rows: each chunk streams one contiguous run of the weight.
    gemv->Prepare(x.f32());
    ParallelChunks(2 * f, gemv->chunk(), [&](int64_t begin, int64_t end) { gemv->Rows(begin, end, p + begin); });
    ParallelChunks(f, ChunkFor(16, 1 << 15), [&](int64_t begin, int64_t end) {
      Swiglu(p + begin, p + f + begin, end - begin, y.f32() + begin);
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
