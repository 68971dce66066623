// plan_memory: turns on in-place writes for the executors' activation planning (an op may write
// its output over an input whose last reader it is, OpDef::in_place) on top of liveness reuse.
// Executors lay the arena out per specialization (T, C); the figures for a decode step are in the
// pipeline report.
#include "graph/passes/pass.h"

namespace anvil {
namespace {

class PlanMemoryPass : public Pass {
 public:
  std::string name() const override { return "plan_memory"; }

  absl::StatusOr<bool> Run(Graph& g, const PassContext& context) override {
    const bool changed = !g.memory_in_place;
    g.memory_in_place = true;
    return changed;
  }
};

}  // namespace

std::unique_ptr<Pass> MakePlanMemoryPass() { return std::make_unique<PlanMemoryPass>(); }

}  // namespace anvil
