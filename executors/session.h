// A Session runs a model step by step on one executor: it owns the KV caches (states), the
// current position and the plans it has compiled (one per tokens-per-step T).
#pragma once

#include <cstdint>
#include <map>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "executors/executor.h"
#include "graph/graph.h"

namespace anvil {

struct SessionOptions {
  int64_t capacity = 0;  // KV-cache capacity in tokens; 0 = the model's max context
};

// What a step leaves for the caller: the last fed token's logits and their argmax.
struct StepOutput {
  absl::Span<const float> logits;
  int32_t next_id = -1;
};

class Session {
 public:
  // `model` is shared read-only (the weights stay mapped while any session uses them).
  static absl::StatusOr<std::unique_ptr<Session>> Create(std::shared_ptr<const Model> model,
                                                         std::shared_ptr<Executor> executor,
                                                         const SessionOptions& options = {});

  // Feeds `ids` (T = ids.size()) at the current position in one step.
  absl::StatusOr<StepOutput> Prefill(absl::Span<const int32_t> ids);
  // Feeds one token (T = 1).
  absl::StatusOr<StepOutput> Decode(int32_t id);
  // Forgets the cached tokens: the next step starts at position 0.
  void Reset() { position_ = 0; }

  int64_t position() const { return position_; }
  // Per-node time summed over every plan this session ran (empty unless the executor profiles).
  std::vector<Plan::NodeTiming> Timings() const;
  // The plan for `tokens` tokens per step (compiled on first use).
  absl::StatusOr<Plan*> PlanFor(int64_t tokens);
  int64_t capacity() const { return states_->capacity(); }
  const Model& model() const { return *model_; }
  Executor& executor() { return *executor_; }

 private:
  Session(std::shared_ptr<const Model> model, std::shared_ptr<Executor> executor,
          std::unique_ptr<StateStore> states, int logits_output, int next_output)
      : model_(std::move(model)),
        executor_(std::move(executor)),
        states_(std::move(states)),
        logits_output_(logits_output),
        next_output_(next_output) {}

  absl::StatusOr<StepOutput> Step(absl::Span<const int32_t> ids);

  std::shared_ptr<const Model> model_;
  std::shared_ptr<Executor> executor_;
  std::unique_ptr<StateStore> states_;
  std::map<int64_t, std::unique_ptr<Plan>> plans_;  // by tokens per step
  int logits_output_;
  int next_output_;  // -1: the graph has no argmax output
  int64_t position_ = 0;
};

}  // namespace anvil
