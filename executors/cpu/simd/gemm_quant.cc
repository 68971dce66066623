// GemmQuant (simd.h): the prefill product of q8_0/q4_0 weights with many activation rows in
// integers, for every Highway target. Only AVX3_DL (AVX-512 VNNI) has it; elsewhere
// GemmQuantImpl reports false and prefill dequantizes into sgemm instead.
//
// The weights are repacked a strip of 16 rows at a time into a scratch buffer, once per call
// and shared by every token: per 32-value block, eight vectors whose 32-bit lane r holds four
// consecutive unsigned codes of row r (q8_0: value + 128, q4_0: the nibble), then the 16 rows'
// scales as f32. The micro-kernel takes two strips (32 rows) and up to six tokens: vpdpbusd
// multiplies a weight vector with four activation bytes broadcast from memory, so a block of
// 32 values is eight instructions per 16 rows and token, and one convert + multiply + FMA per
// 16 rows and token applies the block scales. The activation's block bias (QuantizedRows) starts
// each block's accumulator and cancels the unsigned codes' offset, so every block's dot product
// is exact in int32, as in DotRows.
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

constexpr int kStripRows = 16;
constexpr int kGroups = kQuantBlock / 4;                  // 4-value groups per block
constexpr int64_t kPackedBlockBytes = kGroups * 64 + 64;  // eight code vectors + 16 scales
constexpr int kMaxTileTokens = 6;

// Packs rows [0, rows) (rows <= 16; the rest of the strip is zero) of a weight with `blocks`
// blocks per row into `out` (blocks * kPackedBlockBytes bytes, 64-byte aligned).
template <DType kType>
ANVIL_VNNI void PackGemmStrip(const uint8_t* w, int64_t row_bytes, int64_t blocks, int rows,
                              uint8_t* out) {
  constexpr int kBlockBytes = kType == DType::kQ8_0 ? kQ8_0BlockBytes : kQ4_0BlockBytes;
  const __mmask16 valid = static_cast<__mmask16>((1u << rows) - 1);
  const __m512i offsets =
      _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                         _mm512_set1_epi32(static_cast<int32_t>(row_bytes)));
  const __m512i zero = _mm512_setzero_si512();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* block = w + b * kBlockBytes;
    __m512i* codes = reinterpret_cast<__m512i*>(out + b * kPackedBlockBytes);
    if constexpr (kType == DType::kQ8_0) {
      for (int g = 0; g < kGroups; ++g) {
        const __m512i v = _mm512_mask_i32gather_epi32(zero, valid, offsets, block + 2 + 4 * g, 1);
        _mm512_store_si512(codes + g,
                           _mm512_xor_si512(v, _mm512_set1_epi8(static_cast<char>(0x80))));
      }
    } else {
      // Code byte j holds value j in its low nibble and value j + 16 in its high nibble.
      for (int g = 0; g < kGroups / 2; ++g) {
        const __m512i v = _mm512_mask_i32gather_epi32(zero, valid, offsets, block + 2 + 4 * g, 1);
        _mm512_store_si512(codes + g, _mm512_and_si512(v, _mm512_set1_epi8(0x0F)));
        _mm512_store_si512(codes + g + kGroups / 2,
                           _mm512_and_si512(_mm512_srli_epi16(v, 4), _mm512_set1_epi8(0x0F)));
      }
    }
    // Each row's f16 scale is the low half of the 32 bits at the block's start.
    const __m512i d = _mm512_mask_i32gather_epi32(zero, valid, offsets, block, 1);
    _mm512_store_ps(reinterpret_cast<float*>(codes + kGroups),
                    _mm512_cvtph_ps(_mm512_cvtepi32_epi16(d)));
  }
}

inline int32_t Load32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// y[t * ldy + r] for kStrips * 16 rows of packed strips (`strip` apart) and kTokens tokens from
// `first`; `rows` of the last strip's rows are stored.
template <int kStrips, int kTokens>
ANVIL_VNNI void Tile(const uint8_t* packed, int64_t strip_bytes, const QuantizedRows& x,
                     int64_t first, int rows, float* y, int64_t ldy) {
  const int64_t k = x.k, blocks = k / kQuantBlock;
  const int8_t* q = x.q.data() + first * k;
  const float* scale = x.scale.data() + first * blocks;
  const int32_t* bias = x.block_bias.data() + first * blocks;
  __m512 sum[kStrips][kTokens];
  for (int s = 0; s < kStrips; ++s) {
    for (int t = 0; t < kTokens; ++t) sum[s][t] = _mm512_setzero_ps();
  }
  for (int64_t b = 0; b < blocks; ++b) {
    const __m512i* codes[kStrips];
    for (int s = 0; s < kStrips; ++s)
      codes[s] = reinterpret_cast<const __m512i*>(packed + s * strip_bytes + b * kPackedBlockBytes);
    __m512i acc[kStrips][kTokens];
    for (int t = 0; t < kTokens; ++t) {
      const __m512i start = _mm512_set1_epi32(bias[t * blocks + b]);
      for (int s = 0; s < kStrips; ++s) acc[s][t] = start;
    }
    for (int g = 0; g < kGroups; ++g) {
      __m512i wv[kStrips];
      for (int s = 0; s < kStrips; ++s) wv[s] = _mm512_load_si512(codes[s] + g);
      for (int t = 0; t < kTokens; ++t) {
        const __m512i xv = _mm512_set1_epi32(Load32(q + t * k + b * kQuantBlock + 4 * g));
        for (int s = 0; s < kStrips; ++s) acc[s][t] = _mm512_dpbusd_epi32(acc[s][t], wv[s], xv);
      }
    }
    __m512 d[kStrips];
    for (int s = 0; s < kStrips; ++s)
      d[s] = _mm512_load_ps(reinterpret_cast<const float*>(codes[s] + kGroups));
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

template <int kStrips>
ANVIL_VNNI void Tiles(const uint8_t* packed, int64_t strip_bytes, const QuantizedRows& x, int rows,
                      float* y, int64_t ldy) {
  int64_t t = 0;
  for (; t + kMaxTileTokens <= x.tokens; t += kMaxTileTokens) {
    Tile<kStrips, kMaxTileTokens>(packed, strip_bytes, x, t, rows, y, ldy);
  }
  switch (x.tokens - t) {
    case 1:
      return Tile<kStrips, 1>(packed, strip_bytes, x, t, rows, y, ldy);
    case 2:
      return Tile<kStrips, 2>(packed, strip_bytes, x, t, rows, y, ldy);
    case 3:
      return Tile<kStrips, 3>(packed, strip_bytes, x, t, rows, y, ldy);
    case 4:
      return Tile<kStrips, 4>(packed, strip_bytes, x, t, rows, y, ldy);
    case 5:
      return Tile<kStrips, 5>(packed, strip_bytes, x, t, rows, y, ldy);
    default:
      return;
  }
}

template <DType kType>
ANVIL_VNNI void GemmQuantTyped(const uint8_t* w, int64_t row_bytes, int64_t rows,
                               const QuantizedRows& x, float* y, int64_t ldy,
                               std::vector<uint8_t>* scratch) {
  const int64_t blocks = x.k / kQuantBlock;
  const int64_t strips = (rows + kStripRows - 1) / kStripRows;
  const int64_t strip_bytes = blocks * kPackedBlockBytes;
  scratch->resize(strips * strip_bytes + 64);
  uint8_t* packed = scratch->data() + (-reinterpret_cast<uintptr_t>(scratch->data()) & 63);
  for (int64_t s = 0; s < strips; ++s) {
    const int n = static_cast<int>(std::min<int64_t>(kStripRows, rows - s * kStripRows));
    PackGemmStrip<kType>(w + s * kStripRows * row_bytes, row_bytes, blocks, n,
                         packed + s * strip_bytes);
  }
  int64_t s = 0;
  for (; s + 2 <= strips; s += 2) {
    const int last = static_cast<int>(std::min<int64_t>(kStripRows, rows - (s + 1) * kStripRows));
    Tiles<2>(packed + s * strip_bytes, strip_bytes, x, last, y + s * kStripRows, ldy);
  }
  if (s < strips) {
    Tiles<1>(packed + s * strip_bytes, strip_bytes, x, static_cast<int>(rows - s * kStripRows),
             y + s * kStripRows, ldy);
  }
}

}  // namespace

#undef ANVIL_VNNI

bool HasGemmQuantImpl() { return true; }

bool GemmQuantImpl(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t rows,
                   const QuantizedRows* x, float* y, int64_t ldy, std::vector<uint8_t>* scratch) {
  // The gathers address a strip's rows with 32-bit offsets.
  if (row_bytes > INT32_MAX / kStripRows) return false;
  if (dtype == DType::kQ8_0) {
    GemmQuantTyped<DType::kQ8_0>(w, row_bytes, rows, *x, y, ldy, scratch);
    return true;
  }
  if (dtype == DType::kQ4_0) {
    GemmQuantTyped<DType::kQ4_0>(w, row_bytes, rows, *x, y, ldy, scratch);
    return true;
  }
  return false;
}

#else

bool HasGemmQuantImpl() { return false; }

bool GemmQuantImpl(DType, const uint8_t*, int64_t, int64_t, const QuantizedRows*, float*, int64_t,
                   std::vector<uint8_t>*) {
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

bool GemmQuant(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t rows,
               const QuantizedRows& x, float* y, int64_t ldy, std::vector<uint8_t>* scratch) {
  return HWY_DYNAMIC_DISPATCH(GemmQuantImpl)(dtype, w, row_bytes, rows, &x, y, ldy, scratch);
}

}  // namespace anvil::cpu
#endif  // HWY_ONCE
