// rms_norm: y = x / sqrt(mean(x^2) + eps) * w over the last axis. Also used per head for QK-norm
// on [T, H, head_dim]. add_rms_norm (fused) computes s = a + b and y = rms_norm(s, w) in one pass.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "graph/attributes.h"

namespace anvil {

struct RmsNormAttrs {
  float eps = 1e-5f;
  static absl::StatusOr<RmsNormAttrs> From(const Attributes& attrs);
};

// Reference: normalizes `rows` rows of `dim` values (double accumulation).
void RmsNormReference(const float* x, const float* weight, int64_t rows, int64_t dim, float eps,
                      float* y);

}  // namespace anvil
