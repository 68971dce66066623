// concat_gate_up: swiglu(linear(x, W_gate), linear(x, W_up)) reads x twice; make it one linear
// over the stacked weight [W_gate; W_up] (a view when the two lie back to back) and a split.
#include "absl/strings/match.h"
#include "base/status.h"
#include "graph/passes/pass.h"
#include "graph/passes/pattern.h"
#include "graph/passes/rewrite.h"

namespace anvil {
namespace {

using P = Pattern;

class ConcatGateUpPass : public Pass {
 public:
  std::string name() const override { return "concat_gate_up"; }

  absl::StatusOr<bool> Run(Graph& g, const PassContext& context) override {
    const P pattern = P::Op("swiglu", {P::Op("linear", {P::Any("x"), P::Any("w_gate")}).As("gate").OnlyUse(),
                                       P::Op("linear", {P::Any("x"), P::Any("w_up")}).As("up").OnlyUse()});
    return RewriteAll(g, {pattern}, [&](const Match& m) -> absl::StatusOr<bool> {
      const NodeId gate = m.node("gate"), up = m.node("up");
      if (g.value(m.value("w_gate")).type.dtype != g.value(m.value("w_up")).type.dtype) return false;
      const std::string& gate_name = g.node(gate).name;
      const std::string base = absl::EndsWith(gate_name, "_gate") ? gate_name + "_up" : gate_name + "_gate_up";
      ANVIL_ASSIGN_OR_RETURN(ValueId w, ConcatInitializers(g, {m.value("w_gate"), m.value("w_up")},
                                                           g.UniqueName(base + ".weight")));
      Node linear;
      linear.name = base;
      linear.op = "linear";
      linear.inputs = {m.value("x"), w};
      ANVIL_ASSIGN_OR_RETURN(ValueId both, InsertNode(g, context.registry, gate, std::move(linear), base));
      const std::vector<ValueId> parts = {g.node(gate).outputs[0], g.node(up).outputs[0]};
      Node split;
      split.op = "split";
      split.inputs = {both};
      split.attrs.Set("sizes", std::vector<int64_t>{g.value(parts[0]).type.shape[1].size,
                                                    g.value(parts[1]).type.shape[1].size});
      ANVIL_RETURN_IF_ERROR(ReplaceWithNode(g, context.registry, std::move(split), parts, {gate, up}, base + "_split").status());
      return true;
    });
  }
};

}  // namespace

std::unique_ptr<Pass> MakeConcatGateUpPass() { return std::make_unique<ConcatGateUpPass>(); }

}  // namespace anvil
