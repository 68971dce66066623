// Overflow-checked size arithmetic for sizes that come from input files, and the limits loaders
// hold such sizes to before anything is allocated from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace anvil {

inline std::optional<uint64_t> CheckedMul(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_mul_overflow(a, b, &r)) return std::nullopt;
  return r;
}

inline std::optional<uint64_t> CheckedAdd(uint64_t a, uint64_t b) {
  uint64_t r;
  if (__builtin_add_overflow(a, b, &r)) return std::nullopt;
  return r;
}

// Rounds `value` up to a multiple of `alignment` (a power of two); nullopt on overflow.
inline std::optional<uint64_t> CheckedAlignUp(uint64_t value, uint64_t alignment) {
  auto sum = CheckedAdd(value, alignment - 1);
  if (!sum) return std::nullopt;
  return *sum & ~(alignment - 1);
}

inline bool IsPowerOfTwo(uint64_t v) { return v != 0 && (v & (v - 1)) == 0; }

// The product of `count` dims; nullopt when a dim is negative or the product overflows 64 bits.
// No dims (a scalar) gives 1.
inline std::optional<uint64_t> CheckedProduct(const int64_t* dims, size_t count) {
  uint64_t product = 1;
  for (size_t i = 0; i < count; ++i) {
    if (dims[i] < 0) return std::nullopt;
    auto next = CheckedMul(product, static_cast<uint64_t>(dims[i]));
    if (!next) return std::nullopt;
    product = *next;
  }
  return product;
}

// Limits on what a model file may declare, far above any real model and far below what would
// overflow the int64 arithmetic of shape inference and executors (which multiply two or three of
// these together) or exhaust memory. Loaders check them before allocating.
inline constexpr int kMaxTensorRank = 8;
inline constexpr int64_t kMaxTensorDim = int64_t{1} << 40;            // one dim
inline constexpr uint64_t kMaxTensorElements = uint64_t{1} << 40;     // all fixed dims together
inline constexpr int64_t kMaxVocabularySize = int64_t{1} << 24;       // tokenizer pieces, merges
inline constexpr int kMaxJsonDepth = 64;                              // config/tokenizer/safetensors JSON

}  // namespace anvil
