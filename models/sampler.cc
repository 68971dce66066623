#include "models/sampler.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace anvil {

absl::Status ValidateSamplerOptions(const SamplerOptions& o) {
  if (!(o.temperature >= 0) || !std::isfinite(o.temperature)) {
    return absl::InvalidArgumentError(absl::StrCat("--temp must be >= 0, got ", o.temperature));
  }
  if (o.top_k < 0) return absl::InvalidArgumentError(absl::StrCat("--top-k must be >= 0, got ", o.top_k));
  if (!(o.top_p > 0 && o.top_p <= 1)) return absl::InvalidArgumentError(absl::StrCat("--top-p must be in (0, 1], got ", o.top_p));
  return absl::OkStatus();
}

Sampler::Sampler(const SamplerOptions& options) : options_(options) {
  state_ = options.seed != 0 ? options.seed
                             : static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) | 1;
}

float Sampler::NextUniform() {
  // xorshift* as in llama2.c (random_u32 / random_f32).
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  const uint32_t r = static_cast<uint32_t>((state_ * 0x2545F4914F6CDD1Dull) >> 32);
  return static_cast<float>(r >> 8) / 16777216.0f;
}

int32_t Sampler::Sample(absl::Span<const float> logits, int32_t argmax) {
  if (greedy()) return argmax;
  const int64_t n = static_cast<int64_t>(logits.size());
  candidates_.resize(n);
  float max = logits[0];
  for (float l : logits) max = std::max(max, l);
  for (int64_t i = 0; i < n; ++i) candidates_[i] = {(logits[i] - max) / options_.temperature, static_cast<int32_t>(i)};
  auto by_logit = [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); };
  int64_t keep = n;
  if (options_.top_k > 0 && options_.top_k < n) {
    keep = options_.top_k;
    std::partial_sort(candidates_.begin(), candidates_.begin() + keep, candidates_.end(), by_logit);
  } else if (options_.top_p < 1.0f) {
    std::sort(candidates_.begin(), candidates_.end(), by_logit);
  }
  double sum = 0;
  for (int64_t i = 0; i < keep; ++i) {
    candidates_[i].first = std::exp(candidates_[i].first);
    sum += candidates_[i].first;
  }
  if (options_.top_p < 1.0f) {
    double cumulative = 0;
    for (int64_t i = 0; i < keep; ++i) {
      cumulative += candidates_[i].first / sum;
      if (cumulative > options_.top_p) {
        keep = i + 1;
        break;
      }
    }
    sum = 0;
    for (int64_t i = 0; i < keep; ++i) sum += candidates_[i].first;
  }
  const double r = NextUniform() * sum;
  double cdf = 0;
  for (int64_t i = 0; i < keep; ++i) {
    cdf += candidates_[i].first;
    if (r < cdf) return candidates_[i].second;
  }
  return candidates_[keep - 1].second;
}

}  // namespace anvil
