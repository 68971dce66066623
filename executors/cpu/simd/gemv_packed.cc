// PackForGemv and DotPackedRows (simd.h): q8_0/q4_0 weights repacked for the decode GEMV on
// AVX-512 VNNI, for every Highway target (only AVX3_DL has them; elsewhere both report false).
//
// In the file's layout a block's codes sit behind its scale, 18 or 34 bytes apart, so every
// 64-byte load needs byte permutes to line codes up with the activation, and one row at a time
// needs a horizontal sum per block: the in-place q4_0 kernel is compute-bound at ~20 vector
// instructions per 128 weights. Repacked, a strip of 16 rows keeps, per 32-value block, the
// rows' codes with lane r = row r (q4_0: four vectors whose byte i of dword h holds values 4h+i
// and 16+4h+i, which is the file's own nibble byte order; q8_0: eight vectors of four values,
// stored + 128) followed by the 16 rows' f16 scales. The size is the file's. A block of 16 rows
// is then 8 vpdpbusd against activation bytes broadcast from memory (+ 8 nibble masks for q4_0)
// and one convert + multiply + FMA: ~3x fewer instructions per weight, and the 16 results of a
// strip are one vector store.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "executors/cpu/simd/gemv_packed.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target re-includes this file once per target; what follows is per target.
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "executors/cpu/simd/simd.h"
#include "hwy/highway.h"
#include "ops/dequantize.h"

HWY_BEFORE_NAMESPACE();
namespace anvil::cpu {
namespace HWY_NAMESPACE {

#if HWY_TARGET == HWY_AVX3_DL

#define ANVIL_VNNI __attribute__((target(HWY_TARGET_STR ",avx512vnni")))

// Helpers have internal linkage: the per-target namespace is shared with the other kernel files.
namespace {

constexpr int kRows = kPackedStripRows;

template <DType kType>
constexpr int kCodeVectors = kType == DType::kQ8_0 ? 8 : 4;

// Software prefetch distance within a strip (a strip streams like one long row). gemv_bench
// (32000x2048 fits this machine's L3) could not tell distances apart; end to end it can:
// `anvil bench --synthetic tinyllama-1.1b --dtype q4_0 -p 0 -n 128 -r 3`, two rounds, tok/s:
// none 42.7/42.7, 1 KiB 47.6/47.8, 1.5 KiB 47.9/48.3, 2 KiB 48.5/48.5, 3 KiB 46.3/47.8,
// 4 KiB 47.2/48.0, 8 KiB 45.3/46.1 (q8_0 alike at 2 and 4 KiB: 28.1-28.3).
constexpr int64_t kPrefetchBytes = 2048;

template <DType kType>
ANVIL_VNNI void PackGemvStrip(const uint8_t* w, int64_t row_bytes, int64_t blocks, int rows,
                              uint8_t* out) {
  constexpr int kBlockBytes = kType == DType::kQ8_0 ? kQ8_0BlockBytes : kQ4_0BlockBytes;
  constexpr int64_t kPackedBytes = kCodeVectors<kType> * 64 + 32;
  const __mmask16 valid = static_cast<__mmask16>((1u << rows) - 1);
  const __m512i offsets =
      _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                         _mm512_set1_epi32(static_cast<int32_t>(row_bytes)));
  const __m512i zero = _mm512_setzero_si512();
  for (int64_t b = 0; b < blocks; ++b) {
    const uint8_t* block = w + b * kBlockBytes;
    uint8_t* dst = out + b * kPackedBytes;
    for (int g = 0; g < kCodeVectors<kType>; ++g) {
      __m512i v = _mm512_mask_i32gather_epi32(zero, valid, offsets, block + 2 + 4 * g, 1);
      if constexpr (kType == DType::kQ8_0)
        v = _mm512_xor_si512(v, _mm512_set1_epi8(static_cast<char>(0x80)));
      _mm512_storeu_si512(dst + 64 * g, v);
    }
    const __m512i d =
        _mm512_mask_i32gather_epi32(zero, valid, offsets, block, 1);  // f16 scale in the low half
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + kCodeVectors<kType> * 64),
                        _mm512_cvtepi32_epi16(d));
  }
}

inline int32_t Load32(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// kStrips strips (`strip_bytes` apart) in lockstep, each its own memory stream, as the float
// GEMV reads four rows (gemv_bench q8_0/q4_0, 2 threads, two rounds: one strip at a time
// 20.2-26.7 GB/s, two 21.6-27.4, four 22.9-27.9; noisy). Eight, with work items of whole groups
// of eight (Gemv::chunk), measured end to end: tg128 tinyllama-1.1b q4_0 48.2/49.2/47.9/48.1
// -> 51.1/50.7/50.1/51.6 tok/s (four rounds, alternating); q8_0 alike. `rows` of the last
// strip's rows are stored.
template <DType kType, int kStrips>
ANVIL_VNNI void DotStrips(const uint8_t* strip, int64_t strip_bytes, const QuantizedVector& x,
                          int rows, float* y) {
  constexpr int64_t kPackedBytes = kCodeVectors<kType> * 64 + 32;
  const int64_t blocks = x.k / kQuantBlock;
  const int8_t* q = x.q.data();
  const __m512i low = _mm512_set1_epi8(0x0F);
  __m512 acc[kStrips];
  for (int s = 0; s < kStrips; ++s) acc[s] = _mm512_setzero_ps();
  const RowPrefetch prefetch(blocks * kPackedBytes, kStrips * strip_bytes, kPrefetchBytes);
  for (int64_t b = 0; b < blocks; ++b) {
    const int8_t* xb = q + b * kQuantBlock;
    const __m512 xs = _mm512_set1_ps(x.scale[b]);
    for (int s = 0; s < kStrips; ++s) {
      const uint8_t* p = strip + s * strip_bytes + b * kPackedBytes;
      for (int64_t line = 0; line < kPackedBytes; line += 64) {
        _mm_prefetch(reinterpret_cast<const char*>(strip + s * strip_bytes) + prefetch.Offset(b * kPackedBytes + line),
                     _MM_HINT_T0);
      }
      // Two chains; the activation's block bias (-c * sum) cancels the codes' offset.
      __m512i dot0 = _mm512_set1_epi32(x.block_bias[b]), dot1 = _mm512_setzero_si512();
      if constexpr (kType == DType::kQ8_0) {
        for (int g = 0; g < 8; g += 2) {
          dot0 = _mm512_dpbusd_epi32(dot0, _mm512_loadu_si512(p + 64 * g),
                                     _mm512_set1_epi32(Load32(xb + 4 * g)));
          dot1 = _mm512_dpbusd_epi32(dot1, _mm512_loadu_si512(p + 64 * g + 64),
                                     _mm512_set1_epi32(Load32(xb + 4 * g + 4)));
        }
      } else {
        // High nibbles stay in place (code * 16): one AND instead of shift + AND per vector;
        // their sum is a multiple of 16, divided exactly once per block.
        for (int h = 0; h < 4; ++h) {
          const __m512i v = _mm512_loadu_si512(p + 64 * h);
          dot0 = _mm512_dpbusd_epi32(dot0, _mm512_and_si512(v, low),
                                     _mm512_set1_epi32(Load32(xb + 4 * h)));
          dot1 = _mm512_dpbusd_epi32(dot1, _mm512_andnot_si512(low, v),
                                     _mm512_set1_epi32(Load32(xb + 16 + 4 * h)));
        }
        dot1 = _mm512_srai_epi32(dot1, 4);
      }
      const __m512 d = _mm512_cvtph_ps(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + kCodeVectors<kType> * 64)));
      acc[s] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_add_epi32(dot0, dot1)),
                               _mm512_mul_ps(d, xs), acc[s]);
    }
  }
  for (int s = 0; s < kStrips; ++s) {
    if (s + 1 < kStrips || rows == kRows) {
      _mm512_storeu_ps(y + s * kRows, acc[s]);
    } else {
      _mm512_mask_storeu_ps(y + s * kRows, static_cast<__mmask16>((1u << rows) - 1), acc[s]);
    }
  }
}

template <DType kType>
void DotPacked(const uint8_t* packed, const QuantizedVector& x, int64_t rows, float* y) {
  const int64_t strip_bytes = PackedStripBytes(kType, x.k);
  const int64_t strips = (rows + kRows - 1) / kRows;
  const int last = static_cast<int>(rows - (strips - 1) * kRows);
  int64_t s = 0;
  for (; s + kPackedGemvStrips <= strips; s += kPackedGemvStrips) {
    DotStrips<kType, kPackedGemvStrips>(packed + s * strip_bytes, strip_bytes, x,
                                        s + kPackedGemvStrips == strips ? last : kRows,
                                        y + s * kRows);
  }
  for (; s + 4 <= strips; s += 4) {
    DotStrips<kType, 4>(packed + s * strip_bytes, strip_bytes, x, s + 4 == strips ? last : kRows,
                        y + s * kRows);
  }
  for (; s + 2 <= strips; s += 2) {
    DotStrips<kType, 2>(packed + s * strip_bytes, strip_bytes, x, s + 2 == strips ? last : kRows,
                        y + s * kRows);
  }
  for (; s < strips; ++s) {
    DotStrips<kType, 1>(packed + s * strip_bytes, strip_bytes, x, s + 1 == strips ? last : kRows,
                        y + s * kRows);
  }
}

}  // namespace

#undef ANVIL_VNNI

bool PackForGemvImpl(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t k, int64_t rows,
                     uint8_t* out) {
  if (row_bytes > INT32_MAX / kRows) return false;  // gathers address a strip with 32-bit offsets
  const int64_t blocks = k / kQuantBlock;
  const int64_t strip_bytes = PackedStripBytes(dtype, k);
  for (int64_t s = 0; s * kRows < rows; ++s) {
    const int n = static_cast<int>(std::min<int64_t>(kRows, rows - s * kRows));
    if (dtype == DType::kQ8_0) {
      PackGemvStrip<DType::kQ8_0>(w + s * kRows * row_bytes, row_bytes, blocks, n,
                                  out + s * strip_bytes);
    } else if (dtype == DType::kQ4_0) {
      PackGemvStrip<DType::kQ4_0>(w + s * kRows * row_bytes, row_bytes, blocks, n,
                                  out + s * strip_bytes);
    } else {
      return false;
    }
  }
  return true;
}

bool DotPackedRowsImpl(DType dtype, const uint8_t* packed, const QuantizedVector* x, int64_t rows,
                       float* y) {
  if (dtype == DType::kQ8_0) {
    DotPacked<DType::kQ8_0>(packed, *x, rows, y);
  } else if (dtype == DType::kQ4_0) {
    DotPacked<DType::kQ4_0>(packed, *x, rows, y);
  } else {
    return false;
  }
  return true;
}

#else

bool PackForGemvImpl(DType, const uint8_t*, int64_t, int64_t, int64_t, uint8_t*) { return false; }
bool DotPackedRowsImpl(DType, const uint8_t*, const QuantizedVector*, int64_t, float*) {
  return false;
}

#endif

}  // namespace HWY_NAMESPACE
}  // namespace anvil::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace anvil::cpu {

HWY_EXPORT(PackForGemvImpl);
HWY_EXPORT(DotPackedRowsImpl);

int64_t PackedStripBytes(DType dtype, int64_t k) {
  return k / kQuantBlock * ((dtype == DType::kQ8_0 ? 8 : 4) * 64 + 32);
}

bool PackForGemv(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t k, int64_t rows,
                 uint8_t* out) {
  return HWY_DYNAMIC_DISPATCH(PackForGemvImpl)(dtype, w, row_bytes, k, rows, out);
}

bool DotPackedRows(DType dtype, const uint8_t* packed, const QuantizedVector& x, int64_t rows,
                   float* y) {
  return HWY_DYNAMIC_DISPATCH(DotPackedRowsImpl)(dtype, packed, &x, rows, y);
}

}  // namespace anvil::cpu
#endif  // HWY_ONCE
