#include "executors/cpu/cpu_executor.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "executors/cpu/kernel.h"
#include "executors/host_plan.h"
#include "tbb/task_arena.h"

namespace anvil {
namespace {

using cpu::BindContext;
using cpu::CpuKernel;
using cpu::CpuTensor;
using cpu::StepState;

// A CPU plan's capture is the flat list of bound kernel calls. Eager steps bind every kernel
// again (attribute parsing, precomputed tables, closures) and run it, as an interpreter would.
class CpuPlan : public HostPlan {
 public:
  CpuPlan(tbb::task_arena& arena, bool profile) : arena_(arena), profile_(profile) {}

  absl::Status Build(const Graph& graph, const OpRegistry& registry, const Specialization& spec,
                     HostStateStore& states) {
    ANVIL_RETURN_IF_ERROR(Layout(graph, registry, spec, states));
    for (NodeId id : graph.order()) {
      const Node& node = graph.node(id);
      const OpDef* def = registry.Find(node.op);
      if (def != nullptr && def->is_view) continue;  // shares its input's bytes
      const cpu::KernelFactory factory = cpu::FindKernel(node.op);
      if (factory == nullptr) {
        return absl::UnimplementedError(absl::StrCat("node '", node.name, "': the CPU executor has no kernel for op '",
                                                     node.op, "'"));
      }
      BindContext ctx{node, {}, {}, &resources_};
      for (ValueId in : node.inputs) ctx.inputs.push_back(Tensor(in));
      for (ValueId out : node.outputs) ctx.outputs.push_back(Tensor(out));
      // Bind once now so attribute errors surface at compile time.
      ANVIL_RETURN_IF_ERROR(factory(ctx).status(), absl::StrCat("node '", node.name, "' (", node.op, ")"));
      nodes_.push_back(BoundNode{factory, std::move(ctx)});
      timings_.push_back(NodeTiming{node.name, node.op, 0, 0});
    }
    return absl::OkStatus();
  }

  absl::Status Capture() override {
    std::vector<CpuKernel> kernels;
    kernels.reserve(nodes_.size());
    for (const BoundNode& n : nodes_) {
      ANVIL_ASSIGN_OR_RETURN(CpuKernel kernel, n.factory(n.ctx), absl::StrCat("node '", n.ctx.node.name, "'"));
      kernels.push_back(std::move(kernel));
    }
    kernels_ = std::move(kernels);
    return absl::OkStatus();
  }
  bool captured() const override { return !kernels_.empty() || nodes_.empty(); }
  void ReleaseCapture() override { kernels_.clear(); }
  int64_t dispatches() const override { return static_cast<int64_t>(nodes_.size()); }
  std::vector<NodeTiming> timings() const override { return profile_ ? timings_ : std::vector<NodeTiming>{}; }
  double last_host_seconds() const override { return last_seconds_; }

  absl::Status Run(int64_t position) override {
    if (!captured()) ANVIL_RETURN_IF_ERROR(Capture());
    return Execute(position, [&](size_t i) { return kernels_[i](step_); });
  }

  absl::Status RunEager(int64_t position) override {
    return Execute(position, [&](size_t i) -> absl::Status {
      ANVIL_ASSIGN_OR_RETURN(CpuKernel kernel, nodes_[i].factory(nodes_[i].ctx));
      return kernel(step_);
    });
  }

 private:
  struct BoundNode {
    cpu::KernelFactory factory;
    BindContext ctx;
  };

  template <typename RunOne>
  absl::Status Execute(int64_t position, const RunOne& run_one) {
    const auto begin = std::chrono::steady_clock::now();
    step_.position = position;
    absl::Status status;
    arena_.execute([&] {
      for (size_t i = 0; i < nodes_.size(); ++i) {
        const auto start = profile_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point();
        status = run_one(i);
        if (profile_) {
          timings_[i].seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          ++timings_[i].calls;
        }
        if (!status.ok()) {
          status = Annotate(status, absl::StrCat("node '", nodes_[i].ctx.node.name, "'"));
          return;
        }
      }
    });
    last_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    return status;
  }

  CpuTensor Tensor(ValueId id) const {
    if (id == kNoValue) return CpuTensor{};
    const Binding& b = binding(id);
    return CpuTensor{b.dtype, b.dims, b.data};
  }

  tbb::task_arena& arena_;
  bool profile_;
  std::set<std::shared_ptr<const void>> resources_;  // BindContext::plan_resources
  std::vector<BoundNode> nodes_;
  std::vector<CpuKernel> kernels_;  // the capture
  std::vector<NodeTiming> timings_;
  StepState step_;
  double last_seconds_ = 0;
};

class CpuExecutor : public Executor {
 public:
  CpuExecutor(const OpRegistry& registry, int threads, bool profile)
      : registry_(registry), arena_(threads), profile_(profile) {}

  std::string name() const override { return "cpu"; }

  absl::StatusOr<std::unique_ptr<StateStore>> CreateStates(const Graph& graph, int64_t capacity) override {
    ANVIL_ASSIGN_OR_RETURN(auto store, HostStateStore::Create(graph, capacity));
    return std::unique_ptr<StateStore>(std::move(store));
  }

  absl::StatusOr<std::unique_ptr<Plan>> Compile(const Graph& graph, const Specialization& spec,
                                                StateStore& states) override {
    auto plan = std::make_unique<CpuPlan>(arena_, profile_);
    ANVIL_RETURN_IF_ERROR(plan->Build(graph, registry_, spec, static_cast<HostStateStore&>(states)));
    return std::unique_ptr<Plan>(std::move(plan));
  }

 private:
  const OpRegistry& registry_;
  tbb::task_arena arena_;
  bool profile_;
};

}  // namespace

int CpuThreads(int threads) {
  if (threads > 0) return threads;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

std::shared_ptr<Executor> MakeCpuExecutor(const OpRegistry& registry, const CpuExecutorOptions& options) {
  return std::make_shared<CpuExecutor>(registry, CpuThreads(options.threads), options.profile);
}

}  // namespace anvil
