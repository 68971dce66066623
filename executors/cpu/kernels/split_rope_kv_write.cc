// split_rope_kv_write: per token, q = rope(qk_norm?(q)) to the output, k = rope(qk_norm?(k)) and v
// into the caches at row P + t.
#include <cstring>
#include <vector>

#include "base/status.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/kernels/rms_norm.h"
#include "executors/cpu/kernels/rope.h"
#include "ops/kv_cache/kv_cache_write.h"
#include "ops/rope/split_rope_kv_write.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindSplitRopeKvWrite(const BindContext& ctx) {
  ANVIL_ASSIGN_OR_RETURN(SplitRopeKvWriteAttrs a, SplitRopeKvWriteAttrs::From(ctx.node.attrs));
  const CpuTensor qkv = ctx.inputs[0], q_out = ctx.outputs[0], k_cache = ctx.outputs[1], v_cache = ctx.outputs[2];
  const CpuTensor q_norm = ctx.inputs.size() > 3 ? ctx.inputs[3] : CpuTensor{};
  const CpuTensor k_norm = ctx.inputs.size() > 4 ? ctx.inputs[4] : CpuTensor{};
  const int64_t tokens = qkv.dims[0], hd = a.head_dim, heads = a.num_heads, kv_heads = a.num_kv_heads;
  const int64_t capacity = k_cache.dims[1];
  auto freqs = std::make_shared<const std::vector<double>>(RopeFrequencies(a.rope, hd));
  auto angles = std::make_shared<RopeAngles>(*freqs);
  auto k = std::make_shared<std::vector<float>>(kv_heads * hd);
  return CpuKernel([=](const StepState& step) -> absl::Status {
    ANVIL_RETURN_IF_ERROR(CheckKvCapacity(step.position, tokens, capacity));
    const int64_t width = (heads + 2 * kv_heads) * hd;
    for (int64_t t = 0; t < tokens; ++t) {
      const float* row = qkv.f32() + t * width;
      float* q = q_out.f32() + t * heads * hd;
      std::memcpy(q, row, heads * hd * sizeof(float));
      std::memcpy(k->data(), row + heads * hd, kv_heads * hd * sizeof(float));
      if (q_norm.data != nullptr) {
        for (int64_t h = 0; h < heads; ++h) RmsNormRow(q + h * hd, q_norm.f32(), hd, a.norm_eps, q + h * hd);
        for (int64_t h = 0; h < kv_heads; ++h) RmsNormRow(k->data() + h * hd, k_norm.f32(), hd, a.norm_eps, k->data() + h * hd);
      }
      angles->Compute(*freqs, step.position + t);
      RotateHeads(q, heads, hd, a.rope.layout, *angles);
      RotateHeads(k->data(), kv_heads, hd, a.rope.layout, *angles);
      KvCacheWriteReference(k->data(), 1, kv_heads, hd, capacity, step.position + t, k_cache.f32());
      KvCacheWriteReference(row + (heads + kv_heads) * hd, 1, kv_heads, hd, capacity, step.position + t, v_cache.f32());
    }
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
