#include "ops/rope/split_rope_kv_write.h"

#include <vector>

#include "base/status.h"
#include "ops/kv_cache/kv_cache_write.h"
#include "ops/norm/rms_norm.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"

namespace anvil {

absl::StatusOr<SplitRopeKvWriteAttrs> SplitRopeKvWriteAttrs::From(const Attributes& attrs) {
  SplitRopeKvWriteAttrs a;
  ANVIL_ASSIGN_OR_RETURN(a.num_heads, attrs.RequireInt("num_heads"));
  ANVIL_ASSIGN_OR_RETURN(a.num_kv_heads, attrs.RequireInt("num_kv_heads"));
  ANVIL_ASSIGN_OR_RETURN(a.head_dim, attrs.RequireInt("head_dim"));
  ANVIL_ASSIGN_OR_RETURN(double eps, attrs.GetFloat("norm_eps", 1e-6));
  a.norm_eps = static_cast<float>(eps);
  ANVIL_ASSIGN_OR_RETURN(a.rope, RopeAttrs::From(attrs));
  if (a.num_heads <= 0 || a.num_kv_heads <= 0 || a.head_dim <= 0 || a.num_heads % a.num_kv_heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat("num_heads ", a.num_heads, " must be a positive multiple of num_kv_heads ",
                                                   a.num_kv_heads, ", head_dim ", a.head_dim, " positive"));
  }
  if (!(eps > 0)) return absl::InvalidArgumentError("attribute 'norm_eps' must be positive");
  ANVIL_RETURN_IF_ERROR(a.rope.CheckHeadDim(a.head_dim));
  return a;
}

OpDef SplitRopeKvWriteOp() {
  OpDef def;
  def.name = "split_rope_kv_write";
  def.summary = "split fused QKV, optional per-head QK-norm, RoPE on q and k, write k and v to the caches";
  def.inputs = {F32Port("qkv"), F32Port("k_cache"), F32Port("v_cache"), OptionalF32Port("q_norm"),
                OptionalF32Port("k_norm")};
  def.outputs = {F32Port("q"), F32Port("k_cache_out"), F32Port("v_cache_out")};
  def.output_aliases = {-1, 1, 2};
  def.attrs = {{"num_heads", AttrType::kInt, true},
               {"num_kv_heads", AttrType::kInt, true},
               {"head_dim", AttrType::kInt, true},
               {"norm_eps", AttrType::kFloat}};
  AppendRopeAttrSpecs(def.attrs);
  def.is_fused = true;
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_ASSIGN_OR_RETURN(SplitRopeKvWriteAttrs a, SplitRopeKvWriteAttrs::From(ctx.attrs()));
    ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(0, 2));
    const Dim width = Dim::Fixed((a.num_heads + 2 * a.num_kv_heads) * a.head_dim);
    ANVIL_RETURN_IF_ERROR(ctx.ExpectDim(0, 1, width));
    const Dim kv = Dim::Fixed(a.num_kv_heads), hd = Dim::Fixed(a.head_dim);
    ANVIL_RETURN_IF_ERROR(CheckCacheMatches(ctx, 1, kv, hd));
    ANVIL_RETURN_IF_ERROR(CheckCacheMatches(ctx, 2, kv, hd));
    if (ctx.has_input(3) != ctx.has_input(4)) return ctx.Error("q_norm and k_norm must be given together");
    if (ctx.has_input(3)) {
      ANVIL_RETURN_IF_ERROR(ctx.ExpectShape(3, Shape{hd}));
      ANVIL_RETURN_IF_ERROR(ctx.ExpectShape(4, Shape{hd}));
    }
    const Dim tokens = ctx.input(0).shape[0];
    return std::vector<TensorType>{{DType::kF32, Shape{tokens, Dim::Fixed(a.num_heads), hd}},
                                   ctx.input(1), ctx.input(2)};
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    ANVIL_ASSIGN_OR_RETURN(SplitRopeKvWriteAttrs a, SplitRopeKvWriteAttrs::From(ctx.node.attrs));
    const HostTensor& qkv = ctx.inputs[0];
    const int64_t tokens = qkv.dims[0], hd = a.head_dim;
    const int64_t q_width = a.num_heads * hd, kv_width = a.num_kv_heads * hd;
    const int64_t capacity = ctx.outputs[1].dims[1];
    ANVIL_RETURN_IF_ERROR(CheckKvCapacity(ctx.position, tokens, capacity));
    const bool qk_norm = ctx.inputs.size() > 3 && ctx.inputs[3].data != nullptr;
    const std::vector<double> freqs = RopeFrequencies(a.rope, hd);
    std::vector<float> k(kv_width);
    for (int64_t t = 0; t < tokens; ++t) {
      const float* row = F32(qkv) + t * (q_width + 2 * kv_width);
      float* q = F32(ctx.outputs[0]) + t * q_width;
      std::copy(row, row + q_width, q);
      std::copy(row + q_width, row + q_width + kv_width, k.begin());
      if (qk_norm) {
        RmsNormReference(q, F32(ctx.inputs[3]), a.num_heads, hd, a.norm_eps, q);
        RmsNormReference(k.data(), F32(ctx.inputs[4]), a.num_kv_heads, hd, a.norm_eps, k.data());
      }
      RopeReference(q, a.num_heads, hd, ctx.position + t, a.rope, freqs);
      RopeReference(k.data(), a.num_kv_heads, hd, ctx.position + t, a.rope, freqs);
      KvCacheWriteReference(k.data(), 1, a.num_kv_heads, hd, capacity, ctx.position + t, F32(ctx.outputs[1]));
      KvCacheWriteReference(row + q_width + kv_width, 1, a.num_kv_heads, hd, capacity, ctx.position + t,
                            F32(ctx.outputs[2]));
    }
    return absl::OkStatus();
  };
  def.cost = [](const CostContext& ctx) { return OpCost{4.0 * NumElements(ctx.input_dims[0]), 0}; };
  return def;
}

}  // namespace anvil
