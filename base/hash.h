// FNV-1a 64: a small, stable digest (for logits in capture files; not cryptographic).
#pragma once

#include <cstddef>
#include <cstdint>

namespace anvil {

inline uint64_t Fnv1a64(const void* data, size_t size) {
  const uint8_t* p = static_cast<const uint8_t*>(data);
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < size; ++i) {
    h ^= p[i];
    h *= 0x100000001b3ull;
  }
  return h;
}

}  // namespace anvil
