// gate_up_swiglu: y[T, F] = silu(x W_gate^T) * (x W_up^T) over one weight [2F, K] whose first F
// rows are the gate and last F rows the up projection.
//   T = 1: the [2F] product through the shared GEMV (contiguous row chunks), then the activation.
//   T > 1: the [T, 2F] product through the linear kernel's GEMM, then the activation.
#include <algorithm>
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
  // The product goes to a [T, 2F] scratch owned by this kernel (T > 1: through the linear kernel).
  auto product = std::make_shared<ScratchVector<float>>(tokens * 2 * f);
  CpuKernel gemm;
  std::shared_ptr<Gemv> gemv;
  if (tokens == 1) {
    gemv = std::make_shared<Gemv>(w, k, ctx.plan_resources);
  } else {
    CpuTensor scratch{DType::kF32, {tokens, 2 * f}, reinterpret_cast<uint8_t*>(product->data())};
    BindContext linear{ctx.node, {x, w}, {scratch}, ctx.plan_resources};
    auto bound = BindLinear(linear);
    if (!bound.ok()) return bound.status();
    gemm = std::move(*bound);
  }
  return CpuKernel([=](const StepState& step) -> absl::Status {
    float* p = product->data();
    if (tokens > 1) {
      ANVIL_RETURN_IF_ERROR(gemm(step));
    } else {
      // One GEMV over all 2F rows: each chunk streams one contiguous run of the weight.
      gemv->Prepare(x.f32());
      ParallelChunks(2 * f, gemv->chunk(), [&](int64_t begin, int64_t end) { gemv->Rows(begin, end, p + begin); });
    }
    ParallelChunks(tokens * f, ChunkFor(16, 1 << 15), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end;) {  // runs within one token's row
        const int64_t t = i / f, c = i % f, run = std::min(end - i, f - c);
        Swiglu(p + t * 2 * f + c, p + t * 2 * f + f + c, run, y.f32() + i);
        i += run;
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
