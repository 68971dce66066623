#include "models/generate.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "base/status.h"

namespace anvil {
namespace {

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

absl::StatusOr<GenerateStats> Generate(Session& session, absl::Span<const int32_t> prompt,
                                       const GenerateOptions& options) {
  if (prompt.empty()) return absl::InvalidArgumentError("the prompt is empty (it needs at least a BOS token)");
  ANVIL_RETURN_IF_ERROR(ValidateSamplerOptions(options.sampler));
  const int64_t room = session.capacity() - session.position();
  if (static_cast<int64_t>(prompt.size()) > room) {
    return absl::OutOfRangeError(absl::StrCat("the prompt has ", prompt.size(), " tokens but the KV cache has room for ",
                                              room, " (capacity ", session.capacity(), "); raise --ctx or shorten it"));
  }
  GenerateStats stats;
  stats.prompt_tokens = static_cast<int64_t>(prompt.size());
  Sampler sampler(options.sampler);

  auto start = std::chrono::steady_clock::now();
  StepOutput out;
  if (options.prompt_one_by_one) {
    for (int32_t id : prompt) {
      ANVIL_ASSIGN_OR_RETURN(out, session.Decode(id));
      if (options.on_logits) options.on_logits(id, out.logits);
    }
  } else {
    ANVIL_ASSIGN_OR_RETURN(out, session.Prefill(prompt));
    if (options.on_logits) options.on_logits(prompt.back(), out.logits);
  }
  stats.prefill_seconds = Since(start);
  if (options.on_prompt_done) options.on_prompt_done();

  start = std::chrono::steady_clock::now();
  for (int64_t i = 0; i < options.max_tokens; ++i) {
    const int32_t next = sampler.Sample(out.logits, out.next_id);
    ++stats.generated_tokens;
    if (options.on_token) options.on_token(next);
    if (std::find(options.stop_ids.begin(), options.stop_ids.end(), next) != options.stop_ids.end()) {
      stats.stopped_at_eos = true;
      break;
    }
    if (i + 1 == options.max_tokens) break;  // the last token needs no forward pass
    if (session.position() >= session.capacity()) {
      stats.stopped_at_capacity = true;
      break;
    }
    if (sampler.greedy()) {
      ANVIL_ASSIGN_OR_RETURN(out, session.DecodeGreedy());  // the id may stay on the device
    } else {
      ANVIL_ASSIGN_OR_RETURN(out, session.Decode(next));
    }
    if (options.on_logits) options.on_logits(next, out.logits);
  }
  stats.decode_seconds = Since(start);
  return stats;
}

}  // namespace anvil
