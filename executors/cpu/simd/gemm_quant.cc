// GemmQuant (simd.h): the prefill product of q8_0/q4_0 weights with many activation rows in
// integers, for every Highway target. Only AVX3_DL (AVX-512 VNNI) has it; elsewhere
// GemmQuantImpl reports false and prefill dequantizes into sgemm instead.
//
// The weights come packed as the decode GEMV packs them (PackForGemv: strips of 16 rows, lane r
// = row r, per 32-value block the code vectors then the 16 rows' f16 scales), either the plan's
// packed copy or a chunk packed by the caller. The micro-kernel takes two strips (32 rows) and up
// to six tokens: vpdpbusd multiplies a code vector with four activation bytes broadcast from
// memory, so a block of 32 values is eight instructions per 16 rows and token (q4_0 nibbles are
// unpacked once per strip and block, shared by the six tokens), and one convert + multiply + FMA
// per 16 rows and token applies the block scales. The activation's block bias (QuantizedRows)
// starts each block's accumulator and cancels the unsigned codes' offset, so every block's dot
// product is exact in int32, as in DotRows.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "executors/cpu/simd/gemm_quant.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target re-includes this file once per target; what follows is per target.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "executors/cpu/simd/simd.h"
#include "hwy/highway.h"
#include "ops/dequantize.h"

HWY_BEFORE_NAMESPACE();
namespace anvil::cpu {
namespace HWY_NAMESPACE {

#if HWY_TARGET == HWY_AVX3_DL

// vpdpbusd on zmm needs "avx512vnni" (Highway's AVX3_DL target string names the VEX form).
#define ANVIL_VNNI __attribute__((target(HWY_TARGET_STR ",avx512vnni")))

// Helpers have internal linkage: the per-target namespace is shared with the other kernel files.
namespace {

constexpr int kStripRows = kPackedStripRows;
constexpr int kMaxTileTokens = 6;

template <DType kType>
constexpr int kCodeVectors = kType == DType::kQ8_0 ? 8 : 4;
template <DType kType>
constexpr int64_t kBlockBytes = kCodeVectors<kType> * 64 + 32;  // per strip (PackedStripBytes)

inline int32_t Load32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// One code vector per strip (values 4g..4g+3 of every row) against every token's four values
// (tokens `k` apart from `xb`).
template <int kStrips, int kTokens>
ANVIL_VNNI HWY_INLINE void Multiply(__m512i (&acc)[kStrips][kTokens], const __m512i* wv,
                                    const int8_t* xb, int64_t k, int g) {
  for (int t = 0; t < kTokens; ++t) {
    const __m512i xv = _mm512_set1_epi32(Load32(xb + t * k + 4 * g));
    for (int s = 0; s < kStrips; ++s) acc[s][t] = _mm512_dpbusd_epi32(acc[s][t], wv[s], xv);
  }
}

// y[t * ldy + r] for kStrips * 16 rows of packed strips (`strip_bytes` apart) and kTokens tokens
// from `first`; `rows` of the last strip's rows are stored.
template <DType kType, int kStrips, int kTokens>
ANVIL_VNNI void Tile(const uint8_t* packed, int64_t strip_bytes, const QuantizedRows& x,
                     int64_t first, int rows, float* y, int64_t ldy) {
  const int64_t k = x.k, blocks = k / kQuantBlock;
  const int8_t* q = x.q.data() + first * k;
  const float* scale = x.scale.data() + first * blocks;
  const int32_t* bias = x.block_bias.data() + first * blocks;
  const __m512i low = _mm512_set1_epi8(0x0F);
  __m512 sum[kStrips][kTokens];
  for (int s = 0; s < kStrips; ++s) {
    for (int t = 0; t < kTokens; ++t) sum[s][t] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* codes[kStrips];
    for (int s = 0; s < kStrips; ++s) codes[s] = packed + s * strip_bytes + b * kBlockBytes<kType>;
    const int8_t* xb = q + b * kQuantBlock;
    __m512i acc[kStrips][kTokens];
    for (int t = 0; t < kTokens; ++t) {
      const __m512i start = _mm512_set1_epi32(bias[t * blocks + b]);
      for (int s = 0; s < kStrips; ++s) acc[s][t] = start;
    }
    for (int h = 0; h < kCodeVectors<kType>; ++h) {
      __m512i wv[kStrips];
      for (int s = 0; s < kStrips; ++s) wv[s] = _mm512_loadu_si512(codes[s] + 64 * h);
      if constexpr (kType == DType::kQ8_0) {
        Multiply<kStrips, kTokens>(acc, wv, xb, k, h);
      } else {  // low nibbles: values 4h.., high nibbles: values 16 + 4h..
        __m512i high[kStrips];
        for (int s = 0; s < kStrips; ++s) {
          high[s] = _mm512_and_si512(_mm512_srli_epi16(wv[s], 4), low);
          wv[s] = _mm512_and_si512(wv[s], low);
        }
        Multiply<kStrips, kTokens>(acc, wv, xb, k, h);
        Multiply<kStrips, kTokens>(acc, high, xb, k, 4 + h);
      }
    }
    __m512 d[kStrips];
    for (int s = 0; s < kStrips; ++s) {
      d[s] = _mm512_cvtph_ps(_mm256_loadu_si256(
          reinterpret_cast<const __m256i*>(codes[s] + kCodeVectors<kType> * 64)));
    }
    for (int t = 0; t < kTokens; ++t) {
      const __m512 xs = _mm512_set1_ps(scale[t * blocks + b]);
      for (int s = 0; s < kStrips; ++s) {
        sum[s][t] =
            _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc[s][t]), _mm512_mul_ps(d[s], xs), sum[s][t]);
      }
    }
  }
  for (int t = 0; t < kTokens; ++t) {
    for (int s = 0; s < kStrips; ++s) {
      float* out = y + (first + t) * ldy + s * kStripRows;
      if (s + 1 < kStrips || rows == kStripRows) {
        _mm512_storeu_ps(out, sum[s][t]);
      } else {
        _mm512_mask_storeu_ps(out, static_cast<__mmask16>((1u << rows) - 1), sum[s][t]);
      }
    }
  }
}

template <DType kType, int kStrips>
ANVIL_VNNI void Tiles(const uint8_t* packed, int64_t strip_bytes, const QuantizedRows& x, int rows,
                      float* y, int64_t ldy) {
  int64_t t = 0;
  for (; t + kMaxTileTokens <= x.tokens; t += kMaxTileTokens) {
    Tile<kType, kStrips, kMaxTileTokens>(packed, strip_bytes, x, t, rows, y, ldy);
  }
  switch (x.tokens - t) {
    case 1:
      return Tile<kType, kStrips, 1>(packed, strip_bytes, x, t, rows, y, ldy);
    case 2:
      return Tile<kType, kStrips, 2>(packed, strip_bytes, x, t, rows, y, ldy);
    case 3:
      return Tile<kType, kStrips, 3>(packed, strip_bytes, x, t, rows, y, ldy);
    case 4:
      return Tile<kType, kStrips, 4>(packed, strip_bytes, x, t, rows, y, ldy);
    case 5:
      return Tile<kType, kStrips, 5>(packed, strip_bytes, x, t, rows, y, ldy);
    default:
      return;
  }
}

template <DType kType>
ANVIL_VNNI void GemmQuantTyped(const uint8_t* packed, int64_t rows, const QuantizedRows& x,
                               float* y, int64_t ldy) {
  const int64_t strips = (rows + kStripRows - 1) / kStripRows;
  const int64_t strip_bytes = PackedStripBytes(kType, x.k);
  int64_t s = 0;
  for (; s + 2 <= strips; s += 2) {
    const int last = static_cast<int>(std::min<int64_t>(kStripRows, rows - (s + 1) * kStripRows));
    Tiles<kType, 2>(packed + s * strip_bytes, strip_bytes, x, last, y + s * kStripRows, ldy);
  }
  if (s < strips) {
    Tiles<kType, 1>(packed + s * strip_bytes, strip_bytes, x,
                    static_cast<int>(rows - s * kStripRows), y + s * kStripRows, ldy);
  }
}

}  // namespace

#undef ANVIL_VNNI

bool HasGemmQuantImpl() { return true; }

bool GemmQuantImpl(DType dtype, const uint8_t* packed, int64_t rows, const QuantizedRows* x,
                   float* y, int64_t ldy) {
  if (dtype == DType::kQ8_0) {
    GemmQuantTyped<DType::kQ8_0>(packed, rows, *x, y, ldy);
    return true;
  }
  if (dtype == DType::kQ4_0) {
    GemmQuantTyped<DType::kQ4_0>(packed, rows, *x, y, ldy);
    return true;
  }
  return false;
}

#else

bool HasGemmQuantImpl() { return false; }

bool GemmQuantImpl(DType, const uint8_t*, int64_t, const QuantizedRows*, float*, int64_t) {
  return false;
}

#endif

}  // namespace HWY_NAMESPACE
}  // namespace anvil::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace anvil::cpu {

HWY_EXPORT(HasGemmQuantImpl);
HWY_EXPORT(GemmQuantImpl);

bool HasGemmQuant() { return HWY_DYNAMIC_DISPATCH(HasGemmQuantImpl)(); }

bool GemmQuant(DType dtype, const uint8_t* packed, int64_t rows, const QuantizedRows& x, float* y,
               int64_t ldy) {
  return HWY_DYNAMIC_DISPATCH(GemmQuantImpl)(dtype, packed, rows, &x, y, ldy);
}

}  // namespace anvil::cpu
#endif  // HWY_ONCE
