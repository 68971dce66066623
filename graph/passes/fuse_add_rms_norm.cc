// fuse_add_rms_norm: the residual add and the RMSNorm that reads it become one add_rms_norm
// producing both the sum (the residual stream goes on) and the normalized value.
//
//   rms_norm(add(a, b), w)  ->  (sum, y) = add_rms_norm(a, b, w)
//
// Not fused: an add that broadcasts (b is a vector), a sum read by more than one rms_norm, or a
// norm that reads the sum through a reshape (another axis).
#include "base/status.h"
#include "graph/passes/pass.h"
#include "graph/passes/pattern.h"
#include "graph/passes/rewrite.h"

namespace anvil {
namespace {

using P = Pattern;

bool SameShapes(const Graph& g, const Node& add) {
  return g.value(add.inputs[0]).type.shape == g.value(add.inputs[1]).type.shape;
}

class FuseAddRmsNormPass : public Pass {
 public:
  std::string name() const override { return "fuse_add_rms_norm"; }

  absl::StatusOr<bool> Run(Graph& g, const PassContext& context) override {
    const P pattern = P::Op("rms_norm", {P::Op("add", {P::Any("a"), P::Any("b")}).As("add").Where(SameShapes),
                                         P::Any("w")}).As("norm");
    return RewriteAll(g, {pattern}, [&](const Match& m) -> absl::StatusOr<bool> {
      const NodeId add = m.node("add"), norm = m.node("norm");
      const ValueId sum = g.node(add).outputs[0];
      int norms = 0;
      for (const Use& use : g.Uses(sum)) norms += g.node(use.node).op == "rms_norm";
      if (norms != 1) return false;
      Node fused;
      fused.op = "add_rms_norm";
      fused.inputs = {m.value("a"), m.value("b"), m.value("w")};
      fused.attrs = g.node(norm).attrs;
      const std::string name = g.node(norm).name;
      ANVIL_RETURN_IF_ERROR(
          ReplaceWithNode(g, context.registry, std::move(fused), {sum, g.node(norm).outputs[0]}, {add, norm}, name).status());
      return true;
    });
  }
};

}  // namespace

std::unique_ptr<Pass> MakeFuseAddRmsNormPass() { return std::make_unique<FuseAddRmsNormPass>(); }

}  // namespace anvil
