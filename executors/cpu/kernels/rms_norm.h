// Row kernel shared by rms_norm and the fused ops that normalize (add_rms_norm, QK-norm).
#pragma once

#include <cstdint>

namespace anvil::cpu {

// y = x / sqrt(mean(x^2) + eps) * weight for one row of `dim` values (y may alias x).
void RmsNormRow(const float* x, const float* weight, int64_t dim, float eps, float* y);

}  // namespace anvil::cpu
