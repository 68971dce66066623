#include "ops/attention/attention.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "base/status.h"
#include "ops/kv_cache/kv_cache_write.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"

namespace anvil {

absl::StatusOr<AttentionAttrs> AttentionAttrs::From(const Attributes& attrs) {
  AttentionAttrs a;
  ANVIL_ASSIGN_OR_RETURN(a.scale, attrs.GetFloat("scale", 0));
  ANVIL_ASSIGN_OR_RETURN(a.sliding_window, attrs.GetInt("sliding_window", 0));
  if (a.scale < 0 || !std::isfinite(a.scale)) return absl::InvalidArgumentError("attribute 'scale' must be >= 0");
  if (a.sliding_window < 0) return absl::InvalidArgumentError("attribute 'sliding_window' must be >= 0");
  return a;
}

double AttentionAttrs::ScaleFor(int64_t head_dim) const {
  return scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(head_dim));
}

OpDef AttentionOp() {
  OpDef def;
  def.name = "attention";
  def.summary = "causal GQA attention of q [T, H, hd] over cache rows 0..P+T-1 -> [T, H*hd]";
  def.inputs = {F32Port("q"), F32Port("k_cache"), F32Port("v_cache")};
  def.outputs = {F32Port("y")};
  def.attrs = {{"scale", AttrType::kFloat}, {"sliding_window", AttrType::kInt}};
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_RETURN_IF_ERROR(AttentionAttrs::From(ctx.attrs()).status());
    ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(0, 3));
    ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(1, 3));
    const Shape& q = ctx.input(0).shape;
    const Shape& k = ctx.input(1).shape;
    if (q[1].is_symbolic() || q[2].is_symbolic() || k[0].is_symbolic()) {
      return ctx.Error("heads and head_dim must be fixed");
    }
    ANVIL_RETURN_IF_ERROR(CheckCacheMatches(ctx, 1, k[0], q[2]));
    ANVIL_RETURN_IF_ERROR(ctx.ExpectShape(2, k));
    ANVIL_RETURN_IF_ERROR(ExpectState(ctx, 2));
    if (k[0].size == 0 || q[1].size % k[0].size != 0) {
      return ctx.Error(absl::StrCat(ctx.InputLabel(0), " has ", q[1].size, " heads, not a multiple of the ",
                                    k[0].size, " kv heads of ", ctx.InputLabel(1)));
    }
    return std::vector<TensorType>{{DType::kF32, Shape{q[0], Dim::Fixed(q[1].size * q[2].size)}}};
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    ANVIL_ASSIGN_OR_RETURN(AttentionAttrs attrs, AttentionAttrs::From(ctx.node.attrs));
    const HostTensor& q = ctx.inputs[0];
    const HostTensor& k = ctx.inputs[1];
    const HostTensor& v = ctx.inputs[2];
    const int64_t tokens = q.dims[0], heads = q.dims[1], head_dim = q.dims[2];
    const int64_t kv_heads = k.dims[0], capacity = k.dims[1];
    ANVIL_RETURN_IF_ERROR(CheckKvCapacity(ctx.position, tokens, capacity));
    const double scale = attrs.ScaleFor(head_dim);
    const int64_t group = heads / kv_heads;
    std::vector<double> scores;
    for (int64_t t = 0; t < tokens; ++t) {
      const int64_t pos = ctx.position + t;
      const int64_t first = AttentionFirstRow(pos, attrs.sliding_window);
      for (int64_t h = 0; h < heads; ++h) {
        const float* qh = F32(q) + (t * heads + h) * head_dim;
        const float* kh = F32(k) + (h / group) * capacity * head_dim;
        const float* vh = F32(v) + (h / group) * capacity * head_dim;
        scores.assign(pos - first + 1, 0.0);
        double max = -INFINITY;
        for (int64_t j = first; j <= pos; ++j) {
          double dot = 0;
          for (int64_t i = 0; i < head_dim; ++i) dot += static_cast<double>(qh[i]) * kh[j * head_dim + i];
          scores[j - first] = dot * scale;
          max = std::max(max, scores[j - first]);
        }
        double sum = 0;
        for (double& s : scores) {
          s = std::exp(s - max);
          sum += s;
        }
        float* out = F32(ctx.outputs[0]) + (t * heads + h) * head_dim;
        for (int64_t i = 0; i < head_dim; ++i) {
          double acc = 0;
          for (int64_t j = first; j <= pos; ++j) acc += scores[j - first] * vh[j * head_dim + i];
          out[i] = static_cast<float>(acc / sum);
        }
      }
    }
    return absl::OkStatus();
  };
  def.cost = [](const CostContext& ctx) {
    const auto& q = ctx.input_dims[0];
    // QK^T and PV over the P + T/2 rows a token sees on average.
    const double rows = static_cast<double>(ctx.position) + (q[0] + 1) / 2.0;
    return OpCost{4.0 * q[0] * q[1] * q[2] * rows, 0};
  };
  return def;
}

}  // namespace anvil
