// Choosing the next token from logits: greedy, or temperature with top-k and top-p (nucleus)
// truncation, drawn with llama2.c's xorshift generator so a seed reproduces a run.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/types/span.h"

namespace anvil {

struct SamplerOptions {
  float temperature = 0.8f;  // 0 = greedy (argmax)
  int64_t top_k = 40;        // keep the k most likely tokens; 0 = all
  float top_p = 0.95f;       // keep the smallest set whose probability exceeds p; 1 = all
  uint64_t seed = 0;         // 0 = seeded from the clock
};

absl::Status ValidateSamplerOptions(const SamplerOptions& options);

class Sampler {
 public:
  explicit Sampler(const SamplerOptions& options);
  bool greedy() const { return options_.temperature == 0.0f; }
  // The next token id. `argmax` is the executor's greedy choice, used when greedy().
  int32_t Sample(absl::Span<const float> logits, int32_t argmax);

 private:
  float NextUniform();  // [0, 1)

  SamplerOptions options_;
  uint64_t state_;
  std::vector<std::pair<float, int32_t>> candidates_;  // reused across steps
};

}  // namespace anvil
