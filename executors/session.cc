#include "executors/session.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status.h"

namespace anvil {
namespace {

// Prefill plans kept besides the decode plan; older ones are dropped (each holds an arena).
constexpr size_t kMaxPlans = 4;

}  // namespace

absl::StatusOr<std::unique_ptr<Session>> Session::Create(std::shared_ptr<const Model> model,
                                                         std::shared_ptr<Executor> executor,
                                                         const SessionOptions& options) {
  const Graph& g = model->graph;
  int logits = -1, next = -1;
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    const Value& v = g.value(g.outputs()[i]);
    if (v.name == "logits") logits = static_cast<int>(i);
    if (v.name == "next_token") next = static_cast<int>(i);
  }
  if (logits < 0) return absl::InvalidArgumentError("the graph has no output named 'logits'");
  if (g.inputs().size() != 1 || g.value(g.inputs()[0]).type.dtype != DType::kI32 ||
      g.value(g.inputs()[0]).type.shape.size() != 1) {
    return absl::InvalidArgumentError("a session runs graphs whose one input is the token ids, i32[T]");
  }
  const Value& lv = g.value(g.outputs()[logits]);
  if (lv.type.dtype != DType::kF32 || lv.type.shape.size() != 2) {
    return absl::InvalidArgumentError(absl::StrCat("output 'logits' is ", TensorTypeString(lv.type),
                                                   ", expected f32[rows,vocab]"));
  }
  int64_t capacity = options.capacity > 0 ? options.capacity : model->config.max_context;
  if (capacity <= 0) return absl::InvalidArgumentError("no KV capacity: the model sets no max context, pass one");
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> states, executor->CreateStates(g, capacity));
  return std::unique_ptr<Session>(new Session(std::move(model), std::move(executor), std::move(states), logits, next));
}

absl::StatusOr<Plan*> Session::PlanFor(int64_t tokens) {
  auto it = plans_.find(tokens);
  if (it != plans_.end()) return it->second.get();
  if (plans_.size() >= kMaxPlans) {
    // Keep the decode plan; drop the largest prefill plan.
    auto victim = std::prev(plans_.end());
    if (victim->first == 1) victim = plans_.begin();
    plans_.erase(victim);
  }
  Specialization spec{tokens, states_->capacity()};
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan, executor_->Compile(model_->graph, spec, *states_),
                         absl::StrCat(executor_->name(), " executor, T=", tokens));
  Plan* raw = plan.get();
  plans_[tokens] = std::move(plan);
  return raw;
}

absl::StatusOr<StepOutput> Session::Step(absl::Span<const int32_t> ids) {
  if (ids.empty()) return absl::InvalidArgumentError("a step needs at least one token");
  if (position_ + static_cast<int64_t>(ids.size()) > capacity()) {
    return absl::OutOfRangeError(absl::StrCat(ids.size(), " more tokens at position ", position_,
                                              " do not fit the KV cache (capacity ", capacity(),
                                              " tokens)"));
  }
  ANVIL_ASSIGN_OR_RETURN(Plan * plan, PlanFor(static_cast<int64_t>(ids.size())));
  ANVIL_RETURN_IF_ERROR(plan->SetInput(0, ids.data(), ids.size() * sizeof(int32_t)));
  ANVIL_RETURN_IF_ERROR(plan->Run(position_));
  position_ += static_cast<int64_t>(ids.size());
  ANVIL_ASSIGN_OR_RETURN(HostView logits, plan->Output(logits_output_));
  const int64_t rows = logits.dims[0], vocab = logits.dims[1];
  StepOutput out;
  out.logits = absl::MakeConstSpan(static_cast<const float*>(logits.data) + (rows - 1) * vocab, vocab);
  if (next_output_ >= 0) {
    ANVIL_ASSIGN_OR_RETURN(HostView next, plan->Output(next_output_));
    out.next_id = static_cast<const int32_t*>(next.data)[next.dims[0] - 1];
  } else {
    out.next_id = static_cast<int32_t>(std::max_element(out.logits.begin(), out.logits.end()) - out.logits.begin());
  }
  return out;
}

std::vector<Plan::NodeTiming> Session::Timings() const {
  std::vector<Plan::NodeTiming> all;
  for (const auto& [tokens, plan] : plans_) {
    for (Plan::NodeTiming t : plan->timings()) {
      auto it = std::find_if(all.begin(), all.end(), [&](const Plan::NodeTiming& o) { return o.node == t.node; });
      if (it == all.end()) {
        all.push_back(std::move(t));
      } else {
        it->calls += t.calls;
        it->seconds += t.seconds;
      }
    }
  }
  return all;
}

absl::StatusOr<StepOutput> Session::Prefill(absl::Span<const int32_t> ids) { return Step(ids); }

absl::StatusOr<StepOutput> Session::Decode(int32_t id) { return Step(absl::MakeConstSpan(&id, 1)); }

}  // namespace anvil
