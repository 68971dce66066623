// add_rms_norm: sum = a + b and y = rms_norm(sum, w), one row per work item.
#include "base/status.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/kernels/rms_norm.h"
#include "executors/cpu/parallel.h"
#include "ops/norm/rms_norm.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindAddRmsNorm(const BindContext& ctx) {
  ANVIL_ASSIGN_OR_RETURN(RmsNormAttrs attrs, RmsNormAttrs::From(ctx.node.attrs));
  const CpuTensor a = ctx.inputs[0], b = ctx.inputs[1], w = ctx.inputs[2];
  const CpuTensor sum = ctx.outputs[0], y = ctx.outputs[1];
  const int64_t rows = a.rows(), dim = a.last();
  const float eps = attrs.eps;
  return CpuKernel([=](const StepState&) {
    ParallelChunks(rows, ChunkFor(dim * 4), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        float* s = sum.f32() + r * dim;
        const float* pa = a.f32() + r * dim;
        const float* pb = b.f32() + r * dim;
        for (int64_t i = 0; i < dim; ++i) s[i] = pa[i] + pb[i];
        RmsNormRow(s, w.f32(), dim, eps, y.f32() + r * dim);
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
