



// DotRows, QuantizeForDot and StreamRead for every Highway target (see simd.h). This file is
// compiled once per target through hwy/foreach_target.h; HWY_ONCE marks the dispatching part.
//
// Float weights (f32/f16/bf16): four rows at a time share each activation load; two accumulators
// per row hide the FMA latency. A row's arithmetic is the same whichever group it falls in.
// Quantized weights (q8_0/q4_0), per target:
//   AVX3_DL  two blocks per 512-bit register, vpdpbusd (u8 x s8 -> s32) with the activation's
//            lane_bias folded into the accumulator's start value;
//   AVX3/AVX2 one block per 256-bit register, vpmaddubsw + vpmaddwd;
//   others   plain integer loops.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "executors/cpu/simd/dot_rows.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target re-includes this file once per target; what follows is per target.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "base/half.h"
#include "executors/cpu/simd/simd.h"
#include "ops/dequantize.h"
#include "hwy/cache_control.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace anvil::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Software prefetch distance along a weight row. The hardware prefetcher alone restarts at every
// 4 KiB page, and interleaved rows touch several pages at once (gemv_bench: f16 +15% at 512 B).
// `anvil bench --synthetic tinyllama-1.1b -p 0 -n 128` A/B, two rounds, tok/s at 512 B / 1 KiB:
// f16 13.87, 14.05 / 14.05, 14.16; bf16 14.12, 14.23 / 14.29, 14.42; f32 7.80, 7.98 / 7.74, 7.72
// (2 KiB: f16 13.66, 13.60; 256 B: f16 12.99, 13.14).
template <typename T>
constexpr int64_t kPrefetchBytes = sizeof(T) == 4 ? 512 : 1024;

inline uint16_t LoadU16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

// ---- float weights -------------------------------------------------------------------------

template <typename T, class DF>
HWY_INLINE hn::Vec<DF> LoadAsF32(DF df, const T* p) {
  if constexpr (std::is_same_v<T, float>) {
    return hn::LoadU(df, p);
  } else {
    const hn::Rebind<T, DF> dh;
    return hn::PromoteTo(df, hn::LoadU(dh, p));
  }
}

template <typename T>
float ToF32(T v) {
  if constexpr (std::is_same_v<T, float>) {
    return v;
  } else if constexpr (std::is_same_v<T, hwy::float16_t>) {
    uint16_t bits;
    std::memcpy(&bits, &v, 2);
    return F16ToF32(bits);
  } else {
    uint16_t bits;
    std::memcpy(&bits, &v, 2);
    return BF16ToF32(bits);
  }
}

// y[0, R) for R rows starting at `w`.
template <typename T, int R>
HWY_INLINE void DotFloatRows(const uint8_t* w, int64_t row_bytes, int64_t k, const float* x, float* y) {
  const hn::ScalableTag<float> df;
  const int64_t n = static_cast<int64_t>(hn::Lanes(df));
  const T* rows[R];
  hn::Vec<decltype(df)> a[R], b[R];
  for (int r = 0; r < R; ++r) {
    rows[r] = reinterpret_cast<const T*>(w + r * row_bytes);
    a[r] = hn::Zero(df);
    b[r] = hn::Zero(df);
  }
  int64_t i = 0;
  const RowPrefetch prefetch(k * static_cast<int64_t>(sizeof(T)), R * row_bytes, kPrefetchBytes<T>);
  for (; i + 2 * n <= k; i += 2 * n) {
    const auto x0 = hn::LoadU(df, x + i);
    const auto x1 = hn::LoadU(df, x + i + n);
    const int64_t ahead = prefetch.Offset(i * static_cast<int64_t>(sizeof(T)));
    for (int r = 0; r < R; ++r) {
      hwy::Prefetch(reinterpret_cast<const uint8_t*>(rows[r]) + ahead);
      a[r] = hn::MulAdd(LoadAsF32(df, rows[r] + i), x0, a[r]);
      b[r] = hn::MulAdd(LoadAsF32(df, rows[r] + i + n), x1, b[r]);
    }
  }
  for (; i + n <= k; i += n) {
    const auto x0 = hn::LoadU(df, x + i);
    for (int r = 0; r < R; ++r) a[r] = hn::MulAdd(LoadAsF32(df, rows[r] + i), x0, a[r]);
  }
  for (int r = 0; r < R; ++r) {
    float tail = 0;
    for (int64_t j = i; j < k; ++j) tail += ToF32(rows[r][j]) * x[j];
    y[r] = hn::GetLane(hn::SumOfLanes(df, hn::Add(a[r], b[r]))) + tail;
  }
}

template <typename T>
void DotFloat(const uint8_t* w, int64_t row_bytes, int64_t k, const float* x, int64_t rows, float* y) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) DotFloatRows<T, 4>(w + r * row_bytes, row_bytes, k, x, y + r);
  for (; r < rows; ++r) DotFloatRows<T, 1>(w + r * row_bytes, row_bytes, k, x, y + r);
}

// A GEMV for a few tokens: out[r][t] = dot(row r, xs[t]) for R rows starting at `w` and the
// kTokens activation rows xs[t], one accumulator per pair, so each weight vector is widened once
// for all the tokens and each activation vector loaded once for all the rows.
template <typename T, int R, int kTokens>
HWY_INLINE void DotFloatRowsTokens(const uint8_t* w, int64_t row_bytes, int64_t k, const float* const* xs,
                                   float out[R][kTokens]) {
  const hn::ScalableTag<float> df;
  const int64_t n = static_cast<int64_t>(hn::Lanes(df));
  const T* rows[R];
  hn::Vec<decltype(df)> a[R][kTokens];
  for (int r = 0; r < R; ++r) {
    rows[r] = reinterpret_cast<const T*>(w + r * row_bytes);
    for (int t = 0; t < kTokens; ++t) a[r][t] = hn::Zero(df);
  }
  int64_t i = 0;
  const RowPrefetch prefetch(k * static_cast<int64_t>(sizeof(T)), R * row_bytes, kPrefetchBytes<T>);
  for (; i + n <= k; i += n) {
    hn::Vec<decltype(df)> wv[R];
    const int64_t ahead = prefetch.Offset(i * static_cast<int64_t>(sizeof(T)));
    for (int r = 0; r < R; ++r) {
      hwy::Prefetch(reinterpret_cast<const uint8_t*>(rows[r]) + ahead);
      wv[r] = LoadAsF32(df, rows[r] + i);
    }
    for (int t = 0; t < kTokens; ++t) {
      const auto xv = hn::LoadU(df, xs[t] + i);
      for (int r = 0; r < R; ++r) a[r][t] = hn::MulAdd(wv[r], xv, a[r][t]);
    }
  }
  for (int r = 0; r < R; ++r) {
    for (int t = 0; t < kTokens; ++t) {
      float tail = 0;
      for (int64_t j = i; j < k; ++j) tail += ToF32(rows[r][j]) * xs[t][j];
      out[r][t] = hn::GetLane(hn::SumOfLanes(df, a[r][t])) + tail;
    }
  }
}

// Rows four at a time (two below AVX-512, whose sixteen registers could not hold the sixteen
// accumulators), tokens four at a time; a short last group repeats its last member and drops the
// copies. Each row group is read from memory once: its later token groups find it in L1/L2.
template <typename T>
void DotFloatTokens(const uint8_t* w, int64_t row_bytes, int64_t k, const float* x, int64_t tokens, int64_t rows,
                    float* y, int64_t ldy) {
  constexpr int kRows = HWY_MAX_BYTES >= 64 ? 4 : 2, kTokens = 4;
  for (int64_t r0 = 0; r0 < rows; r0 += kRows) {
    const int64_t row_count = std::min<int64_t>(kRows, rows - r0);
    for (int64_t t0 = 0; t0 < tokens; t0 += kTokens) {
      const float* xs[kTokens];
      for (int t = 0; t < kTokens; ++t) xs[t] = x + std::min<int64_t>(t0 + t, tokens - 1) * k;
      float out[kRows][kTokens];
      if (row_count == kRows) {
        DotFloatRowsTokens<T, kRows, kTokens>(w + r0 * row_bytes, row_bytes, k, xs, out);
      } else {
        // The last rows one at a time, not past the matrix.
        for (int64_t r = 0; r < row_count; ++r) {
          DotFloatRowsTokens<T, 1, kTokens>(w + (r0 + r) * row_bytes, row_bytes, k, xs, &out[r]);
        }
      }
      for (int64_t r = 0; r < row_count; ++r) {
        for (int64_t t = t0; t < std::min<int64_t>(t0 + kTokens, tokens); ++t) y[t * ldy + r0 + r] = out[r][t - t0];
      }
    }
  }
}

bool DotRowsTokensImpl(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t k, const float* x, int64_t tokens,
                       int64_t rows, float* y, int64_t ldy) {
  switch (dtype) {
    case DType::kF32: return DotFloatTokens<float>(w, row_bytes, k, x, tokens, rows, y, ldy), true;
    case DType::kF16: return DotFloatTokens<hwy::float16_t>(w, row_bytes, k, x, tokens, rows, y, ldy), true;
    case DType::kBF16: return DotFloatTokens<hwy::bfloat16_t>(w, row_bytes, k, x, tokens, rows, y, ldy), true;
    default: return false;
  }
}

// bf16 rows against x split per 2N values into N even then N odd ones (SplitEvenOdd): a 32-bit
// lane holds values 2i (low half) and 2i + 1 (high half), so a shift and a mask widen both
// exactly, with no cross-lane permute (one vector op per 16 weights instead of two).
template <int R>
HWY_INLINE void DotBf16SplitRows(const uint8_t* w, int64_t row_bytes, int64_t k, const float* x, const float* split,
                                 float* y) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const int64_t n = static_cast<int64_t>(hn::Lanes(df));
  const auto high = hn::Set(du, 0xFFFF0000u);
  const uint8_t* rows[R];
  hn::Vec<decltype(df)> a[R], b[R];
  for (int r = 0; r < R; ++r) {
    rows[r] = w + r * row_bytes;
    a[r] = hn::Zero(df);
    b[r] = hn::Zero(df);
  }
  int64_t i = 0;
  const RowPrefetch prefetch(2 * k, R * row_bytes, kPrefetchBytes<uint16_t>);
  for (; i + 2 * n <= k; i += 2 * n) {
    const auto even_x = hn::LoadU(df, split + i);
    const auto odd_x = hn::LoadU(df, split + i + n);
    const int64_t ahead = prefetch.Offset(2 * i);
    for (int r = 0; r < R; ++r) {
      hwy::Prefetch(rows[r] + ahead);
      const auto v = hn::LoadU(du, reinterpret_cast<const uint32_t*>(rows[r] + 2 * i));
      a[r] = hn::MulAdd(hn::BitCast(df, hn::ShiftLeft<16>(v)), even_x, a[r]);
      b[r] = hn::MulAdd(hn::BitCast(df, hn::And(v, high)), odd_x, b[r]);
    }
  }
  for (int r = 0; r < R; ++r) {
    float tail = 0;
    for (int64_t j = i; j < k; ++j) tail += BF16ToF32(LoadU16(rows[r] + 2 * j)) * x[j];
    y[r] = hn::GetLane(hn::SumOfLanes(df, hn::Add(a[r], b[r]))) + tail;
  }
}

void DotBf16SplitImpl(const uint8_t* w, int64_t row_bytes, int64_t k, const float* x, const float* split,
                      int64_t rows, float* y) {
  int64_t r = 0;
  for (; r + 4 <= rows; r += 4) DotBf16SplitRows<4>(w + r * row_bytes, row_bytes, k, x, split, y + r);
  for (; r < rows; ++r) DotBf16SplitRows<1>(w + r * row_bytes, row_bytes, k, x, split, y + r);
}

void SplitEvenOddImpl(const float* x, int64_t k, float* out) {
  const int64_t n = static_cast<int64_t>(hn::Lanes(hn::ScalableTag<float>()));
  int64_t i = 0;
  for (; i + 2 * n <= k; i += 2 * n) {
    for (int64_t j = 0; j < n; ++j) {
      out[i + j] = x[i + 2 * j];
      out[i + n + j] = x[i + 2 * j + 1];
    }
  }
  for (; i < k; ++i) out[i] = x[i];
}

// ---- quantized weights ---------------------------------------------------------------------

#if HWY_TARGET == HWY_AVX3_DL

// One row at a time (the integer path) reads a single stream; it gains up to 4 KiB ahead
// (gemv_bench q4_0 5632x2048, 2 threads: 13.1 GiB/s at 512 B, 18.3 GiB/s at 4 KiB).
constexpr int64_t kQuantPrefetchBytes = 4096;

// Two blocks per 512-bit register. One load brings a pair of blocks; byte and word permutes
// (AVX-512 VBMI) put the 64 codes in activation order and the two f16 scales in the lanes their
// dot products land in. Highway's AVX3_DL target string names VEX "avxvnni"; vpdpbusd on zmm
// needs "avx512vnni".
#define ANVIL_VNNI __attribute__((target(HWY_TARGET_STR ",avx512vnni")))

// Byte i of the result = byte index[i] of the pair.
template <DType kType>
HWY_INLINE __m512i CodeIndex() {
  alignas(64) uint8_t index[64];
  for (int i = 0; i < 64; ++i) {
    if constexpr (kType == DType::kQ8_0) {
      // Block 0's codes at bytes 2..33 of the first register; block 1's at 36..67, which the
      // second register (loaded 4 bytes later) holds at 32..63, i.e. two-source index 96..127.
      index[i] = static_cast<uint8_t>(i < 32 ? 2 + i : 64 + 32 + (i - 32));
    } else {
      // 16 code bytes per block (block 0 at 2..17, block 1 at 20..35), each twice: the low
      // nibbles are values 0-15, the high nibbles 16-31.
      const int block = i / 32;
      index[i] = static_cast<uint8_t>(2 + block * kQ4_0BlockBytes + i % 16);
    }
  }
  return _mm512_load_si512(index);
}

// 16-bit word i (i < 16) of the result = the scale of block i / 8.
template <DType kType>
HWY_INLINE __m512i ScaleIndex() {
  constexpr int kBlockBytes = kType == DType::kQ8_0 ? kQ8_0BlockBytes : kQ4_0BlockBytes;
  return _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                          kBlockBytes / 2, kBlockBytes / 2, kBlockBytes / 2, kBlockBytes / 2, kBlockBytes / 2,
                          kBlockBytes / 2, kBlockBytes / 2, kBlockBytes / 2, 0, 0, 0, 0, 0, 0, 0, 0);
}

// Constants of the pair kernel, made once per DotQuant call.
struct PairConstants {
  __m512i code_index, scale_index, nibble_shift, even, odd, quad_scale_index;
};

template <DType kType>
HWY_INLINE PairConstants MakePairConstants() {
  constexpr int kWord = (kType == DType::kQ8_0 ? kQ8_0BlockBytes : kQ4_0BlockBytes) / 2;  // block 1's scale
  PairConstants c;
  c.code_index = CodeIndex<kType>();
  c.scale_index = ScaleIndex<kType>();
  // Bit offsets for vpmultishiftqb: byte j of a qword from bit 8j (low-nibble lanes 0 and 2) or
  // 8j + 4 (high-nibble lanes 1 and 3).
  const __m512i identity = _mm512_set1_epi64(0x3830282018100800);
  c.nibble_shift = _mm512_mask_add_epi8(identity, 0xFFFF0000FFFF0000ull, identity, _mm512_set1_epi8(4));
  c.even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
  c.odd = _mm512_set_epi32(31, 29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  // Words 4i..4i+3 = the scale of block i of two pairs (the second register's words are 32..63).
  c.quad_scale_index = _mm512_set_epi16(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,  //
                                        32 + kWord, 32 + kWord, 32 + kWord, 32 + kWord, 32, 32, 32, 32,  //
                                        kWord, kWord, kWord, kWord, 0, 0, 0, 0);
  return c;
}

// The pair of blocks at `pair` against activation blocks b, b + 1: the raw bytes (for the
// scales) and sixteen int32 partial dot products, eight per block, exact.
template <DType kType>
ANVIL_VNNI HWY_INLINE __m512i PairDot(const uint8_t* pair, const QuantizedVector& x, int64_t b,
                                       const PairConstants& c, __m512i* raw) {
  __m512i codes;
  if constexpr (kType == DType::kQ8_0) {
    *raw = _mm512_loadu_si512(pair);  // bytes 0..63 of the 68-byte pair
    codes = _mm512_permutex2var_epi8(*raw, c.code_index, _mm512_loadu_si512(pair + 4));
    codes = _mm512_xor_si512(codes, _mm512_set1_epi8(static_cast<char>(0x80)));  // value + 128
  } else {
    *raw = _mm512_maskz_loadu_epi8((__mmask64{1} << (2 * kQ4_0BlockBytes)) - 1, pair);  // the 36-byte pair
    // Bytes of the high-nibble lanes shifted right by 4 (vpmultishiftqb picks 8 bits at any
    // offset of their qword), then the low nibble of every byte kept.
    codes = _mm512_multishift_epi64_epi8(c.nibble_shift, _mm512_permutexvar_epi8(c.code_index, *raw));
    codes = _mm512_and_si512(codes, _mm512_set1_epi8(0x0F));
  }
  return _mm512_dpbusd_epi32(_mm512_loadu_si512(x.lane_bias.data() + b * 8), codes,
                             _mm512_loadu_si512(x.q.data() + b * kQuantBlock));
}

template <DType kType>
ANVIL_VNNI float DotQuantRow(const uint8_t* row, const QuantizedVector& x, const PairConstants& c) {
  constexpr int kBlockBytes = kType == DType::kQ8_0 ? kQ8_0BlockBytes : kQ4_0BlockBytes;
  const int64_t blocks = x.k / kQuantBlock;
  __m512 acc = _mm512_setzero_ps();
  int64_t b = 0;
  // Four blocks at a time: the two pairs' partial sums are folded to four lanes per block
  // (even + odd lanes), so one conversion and one FMA serve four blocks.
  for (; b + 4 <= blocks; b += 4) {
    _mm_prefetch(reinterpret_cast<const char*>(row + b * kBlockBytes) + kQuantPrefetchBytes, _MM_HINT_T0);
    if constexpr (kType == DType::kQ8_0) {  // 136 bytes per iteration: a second line
      _mm_prefetch(reinterpret_cast<const char*>(row + b * kBlockBytes) + kQuantPrefetchBytes + 64, _MM_HINT_T0);
    }
    __m512i raw0, raw1;
    const __m512i dot0 = PairDot<kType>(row + b * kBlockBytes, x, b, c, &raw0);
    const __m512i dot1 = PairDot<kType>(row + (b + 2) * kBlockBytes, x, b + 2, c, &raw1);
    const __m512i dot = _mm512_add_epi32(_mm512_permutex2var_epi32(dot0, c.even, dot1),
                                         _mm512_permutex2var_epi32(dot0, c.odd, dot1));
    const __m512 d = _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutex2var_epi16(raw0, c.quad_scale_index, raw1)));
    const __m512 scale = _mm512_mul_ps(d, _mm512_loadu_ps(x.quad_scale.data() + b * 4));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc);
  }
  if (b + 2 <= blocks) {
    __m512i raw;
    const __m512i dot = PairDot<kType>(row + b * kBlockBytes, x, b, c, &raw);
    const __m512 d = _mm512_cvtph_ps(_mm512_castsi512_si256(_mm512_permutexvar_epi16(c.scale_index, raw)));
    const __m512 scale = _mm512_mul_ps(d, _mm512_loadu_ps(x.lane_scale.data() + b * 8));
    acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), scale, acc);
    b += 2;
  }
  float sum = _mm512_reduce_add_ps(acc);
  if (b < blocks) {  // an odd last block: the same arithmetic at 256 bits
    const uint8_t* b0 = row + b * kBlockBytes;
    __m256i codes;
    if constexpr (kType == DType::kQ8_0) {
      codes = _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(b0 + 2)),
                               _mm256_set1_epi8(static_cast<char>(0x80)));
    } else {
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b0 + 2));
      codes = _mm256_and_si256(_mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1),
                               _mm256_set1_epi8(0x0F));
    }
    const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.q.data() + b * kQuantBlock));
    const __m256i bias = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.lane_bias.data() + b * 8));
    const __m256i dot = _mm256_dpbusd_epi32(bias, codes, xq);
    const __m128i lanes = _mm_add_epi32(_mm256_castsi256_si128(dot), _mm256_extracti128_si256(dot, 1));
    const __m128i pairs = _mm_add_epi32(lanes, _mm_shuffle_epi32(lanes, _MM_SHUFFLE(1, 0, 3, 2)));
    const int32_t total = _mm_cvtsi128_si32(_mm_add_epi32(pairs, _mm_shuffle_epi32(pairs, _MM_SHUFFLE(2, 3, 0, 1))));
    sum += static_cast<float>(total) * (F16ToF32(LoadU16(b0)) * x.scale[b]);
  }
  return sum;
}

template <DType kType>
ANVIL_VNNI void DotQuant(const uint8_t* w, int64_t row_bytes, const QuantizedVector& x, int64_t rows, float* y) {
  const PairConstants c = MakePairConstants<kType>();
  for (int64_t r = 0; r < rows; ++r) y[r] = DotQuantRow<kType>(w + r * row_bytes, x, c);
}

#undef ANVIL_VNNI

#elif HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX2

template <DType kType>
float DotQuantRow(const uint8_t* row, const QuantizedVector& x) {
  constexpr int kBlockBytes = kType == DType::kQ8_0 ? kQ8_0BlockBytes : kQ4_0BlockBytes;
  const int64_t blocks = x.k / kQuantBlock;
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc = _mm256_setzero_ps();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* block = row + b * kBlockBytes;
    const __m256i xq = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.q.data() + b * kQuantBlock));
    __m256i dot;
    if constexpr (kType == DType::kQ8_0) {
      // |w| * (x * sign(w)): the unsigned-by-signed product vpmaddubsw needs, without overflow.
      const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 2));
      dot = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_sign_epi8(w, w), _mm256_sign_epi8(xq, w)), ones);
    } else {
      const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 2));
      const __m256i codes = _mm256_and_si256(
          _mm256_inserti128_si256(_mm256_castsi128_si256(q), _mm_srli_epi16(q, 4), 1), _mm256_set1_epi8(0x0F));
      const __m256i bias = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x.lane_bias.data() + b * 8));
      dot = _mm256_add_epi32(_mm256_madd_epi16(_mm256_maddubs_epi16(codes, xq), ones), bias);
    }
    const __m256 s = _mm256_set1_ps(_cvtsh_ss(LoadU16(block)) * x.scale[b]);
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), s, acc);
  }
  const __m128 h = _mm_add_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
  const __m128 p = _mm_add_ps(h, _mm_movehl_ps(h, h));
  return _mm_cvtss_f32(_mm_add_ss(p, _mm_movehdup_ps(p)));
}

#else

template <DType kType>
float DotQuantRow(const uint8_t* row, const QuantizedVector& x) {
  constexpr int kBlockBytes = kType == DType::kQ8_0 ? kQ8_0BlockBytes : kQ4_0BlockBytes;
  const int64_t blocks = x.k / kQuantBlock;
  float sum = 0;
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* block = row + b * kBlockBytes;
    const int8_t* xq = x.q.data() + b * kQuantBlock;
    int32_t dot = 0;
    if constexpr (kType == DType::kQ8_0) {
      const int8_t* w = reinterpret_cast<const int8_t*>(block + 2);
      for (int j = 0; j < kQuantBlock; ++j) dot += w[j] * xq[j];
    } else {
      for (int j = 0; j < kQuantBlock / 2; ++j) {
        dot += ((block[2 + j] & 0x0F) - 8) * xq[j] + ((block[2 + j] >> 4) - 8) * xq[j + kQuantBlock / 2];
      }
    }
    sum += static_cast<float>(dot) * (F16ToF32(LoadU16(block)) * x.scale[b]);
  }
  return sum;
}

#endif

#if HWY_TARGET != HWY_AVX3_DL
template <DType kType>
void DotQuant(const uint8_t* w, int64_t row_bytes, const QuantizedVector& x, int64_t rows, float* y) {
  for (int64_t r = 0; r < rows; ++r) y[r] = DotQuantRow<kType>(w + r * row_bytes, x);
}
#endif

void DotRowsImpl(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t k, const float* x,
                 const QuantizedVector* xq, int64_t rows, float* y) {
  switch (dtype) {
    case DType::kF32: return DotFloat<float>(w, row_bytes, k, x, rows, y);
    case DType::kF16: return DotFloat<hwy::float16_t>(w, row_bytes, k, x, rows, y);
    case DType::kBF16: return DotFloat<hwy::bfloat16_t>(w, row_bytes, k, x, rows, y);
    case DType::kQ8_0: return DotQuant<DType::kQ8_0>(w, row_bytes, *xq, rows, y);
    case DType::kQ4_0: return DotQuant<DType::kQ4_0>(w, row_bytes, *xq, rows, y);
    default: return;
  }
}

// QuantizeForDot's blocks: d = max|x| / 127, q = round-to-nearest-even(x / d).
void QuantizeBlocksImpl(int32_t c, const float* x, int64_t blocks, int8_t* q_out, float* scale_out,
                        int32_t* bias_out) {
  for (int64_t b = 0; b < blocks; ++b) {
    const float* xb = x + b * kQuantBlock;
    int8_t* q = q_out + b * kQuantBlock;
    int32_t* bias = bias_out + b * 8;
#if HWY_TARGET == HWY_SCALAR
    float amax = 0;
    for (int j = 0; j < kQuantBlock; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const float d = amax / 127.0f;
    const float inverse = d > 0 ? 1.0f / d : 0.0f;
    for (int j = 0; j < kQuantBlock; ++j) q[j] = static_cast<int8_t>(std::nearbyint(xb[j] * inverse));
    for (int g = 0; g < kQuantBlock / 4; ++g) bias[g] = -c * (q[4 * g] + q[4 * g + 1] + q[4 * g + 2] + q[4 * g + 3]);
#else
    const hn::ScalableTag<float> df;
    const hn::RebindToSigned<decltype(df)> di;
    const hn::Rebind<int8_t, decltype(df)> d8;
    const int n = static_cast<int>(hn::Lanes(df));
    auto amax = hn::Zero(df);
    for (int j = 0; j < kQuantBlock; j += n) amax = hn::Max(amax, hn::Abs(hn::LoadU(df, xb + j)));
    const float d = hn::GetLane(hn::MaxOfLanes(df, amax)) / 127.0f;
    const auto inverse = hn::Set(df, d > 0 ? 1.0f / d : 0.0f);
    HWY_ALIGN int32_t sums[hn::MaxLanes(di)];
    for (int j = 0; j < kQuantBlock; j += n) {
      const auto v = hn::NearestInt(hn::Mul(hn::LoadU(df, xb + j), inverse));
      hn::StoreU(hn::DemoteTo(d8, v), d8, q + j);
      // Sums of each 4 consecutive lanes (within 128-bit blocks), read from every 4th lane.
      const auto pairs = hn::Add(v, hn::Shuffle2301(v));
      hn::Store(hn::Add(pairs, hn::Shuffle1032(pairs)), di, sums);
      for (int l = 0; l < n; l += 4) bias[(j + l) / 4] = -c * sums[l];
    }
#endif
    scale_out[b] = d;
  }
}

// DequantizeRow's reference arithmetic (ops/dequantize.cc) with vectors: the same values exactly.
void DequantizeImpl(DType dtype, const uint8_t* row, int64_t count, float* out) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const int64_t n = static_cast<int64_t>(hn::Lanes(df));
  switch (dtype) {
    case DType::kF16:
    case DType::kBF16: {
      int64_t i = 0;
      for (; i + n <= count; i += n) {
        const auto v = dtype == DType::kF16
                           ? LoadAsF32(df, reinterpret_cast<const hwy::float16_t*>(row) + i)
                           : LoadAsF32(df, reinterpret_cast<const hwy::bfloat16_t*>(row) + i);
        hn::StoreU(v, df, out + i);
      }
      for (; i < count; ++i) {
        out[i] = dtype == DType::kF16 ? F16ToF32(LoadU16(row + 2 * i)) : BF16ToF32(LoadU16(row + 2 * i));
      }
      return;
    }
    case DType::kQ8_0: {
      const hn::Rebind<int8_t, decltype(df)> d8;
      for (int64_t b = 0; b < count / kQuantBlock; ++b) {
        const uint8_t* block = row + b * kQ8_0BlockBytes;
        const auto d = hn::Set(df, F16ToF32(LoadU16(block)));
        const int8_t* q = reinterpret_cast<const int8_t*>(block + 2);
        for (int64_t j = 0; j < kQuantBlock; j += n) {
          hn::StoreU(hn::Mul(d, hn::ConvertTo(df, hn::PromoteTo(di, hn::LoadU(d8, q + j)))), df,
                     out + b * kQuantBlock + j);
        }
      }
      return;
    }
    case DType::kQ4_0: {
      const hn::Rebind<uint8_t, decltype(df)> du8;
      const auto eight = hn::Set(di, 8);
      for (int64_t b = 0; b < count / kQuantBlock; ++b) {
        const uint8_t* block = row + b * kQ4_0BlockBytes;
        const auto d = hn::Set(df, F16ToF32(LoadU16(block)));
        for (int64_t j = 0; j < kQuantBlock / 2; j += n) {
          const auto codes = hn::BitCast(di, hn::PromoteTo(hn::RebindToUnsigned<decltype(di)>(), hn::LoadU(du8, block + 2 + j)));
          const auto low = hn::Sub(hn::And(codes, hn::Set(di, 0x0F)), eight);
          const auto high = hn::Sub(hn::ShiftRight<4>(codes), eight);
          hn::StoreU(hn::Mul(d, hn::ConvertTo(df, low)), df, out + b * kQuantBlock + j);
          hn::StoreU(hn::Mul(d, hn::ConvertTo(df, high)), df, out + b * kQuantBlock + kQuantBlock / 2 + j);
        }
      }
      return;
    }
    default: return;
  }
}

// Four streams in lockstep over the range's quarters: one stream per thread leaves bandwidth
// unused (1 GiB over 2 threads: 26 GB/s with one stream each, 31 GB/s with four).
uint64_t StreamReadImpl(const void* data, size_t bytes) {
  const hn::ScalableTag<uint64_t> d;
  const size_t n = hn::Lanes(d);
  const uint64_t* p = static_cast<const uint64_t*>(data);
  const size_t count = bytes / sizeof(uint64_t);
  const size_t quarter = count / 4 / n * n;
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  for (size_t i = 0; i < quarter; i += n) {
    s0 = hn::Add(s0, hn::LoadU(d, p + i));
    s1 = hn::Add(s1, hn::LoadU(d, p + quarter + i));
    s2 = hn::Add(s2, hn::LoadU(d, p + 2 * quarter + i));
    s3 = hn::Add(s3, hn::LoadU(d, p + 3 * quarter + i));
  }
  uint64_t sum = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
  for (size_t i = 4 * quarter; i < count; ++i) sum += p[i];
  return sum;
}

const char* TargetNameImpl() { return hwy::TargetName(HWY_TARGET); }

}  // namespace HWY_NAMESPACE
}  // namespace anvil::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace anvil::cpu {

HWY_EXPORT(DotRowsImpl);
HWY_EXPORT(DotRowsTokensImpl);
HWY_EXPORT(DotBf16SplitImpl);
HWY_EXPORT(SplitEvenOddImpl);
HWY_EXPORT(QuantizeBlocksImpl);
HWY_EXPORT(DequantizeImpl);
HWY_EXPORT(StreamReadImpl);
HWY_EXPORT(TargetNameImpl);

namespace {

// block_bias[b] = the sum of a block's eight lane biases.
void SumLaneBias(const int32_t* lane_bias, int64_t blocks, int32_t* block_bias) {
  for (int64_t b = 0; b < blocks; ++b) {
    int32_t sum = 0;
    for (int g = 0; g < 8; ++g) sum += lane_bias[b * 8 + g];
    block_bias[b] = sum;
  }
}

}  // namespace

void QuantizeForDot(DType weight_dtype, const float* x, int64_t k, QuantizedVector* out) {
  out->k = k;
  out->q.resize(k);
  out->scale.resize(k / kQuantBlock);
  out->lane_bias.resize(k / 4);
  out->block_bias.resize(k / kQuantBlock);
  out->lane_scale.resize(k / 4);
  out->quad_scale.resize(k / 8);
  HWY_DYNAMIC_DISPATCH(QuantizeBlocksImpl)(weight_dtype == DType::kQ4_0 ? 8 : 128, x, k / kQuantBlock, out->q.data(),
                                           out->scale.data(), out->lane_bias.data());
  SumLaneBias(out->lane_bias.data(), k / kQuantBlock, out->block_bias.data());
  for (int64_t b = 0; b < k / kQuantBlock; ++b) {
    for (int g = 0; g < 8; ++g) out->lane_scale[b * 8 + g] = out->scale[b];
    for (int g = 0; g < 4; ++g) out->quad_scale[b * 4 + g] = out->scale[b];
  }
}

void QuantizedRows::Resize(int64_t rows, int64_t width) {
  tokens = rows;
  k = width;
  q.resize(rows * width);
  scale.resize(rows * width / kQuantBlock);
  lane_bias.resize(rows * width / 4);
  block_bias.resize(rows * width / kQuantBlock);
}

void QuantizeRowsForDot(DType weight_dtype, const float* x, int64_t first, int64_t last, QuantizedRows* out) {
  const int64_t k = out->k, blocks = k / kQuantBlock;
  for (int64_t t = first; t < last; ++t) {
    HWY_DYNAMIC_DISPATCH(QuantizeBlocksImpl)(weight_dtype == DType::kQ4_0 ? 8 : 128, x + t * k, blocks,
                                             out->q.data() + t * k, out->scale.data() + t * blocks,
                                             out->lane_bias.data() + t * k / 4);
    SumLaneBias(out->lane_bias.data() + t * k / 4, blocks, out->block_bias.data() + t * blocks);
  }
}

void SplitEvenOdd(const float* x, int64_t k, std::vector<float>* out) {
  out->resize(k);
  HWY_DYNAMIC_DISPATCH(SplitEvenOddImpl)(x, k, out->data());
}

void DotRowsBf16Split(const uint8_t* w, int64_t row_bytes, int64_t k, const float* x, const float* split, int64_t rows,
                      float* y) {
  HWY_DYNAMIC_DISPATCH(DotBf16SplitImpl)(w, row_bytes, k, x, split, rows, y);
}

void DotRows(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t k, const float* x,
             const QuantizedVector* xq, int64_t rows, float* y) {
  HWY_DYNAMIC_DISPATCH(DotRowsImpl)(dtype, w, row_bytes, k, x, xq, rows, y);
}

bool DotRowsTokens(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t k, const float* x, int64_t tokens,
                   int64_t rows, float* y, int64_t ldy) {
  return HWY_DYNAMIC_DISPATCH(DotRowsTokensImpl)(dtype, w, row_bytes, k, x, tokens, rows, y, ldy);
}

void Dequantize(DType dtype, const uint8_t* row, int64_t count, float* out) {
  if (dtype == DType::kF32) {
    std::memcpy(out, row, count * sizeof(float));
  } else if (dtype == DType::kF16 || dtype == DType::kBF16 || dtype == DType::kQ8_0 || dtype == DType::kQ4_0) {
    HWY_DYNAMIC_DISPATCH(DequantizeImpl)(dtype, row, count, out);
  } else {
    DequantizeRow(dtype, row, count, out);
  }
}

uint64_t StreamRead(const void* data, size_t bytes) { return HWY_DYNAMIC_DISPATCH(StreamReadImpl)(data, bytes); }

std::string SimdTargetName() { return HWY_DYNAMIC_DISPATCH(TargetNameImpl)(); }

std::vector<int64_t> SimdTargets() { return hwy::SupportedAndGeneratedTargets(); }

std::string SimdTargetName(int64_t target) { return hwy::TargetName(target); }

void ForceSimdTarget(int64_t target) { hwy::SetSupportedTargetsForTest(target); }

}  // namespace anvil::cpu
#endif  // HWY_ONCE
