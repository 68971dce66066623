// dead_code_elimination: removes nodes whose outputs nobody reads (unless they write a state, which
// later steps read) and initializers no node reads any more (e.g. q/k/v weights after concat_qkv).
#include "graph/passes/pass.h"

namespace anvil {
namespace {

class DeadCodeEliminationPass : public Pass {
 public:
  std::string name() const override { return "dead_code_elimination"; }

  absl::StatusOr<bool> Run(Graph& g, const PassContext& context) override {
    std::vector<int> readers(g.value_capacity(), 0);
    for (NodeId n : g.order()) {
      for (ValueId in : g.node(n).inputs) {
        if (in != kNoValue) ++readers[in];
      }
    }
    for (ValueId out : g.outputs()) ++readers[out];
    bool changed = false;
    const std::vector<NodeId> order = g.order();
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      const Node& node = g.node(*it);
      const OpDef* def = context.registry.Find(node.op);
      bool live = false;
      for (size_t i = 0; i < node.outputs.size(); ++i) {
        live |= readers[node.outputs[i]] > 0;
        live |= def != nullptr && def->OutputAlias(static_cast<int>(i)) >= 0;  // writes a state
      }
      if (live) continue;
      for (ValueId in : node.inputs) {
        if (in != kNoValue) --readers[in];
      }
      g.RemoveNode(*it);
      changed = true;
    }
    for (ValueId id : g.initializers()) {
      if (readers[id] == 0) {
        g.RemoveValue(id);
        changed = true;
      }
    }
    return changed;
  }
};

}  // namespace

std::unique_ptr<Pass> MakeDeadCodeEliminationPass() { return std::make_unique<DeadCodeEliminationPass>(); }

}  // namespace anvil
