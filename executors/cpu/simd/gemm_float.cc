// GemmFloat (simd.h): the prefill product of f32/f16/bf16 weights with many activation rows, for
// every Highway target. The AVX-512 targets have it; elsewhere GemmFloatImpl returns null and
// prefill goes through OpenBLAS sgemm instead.
//
// Shape of the computation (BLIS-style, with the roles chosen so the weights need no transpose):
// tokens run along the vector lanes and weights are broadcast. The activation is interleaved
// once per call (InterleaveRowsForGemm: per tile of 32 tokens, [k][32]); per block of kBlockK
// values, 12 rows at a time are widened to f32 in a scratch buffer (a plain convert, no
// transpose; 12 KiB, written right before use so it stays in L1: widening all the call's rows
// first measured 3-4% slower) and the micro-kernel takes 12 rows x 32 tokens (24 accumulators;
// per k two vector loads, twelve broadcasts and 24 FMAs) while the interleaved activation
// streams from L2. Long prompts go in passes of kBlockTiles tiles (256 tokens), each a whole
// pass over the call's weights, so that what streams stays within L2. Results stay [row][token]
// in the scratch; the caller transposes them out (TransposeProducts), or first applies what it
// fuses (gate_up_swiglu's activation).
// While a group's tiles compute, they prefetch the next group's rows into L2, a few lines per 8
// steps of k (WeightPrefetch). `perf` on a pp128 f16 step: the micro-kernel 86% of the samples,
// the rest of GemmFloatImpl (mostly widening) 3.8%, TransposeProducts 1.6%, attention 1.4%.
// Widening the next group inside the micro-kernel's k loop instead (8 or 16 values of a few rows
// per 8 steps) moved those samples into the micro-kernel without saving any (pp128 f16 alike):
// the conversions take the FMA ports, and the loads wait on L2 either way.
//
// Each output is one FMA chain in k order starting from zero (blocks continue the chain through
// the scratch), so it equals the scalar fmaf loop over the widened weights bit for bit, for any
// split of rows or tokens.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "executors/cpu/simd/gemm_float.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target re-includes this file once per target; what follows is per target.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "executors/cpu/simd/simd.h"
#include "executors/cpu/simd/transpose-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace anvil::cpu {
namespace HWY_NAMESPACE {

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3

// Helpers have internal linkage: the per-target namespace is shared with the other kernel files.
namespace {

constexpr int kTile = static_cast<int>(kGemmFloatTileTokens);  // two vectors of tokens
constexpr int kGroupRows = static_cast<int>(kGemmFloatGroupRows);
// Values of k per block. gemm_bench f16 T128, 2 threads: 256 and 512 measured alike (a
// prototype at 128 was ~6% slower).
constexpr int kBlockK = 256;
// Tiles of tokens per pass over the weights. Each group's widened block is used by every tile of
// the pass while the pass's share of the interleaved activation ([kBlockK][32] per tile, 32 KiB)
// and of the products streams through L2; a 2048-token prompt in one pass streamed 2 MiB of
// activation per group (plus 768 KiB of products), past L2, from L3. A single-thread harness,
// f16 K = 2048, 2048 tokens: one pass 132-133 GFLOP/s, passes of 2/4/8/16 tiles 140-146/149-150/
// 154-155/152-156 (128 tokens: 163). pp128 is one pass either way.
constexpr int64_t kBlockTiles = 8;

template <DType kType>
constexpr int64_t kValueBytes = kType == DType::kF32 ? 4 : 2;

// Rows [0, rows) (rows <= kGroupRows) of the weight, values [k0, k0 + kc), widened into
// out[r * kBlockK + j]; the group's other rows are zero. The micro-kernel calls before it have
// prefetched these rows into L2 (WeightPrefetch).
template <DType kType>
void WidenGroup(const uint8_t* w, int64_t row_bytes, int64_t rows, int64_t k0, int kc, float* out) {
  const int full = kc & ~15;
  const __mmask16 tail = static_cast<__mmask16>((1u << (kc - full)) - 1);
  for (int64_t r = 0; r < rows; ++r) {
    float* dst = out + r * kBlockK;
    if constexpr (kType == DType::kF32) {
      const float* src = reinterpret_cast<const float*>(w + r * row_bytes) + k0;
      for (int j = 0; j < full; j += 16) _mm512_store_ps(dst + j, _mm512_loadu_ps(src + j));
      if (tail) _mm512_store_ps(dst + full, _mm512_maskz_loadu_ps(tail, src + full));
    } else {
      const uint16_t* src = reinterpret_cast<const uint16_t*>(w + r * row_bytes) + k0;
      auto widen = [](__m256i h) {
        if constexpr (kType == DType::kF16) {
          return _mm512_cvtph_ps(h);
        } else {
          return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
        }
      };
      for (int j = 0; j < full; j += 16) {
        _mm512_store_ps(dst + j,
                        widen(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + j))));
      }
      if (tail) _mm512_store_ps(dst + full, widen(_mm256_maskz_loadu_epi16(tail, src + full)));
    }
  }
  for (int64_t r = rows; r < kGroupRows; ++r)
    std::memset(out + r * kBlockK, 0, sizeof(float) * kBlockK);
}

// Cache lines a micro-kernel call prefetches into L2, spread over its k loop: lines [begin, end)
// of a list that takes `lines` lines of each row, rows `stride` bytes apart from `first`.
// Prefetching the next group's rows all at once (ahead of the block after) held the line fill
// buffers the micro-kernel's and the widening's loads wait for; spread out, `anvil bench` pp128
// f16 270-272 -> 280-285 GFLOP/s, f32 242-247 -> 265-272, bf16 265-272 -> 281-283, pp20 f16
// 72-73 -> 80-83 tok/s (alternated 2-3 times; two or four groups ahead instead of one: alike).
struct WeightPrefetch {
  const uint8_t* first = nullptr;
  int64_t stride = 0;
  int lines = 0;
  int begin = 0, end = 0;
  int rows = 0;  // of the list
};

// The list for `rows` rows (at most a group) from `first`, `row_bytes` apart, `kc` values each.
template <DType kType>
WeightPrefetch RowsAhead(const uint8_t* first, int64_t row_bytes, int64_t rows, int64_t kc) {
  WeightPrefetch p;
  p.first = first;
  p.stride = row_bytes;
  p.rows = static_cast<int>(std::min<int64_t>(kGroupRows, rows));
  // One line more when the rows do not start on a line.
  p.lines = static_cast<int>((kc * kValueBytes<kType> + 63) / 64) +
            ((reinterpret_cast<uintptr_t>(first) | row_bytes) % 64 != 0);
  return p;
}

// c[r * ldc + 16 v + i] (+)= sum over j < kc of w[r * kBlockK + j] * x[j * kTile + 16 v + i] for
// the group's 12 rows and kVectors x 16 tokens; `accumulate` continues the chains in c.
template <int kVectors>
HWY_NOINLINE void MicroKernel(const float* x, const float* w, int kc, float* c, int64_t ldc,
                              bool accumulate, WeightPrefetch prefetch) {
  __m512 acc[kGroupRows][kVectors];
  HWY_UNROLL(16)
  for (int r = 0; r < kGroupRows; ++r) {
    HWY_UNROLL(16)
    for (int v = 0; v < kVectors; ++v) {
      acc[r][v] = accumulate ? _mm512_loadu_ps(c + r * ldc + 16 * v) : _mm512_setzero_ps();
    }
  }
  auto step = [&](int j) HWY_ATTR {
    __m512 xv[kVectors];
    HWY_UNROLL(16)
    for (int v = 0; v < kVectors; ++v) xv[v] = _mm512_loadu_ps(x + j * kTile + 16 * v);
    HWY_UNROLL(16)
    for (int r = 0; r < kGroupRows; ++r) {
      const __m512 wv = _mm512_set1_ps(w[r * kBlockK + j]);
      HWY_UNROLL(16)
      for (int v = 0; v < kVectors; ++v) acc[r][v] = _mm512_fmadd_ps(xv[v], wv, acc[r][v]);
    }
  };
  // k in steps of 8, unrolled so the loop's pointer and counter updates (which may issue on the
  // FMA ports) are rare: gemm_bench T128, 2 threads, A/B in one sitting: f16 +2-8%, bf16 +3-7%,
  // f32 +1-9% at 4 steps, 8 another +1-3%, 16 alike. Each step of 8 issues its share of the
  // prefetches.
  const int steps = std::max(1, kc / 8);
  const int per_step = (prefetch.end - prefetch.begin + steps - 1) / steps;
  int line = prefetch.begin;
  int j = 0;
  for (; j + 8 <= kc; j += 8) {
    for (int i = 0; i < per_step && line < prefetch.end; ++i, ++line) {
      _mm_prefetch(reinterpret_cast<const char*>(prefetch.first + line / prefetch.lines * prefetch.stride +
                                                 line % prefetch.lines * 64),
                   _MM_HINT_T1);
    }
    HWY_UNROLL(8)
    for (int jj = 0; jj < 8; ++jj) step(j + jj);
  }
  for (; j < kc; ++j) step(j);
  HWY_UNROLL(16)
  for (int r = 0; r < kGroupRows; ++r) {
    HWY_UNROLL(16)
    for (int v = 0; v < kVectors; ++v) _mm512_storeu_ps(c + r * ldc + 16 * v, acc[r][v]);
  }
}

template <DType kType>
float* GemmFloatTyped(const uint8_t* w, int64_t row_bytes, int64_t rows, const uint8_t* next, int64_t next_rows,
                      const InterleavedRows& x, ScratchVector<float>* scratch) {
  const int64_t k = x.k, tiles = (x.tokens + kTile - 1) / kTile, ldc = x.padded_tokens();
  const int64_t padded_rows = (rows + kGroupRows - 1) / kGroupRows * kGroupRows;
  // The widened group, then the [row][token] results; 64-byte aligned for the group's stores.
  const size_t block_floats = kGroupRows * kBlockK;
  scratch->resize(block_floats + padded_rows * ldc + 16);
  float* block = scratch->data();
  block += (16 - reinterpret_cast<uintptr_t>(block) / sizeof(float) % 16) % 16;
  float* c = block + block_floats;
  // The last tile takes one vector of tokens when 16 or fewer are left.
  const bool half_last = x.tokens - (tiles - 1) * kTile <= 16;
  for (int64_t t0 = 0; t0 < tiles; t0 += kBlockTiles) {
    const int64_t t1 = std::min(tiles, t0 + kBlockTiles), block_tiles = t1 - t0;
    for (int64_t k0 = 0; k0 < k; k0 += kBlockK) {
      const int kc = static_cast<int>(std::min<int64_t>(kBlockK, k - k0));
      for (int64_t g = 0; g < padded_rows; g += kGroupRows) {
        WidenGroup<kType>(w + g * row_bytes, row_bytes, std::min<int64_t>(kGroupRows, rows - g), k0,
                          kc, block);
        // This group's tiles prefetch what the next WidenGroup reads, a share each: the next
        // group's rows; after the last group the first group's next block; after the last block
        // the first block again for the next pass, or after the last pass the first group of the
        // caller's next call.
        WeightPrefetch ahead;
        constexpr int64_t kBytes = kValueBytes<kType>;
        if (g + kGroupRows < padded_rows) {
          ahead = RowsAhead<kType>(w + (g + kGroupRows) * row_bytes + k0 * kBytes, row_bytes, rows - g - kGroupRows, kc);
        } else if (k0 + kc < k) {
          ahead = RowsAhead<kType>(w + (k0 + kc) * kBytes, row_bytes, rows, std::min<int64_t>(kBlockK, k - k0 - kc));
        } else if (t1 < tiles) {
          ahead = RowsAhead<kType>(w, row_bytes, rows, std::min<int64_t>(kBlockK, k));
        } else if (next != nullptr) {
          ahead = RowsAhead<kType>(next, row_bytes, next_rows, std::min<int64_t>(kBlockK, k));
        }
        const int lines = ahead.rows * ahead.lines;
        for (int64_t t = t0; t < t1; ++t) {
          ahead.begin = static_cast<int>(lines * (t - t0) / block_tiles);
          ahead.end = static_cast<int>(lines * (t - t0 + 1) / block_tiles);
          const float* xt = x.values.data() + (t * k + k0) * kTile;
          float* ct = c + g * ldc + t * kTile;
          if (t + 1 == tiles && half_last) {
            MicroKernel<1>(xt, block, kc, ct, ldc, k0 > 0, ahead);
          } else {
            MicroKernel<2>(xt, block, kc, ct, ldc, k0 > 0, ahead);
          }
        }
      }
    }
  }
  return c;
}

}  // namespace

bool HasGemmFloatImpl() { return true; }

float* GemmFloatImpl(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t rows, const uint8_t* next,
                     int64_t next_rows, const InterleavedRows* x, ScratchVector<float>* scratch) {
  switch (dtype) {
    case DType::kF32:
      return GemmFloatTyped<DType::kF32>(w, row_bytes, rows, next, next_rows, *x, scratch);
    case DType::kF16:
      return GemmFloatTyped<DType::kF16>(w, row_bytes, rows, next, next_rows, *x, scratch);
    case DType::kBF16:
      return GemmFloatTyped<DType::kBF16>(w, row_bytes, rows, next, next_rows, *x, scratch);
    default:
      return nullptr;
  }
}

// 16 x 16 blocks (16 tokens x 16 values) through registers (`perf` on a pp128 f16 step: the
// scalar loop 1.5% of it, this 0.8%).
bool InterleaveRowsImpl(const float* x, int64_t first_tile, int64_t last_tile,
                        InterleavedRows* out) {
  const int64_t k = out->k;
  for (int64_t tile = first_tile; tile < last_tile; ++tile) {
    float* dst = out->values.data() + tile * k * kTile;
    for (int half = 0; half < kTile / 16; ++half) {
      const int64_t first_token = tile * kTile + half * 16;
      const int64_t tokens = std::clamp<int64_t>(out->tokens - first_token, 0, 16);
      for (int64_t j0 = 0; j0 < k; j0 += 16) {
        const int n = static_cast<int>(std::min<int64_t>(16, k - j0));
        const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);
        __m512 r[16];
        for (int64_t t = 0; t < 16; ++t) {
          r[t] = t < tokens ? _mm512_maskz_loadu_ps(mask, x + (first_token + t) * k + j0)
                            : _mm512_setzero_ps();
        }
        Transpose16(r);
        for (int j = 0; j < n; ++j) _mm512_storeu_ps(dst + (j0 + j) * kTile + half * 16, r[j]);
      }
    }
  }
  return true;
}

#else

bool HasGemmFloatImpl() { return false; }

float* GemmFloatImpl(DType, const uint8_t*, int64_t, int64_t, const uint8_t*, int64_t, const InterleavedRows*,
                     ScratchVector<float>*) {
  return nullptr;
}

bool InterleaveRowsImpl(const float*, int64_t, int64_t, InterleavedRows*) { return false; }

#endif

}  // namespace HWY_NAMESPACE
}  // namespace anvil::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace anvil::cpu {

HWY_EXPORT(HasGemmFloatImpl);
HWY_EXPORT(GemmFloatImpl);
HWY_EXPORT(InterleaveRowsImpl);

void InterleavedRows::Resize(int64_t new_tokens, int64_t new_k) {
  tokens = new_tokens;
  k = new_k;
  values.resize(padded_tokens() * k);
}

void InterleaveRowsForGemm(const float* x, int64_t first_tile, int64_t last_tile,
                           InterleavedRows* out) {
  if (HWY_DYNAMIC_DISPATCH(InterleaveRowsImpl)(x, first_tile, last_tile, out)) return;
  constexpr int64_t kTile = kGemmFloatTileTokens;
  const int64_t k = out->k;
  for (int64_t tile = first_tile; tile < last_tile; ++tile) {
    float* dst = out->values.data() + tile * k * kTile;
    const int64_t tokens = std::min(kTile, out->tokens - tile * kTile);
    // 16 values of each token at a time, so reads and writes both stay within a few lines.
    for (int64_t j0 = 0; j0 < k; j0 += 16) {
      const int64_t j1 = std::min(k, j0 + 16);
      for (int64_t t = 0; t < kTile; ++t) {
        if (t < tokens) {
          const float* src = x + (tile * kTile + t) * k;
          for (int64_t j = j0; j < j1; ++j) dst[j * kTile + t] = src[j];
        } else {
          for (int64_t j = j0; j < j1; ++j) dst[j * kTile + t] = 0.0f;
        }
      }
    }
  }
}

bool HasGemmFloat() { return HWY_DYNAMIC_DISPATCH(HasGemmFloatImpl)(); }

float* GemmFloat(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t rows, const uint8_t* next,
                 int64_t next_rows, const InterleavedRows& x, ScratchVector<float>* scratch) {
  return HWY_DYNAMIC_DISPATCH(GemmFloatImpl)(dtype, w, row_bytes, rows, next, next_rows, &x, scratch);
}

// Scalar: 16 x 16 register transposes (Transpose16) measured alike before, and worse once the
// products were returned (`perf` on pp128 f16: 2.4% of the samples against 1.6%; the 16 stores of
// a block go to rows of y 8 KiB apart for the 2048-wide outputs, one L1 set).
void TransposeProducts(const float* c, int64_t ldc, int64_t rows, int64_t tokens, float* y, int64_t ldy) {
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t r = 0; r < rows; ++r) y[t * ldy + r] = c[r * ldc + t];
  }
}

}  // namespace anvil::cpu
#endif  // HWY_ONCE
