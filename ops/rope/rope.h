// Rotary position embedding. x [T, H, head_dim]; token t sits at position P + t.
//
// Layouts: "interleaved" rotates pairs (x[2i], x[2i+1]) (llama2.c, GGUF llama); "half" rotates
// (x[i], x[i + rotary_dim/2]) (Hugging Face / NeoX). freq_i = theta^(-2i / rotary_dim) for
// i < rotary_dim / 2, optionally rescaled the Llama-3 way; dims >= rotary_dim pass through.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/attributes.h"
#include "graph/op_def.h"

namespace anvil {

enum class RopeLayout { kInterleaved, kHalf };

struct RopeAttrs {
  double theta = 10000.0;
  RopeLayout layout = RopeLayout::kInterleaved;
  int64_t rotary_dim = 0;  // 0 = the whole head
  // Llama-3 frequency scaling; factor 0 = none.
  double scaling_factor = 0;
  double low_freq_factor = 1;
  double high_freq_factor = 4;
  int64_t original_max_position = 8192;

  // Reads the rope attributes ("theta", "layout", "rotary_dim", "scaling_factor",
  // "low_freq_factor", "high_freq_factor", "original_max_position").
  static absl::StatusOr<RopeAttrs> From(const Attributes& attrs);
  // The rotary dims for a given head size (rotary_dim or head_dim).
  int64_t RotaryDim(int64_t head_dim) const { return rotary_dim > 0 ? rotary_dim : head_dim; }
  // Checks rotary_dim against the head size.
  absl::Status CheckHeadDim(int64_t head_dim) const;
};

// Attribute specs shared by rope and split_rope_kv_write.
void AppendRopeAttrSpecs(std::vector<AttrSpec>& specs);

// The rotary_dim/2 angular frequencies, in double.
std::vector<double> RopeFrequencies(const RopeAttrs& attrs, int64_t head_dim);

// Reference: rotates `heads` heads of `head_dim` values at `position` in place (double math).
void RopeReference(float* x, int64_t heads, int64_t head_dim, int64_t position,
                   const RopeAttrs& attrs, const std::vector<double>& freqs);

}  // namespace anvil
