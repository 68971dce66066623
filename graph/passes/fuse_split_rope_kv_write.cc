// fuse_split_rope_kv_write: after concat_qkv, the fused projection is split into q, k and v; each
// is viewed as heads, q and k optionally RMS-normalized per head (Qwen3), rotated, and k and v
// written to the caches. One split_rope_kv_write does all of it in a single pass over qkv.
//
//   attention(rope([rms_norm](reshape(split(qkv):0))),
//             kv_cache_write(rope([rms_norm](reshape(split(qkv):1))), k_cache),
//             kv_cache_write(reshape(split(qkv):2), v_cache))
//   -> (q, k_cache', v_cache') = split_rope_kv_write(qkv, k_cache, v_cache[, q_norm, k_norm])
#include "base/status.h"
#include "graph/passes/pass.h"
#include "graph/passes/pattern.h"
#include "graph/passes/rewrite.h"

namespace anvil {
namespace {

using P = Pattern;

P Heads(int part, const std::string& name) {
  P split = P::Op("split", {P::Any("qkv")}).As("split");
  return P::Op("reshape", {split.Output(part).OnlyUse()}).As(name).OnlyUse();
}

P MaybeNorm(P heads, bool qk_norm, const std::string& role) {
  if (!qk_norm) return heads;
  return P::Op("rms_norm", {heads, P::Any(role + "_norm")}).As(role + "_norm_node").OnlyUse();
}

std::vector<P> Patterns() {
  std::vector<P> variants;
  for (bool qk_norm : {true, false}) {
    P q = P::Op("rope", {MaybeNorm(Heads(0, "q_heads"), qk_norm, "q")}).As("q_rope");
    P k = P::Op("kv_cache_write",
                {P::Op("rope", {MaybeNorm(Heads(1, "k_heads"), qk_norm, "k")}).As("k_rope").OnlyUse(), P::Any("k_cache")})
              .As("k_write");
    P v = P::Op("kv_cache_write", {Heads(2, "v_heads"), P::Any("v_cache")}).As("v_write");
    variants.push_back(P::Op("attention", {q, k, v}));
  }
  return variants;
}

// heads and head_dim of a reshape to [0, heads, head_dim], or {0, 0}.
std::pair<int64_t, int64_t> HeadsOf(const Node& reshape) {
  auto shape = reshape.attrs.GetInts("shape");
  if (!shape.ok() || shape->size() != 3 || (*shape)[0] != 0) return {0, 0};
  return {(*shape)[1], (*shape)[2]};
}

class FuseSplitRopeKvWritePass : public Pass {
 public:
  std::string name() const override { return "fuse_split_rope_kv_write"; }

  absl::StatusOr<bool> Run(Graph& g, const PassContext& context) override {
    return RewriteAll(g, Patterns(), [&](const Match& m) -> absl::StatusOr<bool> {
      const auto [heads, head_dim] = HeadsOf(g.node(m.node("q_heads")));
      const auto [kv_heads, kv_dim] = HeadsOf(g.node(m.node("k_heads")));
      const auto [v_heads, v_dim] = HeadsOf(g.node(m.node("v_heads")));
      auto sizes = g.node(m.node("split")).attrs.GetInts("sizes");
      const Node& q_rope = g.node(m.node("q_rope"));
      const Node& k_rope = g.node(m.node("k_rope"));
      const bool qk_norm = m.nodes.count("q_norm_node") > 0;
      const bool consistent =
          heads > 0 && kv_heads > 0 && head_dim == kv_dim && kv_heads == v_heads && head_dim == v_dim && sizes.ok() &&
          *sizes == std::vector<int64_t>{heads * head_dim, kv_heads * head_dim, kv_heads * head_dim} &&
          q_rope.attrs == k_rope.attrs &&
          (!qk_norm || g.node(m.node("q_norm_node")).attrs == g.node(m.node("k_norm_node")).attrs);
      if (!consistent) return false;
      Node fused;
      fused.op = "split_rope_kv_write";
      fused.inputs = {m.value("qkv"), m.value("k_cache"), m.value("v_cache")};
      fused.attrs = q_rope.attrs;
      fused.attrs.Set("num_heads", heads);
      fused.attrs.Set("num_kv_heads", kv_heads);
      fused.attrs.Set("head_dim", head_dim);
      std::vector<NodeId> remove = {m.node("split"), m.node("q_heads"), m.node("k_heads"), m.node("v_heads"),
                                    m.node("q_rope"), m.node("k_rope"), m.node("k_write"), m.node("v_write")};
      if (qk_norm) {
        fused.inputs.push_back(m.value("q_norm"));
        fused.inputs.push_back(m.value("k_norm"));
        auto eps = g.node(m.node("q_norm_node")).attrs.GetFloat("eps", 1e-5);
        ANVIL_RETURN_IF_ERROR(eps.status());
        fused.attrs.Set("norm_eps", *eps);
        remove.push_back(m.node("q_norm_node"));
        remove.push_back(m.node("k_norm_node"));
      }
      const std::vector<ValueId> replaces = {q_rope.outputs[0], g.node(m.node("k_write")).outputs[0],
                                             g.node(m.node("v_write")).outputs[0]};
      const std::string name = LayerPrefix(g.node(m.node("split")).name) + "split_rope_kv_write";
      ANVIL_RETURN_IF_ERROR(ReplaceWithNode(g, context.registry, std::move(fused), replaces, remove, name).status());
      return true;
    });
  }
};

}  // namespace

std::unique_ptr<Pass> MakeFuseSplitRopeKvWritePass() { return std::make_unique<FuseSplitRopeKvWritePass>(); }

}  // namespace anvil
