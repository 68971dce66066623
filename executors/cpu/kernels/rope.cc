// rope: rotary position embedding of x [T, H, head_dim] at positions P + t.
#include "executors/cpu/kernels/rope.h"

#include <cmath>
#include <cstring>

#include "base/status.h"
#include "executors/cpu/kernel.h"
#include "tbb/enumerable_thread_specific.h"

namespace anvil::cpu {

void RopeAngles::Compute(const std::vector<double>& freqs, int64_t position) {
  for (size_t i = 0; i < freqs.size(); ++i) {
    const double angle = static_cast<double>(position) * freqs[i];
    cos[i] = static_cast<float>(std::cos(angle));
    sin[i] = static_cast<float>(std::sin(angle));
  }
}

void RotateHeads(float* x, int64_t heads, int64_t head_dim, RopeLayout layout, const RopeAngles& angles) {
  const int64_t half = static_cast<int64_t>(angles.cos.size());
  for (int64_t h = 0; h < heads; ++h) {
    float* head = x + h * head_dim;
    if (layout == RopeLayout::kInterleaved) {
      for (int64_t i = 0; i < half; ++i) {
        const float x0 = head[2 * i], x1 = head[2 * i + 1];
        head[2 * i] = x0 * angles.cos[i] - x1 * angles.sin[i];
        head[2 * i + 1] = x0 * angles.sin[i] + x1 * angles.cos[i];
      }
    } else {
      for (int64_t i = 0; i < half; ++i) {
        const float x0 = head[i], x1 = head[i + half];
        head[i] = x0 * angles.cos[i] - x1 * angles.sin[i];
        head[i + half] = x0 * angles.sin[i] + x1 * angles.cos[i];
      }
    }
  }
}

absl::StatusOr<CpuKernel> BindRope(const BindContext& ctx) {
  ANVIL_ASSIGN_OR_RETURN(RopeAttrs attrs, RopeAttrs::From(ctx.node.attrs));
  const CpuTensor x = ctx.inputs[0], y = ctx.outputs[0];
  const int64_t tokens = x.dims[0], heads = x.dims[1], head_dim = x.dims[2];
  auto freqs = std::make_shared<const std::vector<double>>(RopeFrequencies(attrs, head_dim));
  auto angles = std::make_shared<RopeAngles>(*freqs);
  const RopeLayout layout = attrs.layout;
  return CpuKernel([=](const StepState& step) {
    if (y.data != x.data) std::memcpy(y.data, x.data, x.num_elements() * sizeof(float));
    for (int64_t t = 0; t < tokens; ++t) {
      angles->Compute(*freqs, step.position + t);
      RotateHeads(y.f32() + t * heads * head_dim, heads, head_dim, layout, *angles);
    }
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
