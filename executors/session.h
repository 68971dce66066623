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
  int64_t capacity = 0;  // KV-cache capacity in tokens; 0 = the model's max context (at most 4096)
  bool capture = true;   // capture the decode plan after a warm-up step and replay it
};

// What the session did, for `anvil run --stats`.
struct SessionCounters {
  int64_t captures = 0;       // decode plans captured
  int64_t replays = 0;        // decode steps replayed from a capture
  int64_t eager_steps = 0;    // steps run eagerly (prefill, warm-up, --no-capture)
  int64_t invalidations = 0;  // captures dropped (reset, truncate, capacity change)
  // Host time of decode steps before waiting for the device (CPU: the whole step; Vulkan: the
  // submit), replayed and eager.
  double replay_host_seconds = 0;
  double eager_decode_host_seconds = 0;
  int64_t eager_decode_steps = 0;
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

  // Does the decode plan's one-time work now instead of in the first steps: compiles it and, with
  // capture on, captures it (CPU: binds every kernel, repacking q8_0/q4_0 weights for the GEMV;
  // Vulkan: records the step), so the first decode step replays it at once and the prompt's time
  // is the prompt's. Optional.
  absl::Status Prepare();
  // Feeds `ids` (T = ids.size()) at the current position in one step.
  absl::StatusOr<StepOutput> Prefill(absl::Span<const int32_t> ids);
  // Feeds one token (T = 1).
  absl::StatusOr<StepOutput> Decode(int32_t id);
  // Feeds the previous step's argmax (greedy decoding). When the previous step was a decode step
  // and the executor supports it, the id never leaves the device (Plan::RunFeedback).
  absl::StatusOr<StepOutput> DecodeGreedy();
  // Forgets the cached tokens: the next step starts at position 0. Drops captures.
  void Reset();
  // Keeps the first `tokens` cached tokens and forgets the rest. Drops captures.
  absl::Status Truncate(int64_t tokens);
  // Reallocates the KV cache with `capacity` tokens, keeping the cached ones. Recompiles plans.
  absl::Status SetCapacity(int64_t capacity);
  const SessionCounters& counters() const { return counters_; }

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
          std::unique_ptr<StateStore> states, int logits_output, int next_output, bool capture)
      : model_(std::move(model)),
        executor_(std::move(executor)),
        states_(std::move(states)),
        logits_output_(logits_output),
        next_output_(next_output),
        capture_(capture) {}
  void Invalidate();

  absl::StatusOr<StepOutput> Step(absl::Span<const int32_t> ids);
  absl::StatusOr<StepOutput> Outputs(Plan* plan);

  std::shared_ptr<const Model> model_;
  std::shared_ptr<Executor> executor_;
  std::unique_ptr<StateStore> states_;
  std::map<int64_t, std::unique_ptr<Plan>> plans_;  // by tokens per step
  int logits_output_;
  int next_output_;  // -1: the graph has no argmax output
  bool capture_;
  int64_t position_ = 0;
  SessionCounters counters_;
  int32_t last_next_id_ = -1;
  bool last_was_decode_ = false;  // the previous step ran the T = 1 plan
};

}  // namespace anvil
