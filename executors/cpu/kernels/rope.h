// RoPE pieces shared by rope and split_rope_kv_write.
#pragma once

#include <cstdint>
#include <vector>

#include "ops/rope/rope.h"

namespace anvil::cpu {

// cos/sin of position * freq_i for the rotary_dim/2 frequencies (angles computed in double).
// Sized once (at bind) for `freqs`, so computing them each step allocates nothing.
struct RopeAngles {
  explicit RopeAngles(const std::vector<double>& freqs) : cos(freqs.size()), sin(freqs.size()) {}
  std::vector<float> cos, sin;
  void Compute(const std::vector<double>& freqs, int64_t position);
};

// Rotates `heads` heads of `head_dim` values in place.
void RotateHeads(float* x, int64_t heads, int64_t head_dim, RopeLayout layout, const RopeAngles& angles);

}  // namespace anvil::cpu
