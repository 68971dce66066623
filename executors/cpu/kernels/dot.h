// Dot products for the GEMV path (T = 1). Sixteen independent partial sums let the compiler
// vectorize without reassociating a single chain; the summation order is fixed, so results do
// not depend on threading.
#pragma once

#include <cstdint>

namespace anvil::cpu {

inline float DotF32(const float* a, const float* b, int64_t n) {
  float partial[16] = {};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    for (int j = 0; j < 16; ++j) partial[j] += a[i + j] * b[i + j];
  }
  float tail = 0;
  for (; i < n; ++i) tail += a[i] * b[i];
  for (int j = 8; j > 0; j /= 2) {
    for (int k = 0; k < j; ++k) partial[k] += partial[k + j];
  }
  return partial[0] + tail;
}

}  // namespace anvil::cpu
