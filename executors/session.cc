#include "executors/session.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/status.h"

namespace anvil {
namespace {

// Prefill plans kept besides the decode plan; older ones are dropped (each holds an arena).
constexpr size_t kMaxPlans = 4;
// Default KV capacity when the model's max context is larger (as llama.cpp's default context).
constexpr int64_t kDefaultCapacity = 4096;

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
  // Rows may be symbolic (T); a fixed count of rows, and the vocabulary, must not be empty.
  auto empty = [](const Dim& d) { return !d.is_symbolic() && d.size < 1; };
  if (lv.type.dtype != DType::kF32 || lv.type.shape.size() != 2 || empty(lv.type.shape[0]) ||
      lv.type.shape[1].is_symbolic() || empty(lv.type.shape[1])) {
    return absl::InvalidArgumentError(absl::StrCat("output 'logits' is ", TensorTypeString(lv.type),
                                                   ", expected f32[rows,vocab] with rows, vocab >= 1"));
  }
  if (next >= 0) {
    const Value& nv = g.value(g.outputs()[next]);
    if (nv.type.dtype != DType::kI32 || nv.type.shape.size() != 1 || empty(nv.type.shape[0])) {
      return absl::InvalidArgumentError(absl::StrCat("output 'next_token' is ", TensorTypeString(nv.type),
                                                     ", expected i32[rows] with rows >= 1"));
    }
  }
  int64_t capacity = options.capacity > 0 ? options.capacity : std::min(model->config.max_context, kDefaultCapacity);
  if (capacity <= 0) return absl::InvalidArgumentError("no KV capacity: the model sets no max context, pass one");
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> states, executor->CreateStates(g, capacity));
  return std::unique_ptr<Session>(
      new Session(std::move(model), std::move(executor), std::move(states), logits, next, options.capture));
}

absl::Status Session::Prepare() {
  ANVIL_ASSIGN_OR_RETURN(Plan * plan, PlanFor(1));
  if (!capture_ || plan->captured()) return absl::OkStatus();
  ANVIL_RETURN_IF_ERROR(plan->Capture());
  ++counters_.captures;
  return absl::OkStatus();
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
  if (ids.size() == 1 && capture_ && plan->captured()) {
    ANVIL_RETURN_IF_ERROR(plan->Run(position_));
    ++counters_.replays;
    counters_.replay_host_seconds += plan->last_host_seconds();
  } else {
    // Prefill, the warm-up decode step, or capture turned off.
    ANVIL_RETURN_IF_ERROR(plan->RunEager(position_));
    ++counters_.eager_steps;
    if (ids.size() == 1) {
      ++counters_.eager_decode_steps;
      counters_.eager_decode_host_seconds += plan->last_host_seconds();
    }
    if (ids.size() == 1 && capture_) {
      ANVIL_RETURN_IF_ERROR(plan->Capture());
      ++counters_.captures;
    }
  }
  position_ += static_cast<int64_t>(ids.size());
  last_was_decode_ = ids.size() == 1;
  return Outputs(plan);
}

absl::StatusOr<StepOutput> Session::Outputs(Plan* plan) {
  ANVIL_ASSIGN_OR_RETURN(HostView logits, plan->Output(logits_output_));
  const int64_t rows = logits.dims[0], vocab = logits.dims[1];
  if (rows < 1 || vocab < 1) {  // Create checks fixed dims; this catches a symbol bound to nothing
    return absl::InternalError(absl::StrCat("output 'logits' has shape [", rows, ",", vocab, "] this step"));
  }
  StepOutput out;
  out.logits = absl::MakeConstSpan(static_cast<const float*>(logits.data) + (rows - 1) * vocab, vocab);
  if (next_output_ >= 0) {
    ANVIL_ASSIGN_OR_RETURN(HostView next, plan->Output(next_output_));
    if (next.dims.size() != 1 || next.dims[0] < 1) {
      return absl::InternalError("output 'next_token' is empty this step");
    }
    out.next_id = static_cast<const int32_t*>(next.data)[next.dims[0] - 1];
  } else {
    out.next_id = static_cast<int32_t>(std::max_element(out.logits.begin(), out.logits.end()) - out.logits.begin());
  }
  last_next_id_ = out.next_id;
  return out;
}

absl::StatusOr<StepOutput> Session::DecodeGreedy() {
  if (last_next_id_ < 0) return absl::FailedPreconditionError("DecodeGreedy needs a previous step");
  auto it = plans_.find(1);
  Plan* plan = it == plans_.end() ? nullptr : it->second.get();
  if (plan == nullptr || !last_was_decode_ || !capture_ || !plan->captured() || !plan->supports_feedback()) {
    return Decode(last_next_id_);
  }
  if (position_ + 1 > capacity()) {
    return absl::OutOfRangeError(absl::StrCat("1 more token at position ", position_, " does not fit the KV cache (capacity ",
                                              capacity(), " tokens)"));
  }
  ANVIL_RETURN_IF_ERROR(plan->RunFeedback());
  ++counters_.replays;
  counters_.replay_host_seconds += plan->last_host_seconds();
  ++position_;
  return Outputs(plan);
}

void Session::Invalidate() {
  for (auto& [tokens, plan] : plans_) {
    if (plan->captured()) {
      plan->ReleaseCapture();
      ++counters_.invalidations;
    }
  }
}

void Session::Reset() {
  position_ = 0;
  last_was_decode_ = false;
  Invalidate();
}

absl::Status Session::Truncate(int64_t tokens) {
  if (tokens < 0 || tokens > position_) {
    return absl::InvalidArgumentError(absl::StrCat("cannot keep ", tokens, " tokens: the cache holds ", position_));
  }
  position_ = tokens;
  last_was_decode_ = false;
  Invalidate();
  return absl::OkStatus();
}

absl::Status Session::SetCapacity(int64_t capacity) {
  if (capacity < position_ || capacity <= 0) {
    return absl::InvalidArgumentError(absl::StrCat("capacity ", capacity, " cannot hold the ", position_, " cached tokens"));
  }
  if (capacity == states_->capacity()) return absl::OkStatus();
  const Graph& g = model_->graph;
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> fresh, executor_->CreateStates(g, capacity));
  // Copy the cached rows: states are [heads, capacity, head_dim], so rows move per head.
  for (ValueId id : g.states()) {
    const TensorType& type = g.value(id).type;
    const SymbolBindings old_dims = {{kCapacitySymbol, states_->capacity()}};
    const SymbolBindings new_dims = {{kCapacitySymbol, capacity}};
    ANVIL_ASSIGN_OR_RETURN(std::vector<int64_t> from, BindShape(type.shape, old_dims));
    ANVIL_ASSIGN_OR_RETURN(std::vector<int64_t> to, BindShape(type.shape, new_dims));
    if (from.size() != 3 || type.dtype != DType::kF32) return absl::UnimplementedError("states must be f32 [heads, C, dim]");
    std::vector<float> a(NumElements(from)), b(NumElements(to), 0.0f);
    ANVIL_RETURN_IF_ERROR(states_->ReadState(id, a.data(), a.size() * 4));
    for (int64_t h = 0; h < from[0]; ++h) {
      std::copy(a.begin() + h * from[1] * from[2], a.begin() + (h * from[1] + position_) * from[2],
                b.begin() + h * to[1] * to[2]);
    }
    ANVIL_RETURN_IF_ERROR(fresh->WriteState(id, b.data(), b.size() * 4));
  }
  Invalidate();
  plans_.clear();  // compiled for the old states and capacity
  states_ = std::move(fresh);
  return absl::OkStatus();
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
