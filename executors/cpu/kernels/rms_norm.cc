// rms_norm over the last axis, one row per work item.
#include "executors/cpu/kernels/rms_norm.h"

#include <cmath>

#include "base/status.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/parallel.h"
#include "ops/norm/rms_norm.h"

namespace anvil::cpu {

void RmsNormRow(const float* x, const float* weight, int64_t dim, float eps, float* y) {
  // Sixteen independent partial sums vectorize without reassociating one long chain.
  float partial[16] = {};
  int64_t i = 0;
  for (; i + 16 <= dim; i += 16) {
    for (int j = 0; j < 16; ++j) partial[j] += x[i + j] * x[i + j];
  }
  double sum = 0;
  for (int j = 0; j < 16; ++j) sum += partial[j];
  for (; i < dim; ++i) sum += static_cast<double>(x[i]) * x[i];
  const float scale = static_cast<float>(1.0 / std::sqrt(sum / static_cast<double>(dim) + eps));
  for (int64_t k = 0; k < dim; ++k) y[k] = x[k] * scale * weight[k];
}

absl::StatusOr<CpuKernel> BindRmsNorm(const BindContext& ctx) {
  ANVIL_ASSIGN_OR_RETURN(RmsNormAttrs attrs, RmsNormAttrs::From(ctx.node.attrs));
  const CpuTensor x = ctx.inputs[0], w = ctx.inputs[1], y = ctx.outputs[0];
  const int64_t rows = x.rows(), dim = x.last();
  const float eps = attrs.eps;
  return CpuKernel([=](const StepState&) {
    ParallelChunks(rows, ChunkFor(dim * 3), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) RmsNormRow(x.f32() + r * dim, w.f32(), dim, eps, y.f32() + r * dim);
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
