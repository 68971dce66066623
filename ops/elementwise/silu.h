// The scalar definition of SiLU shared by silu, swiglu and the fused ops.
#pragma once

#include <cmath>

namespace anvil {

inline float SiluReference(float x) {
  return static_cast<float>(static_cast<double>(x) / (1.0 + std::exp(-static_cast<double>(x))));
}

}  // namespace anvil
