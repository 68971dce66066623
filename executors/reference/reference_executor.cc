#include "executors/reference/reference_executor.h"

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "executors/host_plan.h"

namespace anvil {
namespace {

class ReferencePlan : public HostPlan {
 public:
  absl::Status Build(const Graph& graph, const OpRegistry& registry, const Specialization& spec,
                     HostStateStore& states) {
    ANVIL_RETURN_IF_ERROR(Layout(graph, registry, spec, states));
    for (NodeId id : graph.order()) {
      const Node& node = graph.node(id);
      const OpDef* def = registry.Find(node.op);
      if (def == nullptr || !def->reference) {
        return absl::UnimplementedError(absl::StrCat("node '", node.name, "': op '", node.op, "' has no reference kernel"));
      }
      Step step{&node, def, {}, {}};
      for (ValueId in : node.inputs) step.inputs.push_back(Host(in));
      for (ValueId out : node.outputs) step.outputs.push_back(Host(out));
      steps_.push_back(std::move(step));
    }
    return absl::OkStatus();
  }

  int64_t dispatches() const override { return static_cast<int64_t>(steps_.size()); }
  // The reference executor interprets the graph every step: capture and eager are the same thing.
  absl::Status Capture() override { return absl::OkStatus(); }
  bool captured() const override { return true; }
  void ReleaseCapture() override {}
  absl::Status RunEager(int64_t position) override { return Run(position); }

  absl::Status Run(int64_t position) override {
    for (const Step& s : steps_) {
      RefKernelContext ctx{*s.node, s.inputs, s.outputs, position};
      ANVIL_RETURN_IF_ERROR(s.def->reference(ctx), absl::StrCat("node '", s.node->name, "'"));
    }
    return absl::OkStatus();
  }

 private:
  struct Step {
    const Node* node;
    const OpDef* def;
    std::vector<HostTensor> inputs, outputs;
  };

  HostTensor Host(ValueId id) const {
    if (id == kNoValue) return HostTensor{};
    const Binding& b = binding(id);
    return HostTensor{b.dtype, b.dims, b.data};
  }

  std::vector<Step> steps_;
};

class ReferenceExecutor : public Executor {
 public:
  explicit ReferenceExecutor(const OpRegistry& registry) : registry_(registry) {}
  std::string name() const override { return "reference"; }

  absl::StatusOr<std::unique_ptr<StateStore>> CreateStates(const Graph& graph, int64_t capacity) override {
    ANVIL_ASSIGN_OR_RETURN(auto store, HostStateStore::Create(graph, capacity));
    return std::unique_ptr<StateStore>(std::move(store));
  }

  absl::StatusOr<std::unique_ptr<Plan>> Compile(const Graph& graph, const Specialization& spec,
                                                StateStore& states) override {
    auto plan = std::make_unique<ReferencePlan>();
    ANVIL_RETURN_IF_ERROR(plan->Build(graph, registry_, spec, static_cast<HostStateStore&>(states)));
    return std::unique_ptr<Plan>(std::move(plan));
  }

 private:
  const OpRegistry& registry_;
};

}  // namespace

std::shared_ptr<Executor> MakeReferenceExecutor(const OpRegistry& registry) {
  return std::make_shared<ReferenceExecutor>(registry);
}

}  // namespace anvil
