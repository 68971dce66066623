// AttendTokens (see simd.h): prefill attention for a block of prompt tokens and the query heads of
// one KV head at once, on the AVX-512 targets (elsewhere it returns false and the caller takes the
// tokens one at a time through Attend).
//
// Attend computes one token's heads against the keys with dot products along head_dim, which
// need a horizontal sum per score; here the block's query rows (token x head, up to
// kAttendTokensRows) run along the vector lanes instead, so both products are small GEMMs and no
// score is ever summed across lanes (FlashAttention's tiling, with the roles chosen for the
// cache's layout):
// - the rows' queries are transposed once per call into qt[d][row], times `scale`;
// - per block of kKeys keys, scores st[key][row] = sum_d k[key][d] * qt[d][row]: the keys are
//   broadcast straight from the cache ([position][head_dim]), each broadcast feeding two vectors
//   of rows;
// - the online softmax runs along the lanes too: a running max and sum per row, updated per block
//   with vector max/exp/add over the block's keys; masked scores (after a row's own position,
//   before its sliding window's first key) are -inf;
// - ot[d][row] += sum_key p[key][row] * v[key][d], the values broadcast from the cache;
// - at the end out[row][d] = ot[d][row] / sum[row].
// Memory stays O(head_dim x rows) per call however long the prompt or the context.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "executors/cpu/simd/attend_tokens.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target re-includes this file once per target; what follows is per target.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "executors/cpu/simd/simd.h"
#include "executors/cpu/simd/transpose-inl.h"
#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace anvil::cpu {
namespace HWY_NAMESPACE {

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
namespace hn = hwy::HWY_NAMESPACE;

// Helpers have internal linkage: the per-target namespace is shared with the other kernel files.
namespace {

constexpr int kRows = static_cast<int>(kAttendTokensRows);  // lanes of qt, st and ot rows
constexpr int kMaxHeadDim = static_cast<int>(kAttendTokensMaxHeadDim);
constexpr int kKeys = 32;      // keys per block
constexpr int kTileKeys = 8;   // keys (scores) or head_dim values (outputs) per register tile
constexpr int kTileRows = 32;  // rows per register tile: two vectors

using Tag = hn::Full512<float>;

// c[i][16 v + lane] = (accumulate ? c[i][16 v + lane] * scale_v : 0) + sum over s < steps of
// b[i][s * b_step] * a[s * kRows + 16 v + lane]: 8 x 32 accumulators in registers (c rows kRows
// apart), b[i] the rows of broadcast values. Used for both products: scores (b = keys, a = qt)
// and outputs (b = values, a = p, the old outputs scaled by the softmax's correction).
HWY_INLINE void Tile(const float* a, const float* const b[kTileKeys], int64_t b_step, int steps, float* c,
                     bool accumulate, __m512 scale_lo, __m512 scale_hi) {
  __m512 acc[kTileKeys][2];
  for (int i = 0; i < kTileKeys; ++i) {
    acc[i][0] = accumulate ? _mm512_mul_ps(_mm512_load_ps(c + i * kRows), scale_lo) : _mm512_setzero_ps();
    acc[i][1] = accumulate ? _mm512_mul_ps(_mm512_load_ps(c + i * kRows + 16), scale_hi) : _mm512_setzero_ps();
  }
  HWY_UNROLL(4)
  for (int s = 0; s < steps; ++s) {
    const __m512 lo = _mm512_load_ps(a + s * kRows), hi = _mm512_load_ps(a + s * kRows + 16);
    HWY_UNROLL(8)
    for (int i = 0; i < kTileKeys; ++i) {
      const __m512 w = _mm512_set1_ps(b[i][s * b_step]);
      acc[i][0] = _mm512_fmadd_ps(lo, w, acc[i][0]);
      acc[i][1] = _mm512_fmadd_ps(hi, w, acc[i][1]);
    }
  }
  for (int i = 0; i < kTileKeys; ++i) {
    _mm512_store_ps(c + i * kRows, acc[i][0]);
    _mm512_store_ps(c + i * kRows + 16, acc[i][1]);
  }
}

}  // namespace

bool HasAttendTokensImpl() { return true; }

bool AttendTokensImpl(const float* q, int64_t q_stride, int64_t tokens, int64_t heads, const float* keys,
                      const float* values, const int64_t* first, int64_t position, int64_t head_dim, float scale,
                      float* out, int64_t out_stride) {
  if (!AttendTokensFits(head_dim) || tokens < 1 || tokens * heads > kRows ||
      position + tokens > std::numeric_limits<int32_t>::max()) {  // key indices are compared as int32
    return false;
  }
  const Tag d;
  const int hd = static_cast<int>(head_dim);
  const int rows = static_cast<int>((tokens * heads + kTileRows - 1) / kTileRows * kTileRows);
  HWY_ALIGN float qt[kMaxHeadDim * kRows];  // [d][row], times scale; padding rows zero
  HWY_ALIGN float st[kKeys * kRows];        // [key][row]: scores, then probabilities
  HWY_ALIGN float ot[kMaxHeadDim * kRows];  // [d][row]: running outputs
  HWY_ALIGN float maxes[kRows], sums[kRows], corrections[kRows];
  HWY_ALIGN int32_t last_keys[kRows], first_keys[kRows];  // per row, the keys it may see
  HWY_ALIGN float zeros[kMaxHeadDim] = {};                // the rows past a block's last key
  const int real_rows = static_cast<int>(tokens * heads);
  // Row r's offset in q or out (token r / heads, head r % heads).
  auto row_at = [&](int64_t stride, int r) { return r / heads * stride + r % heads * head_dim; };
  for (int r = 0; r < rows; ++r) {
    maxes[r] = -INFINITY;
    sums[r] = 0;
    // Padding rows see every key (their queries are zero: finite scores, outputs discarded).
    const int64_t t = std::min<int64_t>(r / heads, tokens - 1);
    last_keys[r] = static_cast<int32_t>(position + t);
    first_keys[r] = static_cast<int32_t>(r < real_rows ? first[t] : first[0]);
  }
  // qt, 16 rows x 16 values of head_dim at a time (the last 8 when head_dim is an odd multiple).
  for (int r0 = 0; r0 < rows; r0 += 16) {
    for (int d0 = 0; d0 < hd; d0 += 16) {
      const int n = std::min(16, hd - d0);
      const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);
      __m512 v[16];
      for (int i = 0; i < 16; ++i) {
        v[i] = r0 + i < real_rows
                   ? _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, q + row_at(q_stride, r0 + i) + d0), _mm512_set1_ps(scale))
                   : _mm512_setzero_ps();
      }
      Transpose16(v);
      for (int i = 0; i < n; ++i) _mm512_store_ps(qt + (d0 + i) * kRows + r0, v[i]);
    }
  }
  // Keys [first[0], last of the last token]: a row's window starts no earlier than token 0's.
  const int64_t lo = first[0], hi = position + tokens - 1;
  for (int64_t j0 = lo; j0 <= hi; j0 += kKeys) {
    const int count = static_cast<int>(std::min<int64_t>(kKeys, hi + 1 - j0));
    // Scores, in tiles of 8 keys x 32 rows.
    for (int k0 = 0; k0 < count; k0 += kTileKeys) {
      const float* key_rows[kTileKeys];
      for (int i = 0; i < kTileKeys; ++i) key_rows[i] = k0 + i < count ? keys + (j0 + k0 + i) * head_dim : zeros;
      for (int r0 = 0; r0 < rows; r0 += kTileRows) {
        Tile(qt + r0, key_rows, 1, hd, st + k0 * kRows + r0, false, _mm512_setzero_ps(), _mm512_setzero_ps());
      }
    }
    const int padded = (count + kTileKeys - 1) / kTileKeys * kTileKeys;
    // The online softmax, 16 rows per vector: mask, block max, rescale, exponentials, sums.
    const bool whole = j0 + count - 1 <= position && j0 >= first[tokens - 1];  // no row masks a key
    for (int r = 0; r < rows; r += 16) {
      const __m512i last_r = _mm512_load_si512(last_keys + r), first_r = _mm512_load_si512(first_keys + r);
      __m512 block_max = _mm512_set1_ps(-INFINITY);
      for (int j = 0; j < padded; ++j) {
        __m512 s = _mm512_load_ps(st + j * kRows + r);
        if (!whole || j >= count) {
          const __m512i key = _mm512_set1_epi32(static_cast<int32_t>(j0 + j));
          const __mmask16 seen = j < count ? _mm512_cmple_epi32_mask(key, last_r) & _mm512_cmpge_epi32_mask(key, first_r)
                                           : __mmask16{0};
          s = _mm512_mask_blend_ps(seen, _mm512_set1_ps(-INFINITY), s);
          _mm512_store_ps(st + j * kRows + r, s);
        }
        block_max = _mm512_max_ps(block_max, s);
      }
      const __m512 old_max = _mm512_load_ps(maxes + r);
      const __m512 new_max = _mm512_max_ps(old_max, block_max);
      // A row that has seen no key yet keeps max -inf: subtract 0 instead, so its terms are
      // exp(-inf) = 0 (Highway's Exp returns 0 below -104, -inf included) and nothing is NaN.
      const __m512 shift = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(new_max, _mm512_set1_ps(-INFINITY), _CMP_EQ_OQ),
                                                new_max, _mm512_setzero_ps());
      const __m512 correction = hn::Exp(d, hn::Vec<Tag>{_mm512_sub_ps(old_max, shift)}).raw;
      __m512 block_sum = _mm512_setzero_ps();
      for (int j = 0; j < padded; ++j) {
        const __m512 p = hn::Exp(d, hn::Vec<Tag>{_mm512_sub_ps(_mm512_load_ps(st + j * kRows + r), shift)}).raw;
        _mm512_store_ps(st + j * kRows + r, p);
        block_sum = _mm512_add_ps(block_sum, p);
      }
      _mm512_store_ps(maxes + r, new_max);
      _mm512_store_ps(sums + r, _mm512_fmadd_ps(_mm512_load_ps(sums + r), correction, block_sum));
      _mm512_store_ps(corrections + r, correction);
    }
    // Outputs, in tiles of 8 values of head_dim x 32 rows: the old sums rescaled, plus this
    // block's probabilities times its values.
    for (int d0 = 0; d0 < hd; d0 += kTileKeys) {
      const float* value_rows[kTileKeys];
      for (int i = 0; i < kTileKeys; ++i) value_rows[i] = values + j0 * head_dim + d0 + i;
      for (int r0 = 0; r0 < rows; r0 += kTileRows) {
        Tile(st + r0, value_rows, head_dim, count, ot + d0 * kRows + r0, j0 > lo, _mm512_load_ps(corrections + r0),
             _mm512_load_ps(corrections + r0 + 16));
      }
    }
  }
  // out = ot / sums, transposed back 16 x 16 at a time.
  for (int r0 = 0; r0 < real_rows; r0 += 16) {
    for (int d0 = 0; d0 < hd; d0 += 16) {
      const int n = std::min(16, hd - d0);
      const __mmask16 mask = static_cast<__mmask16>((1u << n) - 1);
      __m512 v[16];
      for (int i = 0; i < 16; ++i) v[i] = i < n ? _mm512_load_ps(ot + (d0 + i) * kRows + r0) : _mm512_setzero_ps();
      Transpose16(v);
      for (int i = 0; i < 16 && r0 + i < real_rows; ++i) {
        _mm512_mask_storeu_ps(out + row_at(out_stride, r0 + i) + d0, mask,
                              _mm512_div_ps(v[i], _mm512_set1_ps(sums[r0 + i])));
      }
    }
  }
  return true;
}

#else

bool HasAttendTokensImpl() { return false; }

bool AttendTokensImpl(const float*, int64_t, int64_t, int64_t, const float*, const float*, const int64_t*, int64_t,
                      int64_t, float, float*, int64_t) {
  return false;
}

#endif

}  // namespace HWY_NAMESPACE
}  // namespace anvil::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace anvil::cpu {

HWY_EXPORT(HasAttendTokensImpl);
HWY_EXPORT(AttendTokensImpl);

bool HasAttendTokens(int64_t head_dim) {
  return HWY_DYNAMIC_DISPATCH(HasAttendTokensImpl)() && AttendTokensFits(head_dim);
}

bool AttendTokens(const float* q, int64_t q_stride, int64_t tokens, int64_t heads, const float* keys,
                  const float* values, const int64_t* first, int64_t position, int64_t head_dim, float scale,
                  float* out, int64_t out_stride) {
  return HWY_DYNAMIC_DISPATCH(AttendTokensImpl)(q, q_stride, tokens, heads, keys, values, first, position, head_dim,
                                                scale, out, out_stride);
}

}  // namespace anvil::cpu
#endif  // HWY_ONCE
