// The generation loop: feed the prompt, then sample and feed one token at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "executors/session.h"
#include "models/sampler.h"

namespace anvil {

struct GenerateOptions {
  int64_t max_tokens = 128;  // tokens to generate after the prompt
  SamplerOptions sampler;
  std::vector<int64_t> stop_ids;  // generation ends after producing one of these
  // Feed the prompt one token per step instead of one prefill step (every prompt token then has
  // its own logits row, for --dump-logits).
  bool prompt_one_by_one = false;
  // Called once the prompt has been processed (before the first generated token).
  std::function<void()> on_prompt_done;
  // Called with each generated id as soon as it is chosen.
  std::function<void(int32_t id)> on_token;
  // Called with the logits after each fed token (prompt tokens only if prompt_one_by_one).
  std::function<void(int32_t fed_id, absl::Span<const float> logits)> on_logits;
};

struct GenerateStats {
  int64_t prompt_tokens = 0;
  int64_t generated_tokens = 0;
  double prefill_seconds = 0;
  double decode_seconds = 0;
  bool stopped_at_eos = false;
  bool stopped_at_capacity = false;  // the KV cache filled up before max_tokens
};

// Runs `prompt` (must not be empty) then generates; the session continues from its position.
absl::StatusOr<GenerateStats> Generate(Session& session, absl::Span<const int32_t> prompt,
                                       const GenerateOptions& options);

}  // namespace anvil
