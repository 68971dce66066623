// concat_qkv: the q, k and v projections of one attention block read the same input; replace the
// three linears by one over the stacked weight [Wq; Wk; Wv] (and bias) followed by a split. The
// stacked weight is a view when the file keeps the three back to back (the converter writes them
// so), so no weight is duplicated.
//
//   attention(rope([rms_norm](reshape(linear(x, Wq)))),
//             kv_cache_write(rope([rms_norm](reshape(linear(x, Wk)))), k_cache),
//             kv_cache_write(reshape(linear(x, Wv)), v_cache))
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "graph/passes/pass.h"
#include "graph/passes/pattern.h"
#include "graph/passes/rewrite.h"

namespace anvil {
namespace {

using P = Pattern;

P Projection(const std::string& role, bool bias) {
  std::vector<P> in = {P::Any("x"), P::Any("w" + role)};
  if (bias) in.push_back(P::Any("b" + role));
  return P::Op("reshape", {P::Op("linear", in).As("linear_" + role).OnlyUse()});
}

P MaybeNorm(P heads, bool qk_norm) { return qk_norm ? P::Op("rms_norm", {heads, P::Any()}) : heads; }

std::vector<P> AttentionPatterns() {
  std::vector<P> variants;
  for (bool bias : {false, true}) {
    for (bool qk_norm : {false, true}) {
      P q = P::Op("rope", {MaybeNorm(Projection("q", bias), qk_norm)});
      P k = P::Op("kv_cache_write", {P::Op("rope", {MaybeNorm(Projection("k", bias), qk_norm)}), P::Any()});
      P v = P::Op("kv_cache_write", {Projection("v", bias), P::Any()});
      variants.push_back(P::Op("attention", {q, k, v}));
    }
  }
  return variants;
}

// "blk.0.attn_q" -> "blk.0.attn_qkv"
std::string StackedName(const std::string& q_name) {
  return absl::EndsWith(q_name, "_q") ? q_name + "kv" : q_name + "_qkv";
}

class ConcatQkvPass : public Pass {
 public:
  std::string name() const override { return "concat_qkv"; }

  absl::StatusOr<bool> Run(Graph& g, const PassContext& context) override {
    return RewriteAll(g, AttentionPatterns(), [&](const Match& m) -> absl::StatusOr<bool> {
      const NodeId lq = m.node("linear_q"), lk = m.node("linear_k"), lv = m.node("linear_v");
      const DType dtype = g.value(m.value("wq")).type.dtype;
      if (g.value(m.value("wk")).type.dtype != dtype || g.value(m.value("wv")).type.dtype != dtype) return false;
      const std::string base = StackedName(g.node(lq).name);
      ANVIL_ASSIGN_OR_RETURN(ValueId w, ConcatInitializers(g, {m.value("wq"), m.value("wk"), m.value("wv")},
                                                           g.UniqueName(base + ".weight")));
      Node linear;
      linear.name = base;
      linear.op = "linear";
      linear.inputs = {m.value("x"), w};
      if (m.has_value("bq")) {
        ANVIL_ASSIGN_OR_RETURN(ValueId b, ConcatInitializers(g, {m.value("bq"), m.value("bk"), m.value("bv")},
                                                             g.UniqueName(base + ".bias")));
        linear.inputs.push_back(b);
      }
      ANVIL_ASSIGN_OR_RETURN(ValueId qkv, InsertNode(g, context.registry, lq, std::move(linear), base));
      const std::vector<ValueId> parts = {g.node(lq).outputs[0], g.node(lk).outputs[0], g.node(lv).outputs[0]};
      Node split;
      split.op = "split";
      split.inputs = {qkv};
      std::vector<int64_t> sizes;
      for (ValueId part : parts) sizes.push_back(g.value(part).type.shape[1].size);
      split.attrs.Set("sizes", sizes);
      ANVIL_RETURN_IF_ERROR(ReplaceWithNode(g, context.registry, std::move(split), parts, {lq, lk, lv}, base + "_split").status());
      return true;
    });
  }
};

}  // namespace

std::unique_ptr<Pass> MakeConcatQkvPass() { return std::make_unique<ConcatQkvPass>(); }

}  // namespace anvil
