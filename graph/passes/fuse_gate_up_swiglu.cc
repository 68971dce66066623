// fuse_gate_up_swiglu: after concat_gate_up, the stacked projection is split in halves and fed to
// swiglu; one gate_up_swiglu computes both halves and the activation without the [T, 2F]
// intermediate.
//
//   swiglu(split(linear(x, W)):0, split(linear(x, W)):1)  ->  gate_up_swiglu(x, W)
#include "base/status.h"
#include "graph/passes/pass.h"
#include "graph/passes/pattern.h"
#include "graph/passes/rewrite.h"

namespace anvil {
namespace {

using P = Pattern;

bool EqualHalves(const Graph&, const Node& split) {
  auto sizes = split.attrs.GetInts("sizes");
  return sizes.ok() && sizes->size() == 2 && (*sizes)[0] == (*sizes)[1] && split.outputs.size() == 2;
}

class FuseGateUpSwigluPass : public Pass {
 public:
  std::string name() const override { return "fuse_gate_up_swiglu"; }

  absl::StatusOr<bool> Run(Graph& g, const PassContext& context) override {
    P split = P::Op("split", {P::Op("linear", {P::Any("x"), P::Any("w")}).As("linear").OnlyUse()})
                  .As("split")
                  .Where(EqualHalves);
    P gate = split, up = split;
    const P pattern = P::Op("swiglu", {gate.Output(0).OnlyUse(), up.Output(1).OnlyUse()}).As("swiglu");
    return RewriteAll(g, {pattern}, [&](const Match& m) -> absl::StatusOr<bool> {
      Node fused;
      fused.op = "gate_up_swiglu";
      fused.inputs = {m.value("x"), m.value("w")};
      const Node& swiglu = g.node(m.node("swiglu"));
      const std::string name = swiglu.name;
      ANVIL_RETURN_IF_ERROR(ReplaceWithNode(g, context.registry, std::move(fused), {swiglu.outputs[0]},
                                            {m.node("linear"), m.node("split"), m.node("swiglu")}, name)
                                .status());
      return true;
    });
  }
};

}  // namespace

std::unique_ptr<Pass> MakeFuseGateUpSwigluPass() { return std::make_unique<FuseGateUpSwigluPass>(); }

}  // namespace anvil
