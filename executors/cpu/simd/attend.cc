// Attend (see simd.h) for every Highway target: query heads against a run of cached keys, in
// blocks of kBlock keys with a running max and sum per head (online softmax), so memory stays
// O(head_dim) per head however long the context is. Vectors run along head_dim (dot products, the
// value sum) and along the block's keys (the exponentials). The heads of a GQA group share their
// keys and values: each block is taken by every head in turn while it is in L1, so the group reads
// the cache once instead of once per head (at TinyLlama's shape, 8 heads per KV head, the cache
// of a 2048-token context no longer fits L2). Each head computes exactly what it would alone.
// On AVX-512 the block's keys go 16 at a time through SumEach16 (`attention_bench`, 2 threads:
// decode at context 2048 199-203 -> 159-160 us, a 512-token prompt 12.5-13.3 -> 9.8-9.9 ms), or
// for head_dim 8 32 at a time, two per vector (SumEachHalf16).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "executors/cpu/simd/attend.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target re-includes this file once per target; what follows is per target.
#include <algorithm>
#include <cmath>

#include "executors/cpu/simd/simd.h"
#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace anvil::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

constexpr int64_t kBlock = 64;  // keys per block; a multiple of every target's float lanes

// Any head_dim, one value at a time: the same blocks and running max.
void AttendScalar(const float* q, const float* keys, const float* values, int64_t first, int64_t last,
                  int64_t head_dim, float scale, float* out) {
  float scores[kBlock];
  float acc[kMaxAttendHeadDim] = {};
  float max = -INFINITY;
  float sum = 0;
  for (int64_t j0 = first; j0 <= last; j0 += kBlock) {
    const int64_t count = std::min(kBlock, last + 1 - j0);
    float block_max = -INFINITY;
    for (int64_t j = 0; j < count; ++j) {
      float dot = 0;
      for (int64_t i = 0; i < head_dim; ++i) dot += q[i] * keys[(j0 + j) * head_dim + i];
      scores[j] = dot * scale;
      block_max = std::max(block_max, scores[j]);
    }
    const float new_max = std::max(max, block_max);
    const float correction = std::exp(max - new_max);
    max = new_max;
    sum *= correction;
    for (int64_t i = 0; i < head_dim; ++i) acc[i] *= correction;
    for (int64_t j = 0; j < count; ++j) {
      const float p = std::exp(scores[j] - new_max);
      sum += p;
      for (int64_t i = 0; i < head_dim; ++i) acc[i] += p * values[(j0 + j) * head_dim + i];
    }
  }
  for (int64_t i = 0; i < head_dim; ++i) out[i] = acc[i] / sum;
}

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
// The 8-lane half sums of 16 vectors: lanes of *v01 = [low halves of d0..d3, high halves of
// d0..d3, low of d4..d7, high of d4..d7], *v23 the same for d8..d15. Pairs of lanes, then of
// 128-bit halves, then of blocks are added.
HWY_INLINE void HalfSums16(const __m512 d[16], __m512* v01, __m512* v23) {
  __m512 t[8], u[4];
  for (int i = 0; i < 8; ++i) {  // per block: lanes of d[2i] at 0 and 2, of d[2i + 1] at 1 and 3
    t[i] = _mm512_add_ps(_mm512_unpacklo_ps(d[2 * i], d[2 * i + 1]), _mm512_unpackhi_ps(d[2 * i], d[2 * i + 1]));
  }
  for (int i = 0; i < 4; ++i) {  // per block: d[4i] .. d[4i + 3] in lanes 0..3
    const __m512d a = _mm512_castps_pd(t[2 * i]), b = _mm512_castps_pd(t[2 * i + 1]);
    u[i] = _mm512_add_ps(_mm512_castpd_ps(_mm512_unpacklo_pd(a, b)), _mm512_castpd_ps(_mm512_unpackhi_pd(a, b)));
  }
  // Blocks 0 + 1 and 2 + 3 of u0 and u1 (and of u2 and u3).
  *v01 = _mm512_add_ps(_mm512_shuffle_f32x4(u[0], u[1], 0x88), _mm512_shuffle_f32x4(u[0], u[1], 0xDD));
  *v23 = _mm512_add_ps(_mm512_shuffle_f32x4(u[2], u[3], 0x88), _mm512_shuffle_f32x4(u[2], u[3], 0xDD));
}

// The lane sums of 16 vectors as one vector, lane i = sum of d[i]: HalfSums16, then the two
// halves added (45 instructions instead of a 10-instruction reduction per vector).
HWY_INLINE __m512 SumEach16(const __m512 d[16]) {
  __m512 v01, v23;
  HalfSums16(d, &v01, &v23);
  return _mm512_add_ps(_mm512_shuffle_f32x4(v01, v23, 0x88), _mm512_shuffle_f32x4(v01, v23, 0xDD));
}

// For head_dim 8, two keys per vector (d[i]: key 2i in lanes 0-7, key 2i + 1 in lanes 8-15): the
// 32 keys' sums in key order, keys 0-15 in *first and 16-31 in *second. HalfSums16 leaves
// [keys 0 2 4 6, 1 3 5 7, 8 10 12 14, 9 11 13 15] per 16; one permute puts them in order.
HWY_INLINE void SumEachHalf16(const __m512 d[16], __m512* first, __m512* second) {
  __m512 v01, v23;
  HalfSums16(d, &v01, &v23);
  const __m512i order = _mm512_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7, 8, 12, 9, 13, 10, 14, 11, 15);
  *first = _mm512_permutexvar_ps(order, v01);
  *second = _mm512_permutexvar_ps(order, v23);
}
#endif

// kAttendGroupHeads heads share a pass over the keys (their running outputs wait in a stack
// buffer between blocks: 8 x kMaxAttendHeadDim floats).
constexpr int64_t kGroupHeads = kAttendGroupHeads;

// head_dim == kVectors * Lanes(dh): a head's q and running output are in registers while it takes
// a block; `heads` <= kGroupHeads consecutive rows of q and out.
template <int kVectors, class DH>
HWY_INLINE void AttendWith(DH dh, const float* q_rows, int64_t heads, const float* keys, const float* values,
                           int64_t first, int64_t last, float scale, float* out) {
  const hn::ScalableTag<float> ds;  // full vectors along the block's scores
  const int64_t nh = static_cast<int64_t>(hn::Lanes(dh));
  const int64_t ns = static_cast<int64_t>(hn::Lanes(ds));
  const int64_t head_dim = kVectors * nh;
  HWY_ALIGN float scores[kBlock];
  HWY_ALIGN float running[kGroupHeads * kMaxAttendHeadDim];
  float maxes[kGroupHeads], sums[kGroupHeads];
  for (int64_t h = 0; h < heads; ++h) {
    maxes[h] = -INFINITY;
    sums[h] = 0;
    for (int v = 0; v < kVectors; ++v) hn::Store(hn::Zero(dh), dh, running + h * head_dim + v * nh);
  }
  for (int64_t j0 = first; j0 <= last; j0 += kBlock) {
    const int64_t count = std::min(kBlock, last + 1 - j0);
    for (int64_t h = 0; h < heads; ++h) {
      hn::Vec<DH> q[kVectors], acc[kVectors];
      for (int v = 0; v < kVectors; ++v) {
        q[v] = hn::LoadU(dh, q_rows + h * head_dim + v * nh);
        acc[v] = hn::Load(dh, running + h * head_dim + v * nh);
      }
      // The dot product of q with key j of the block, as a vector of partial sums.
      auto dot_with_key = [&](int64_t j) HWY_ATTR {
        const float* key = keys + (j0 + j) * head_dim;
        auto dot = hn::Mul(q[0], hn::LoadU(dh, key));
        for (int v = 1; v < kVectors; ++v) dot = hn::MulAdd(q[v], hn::LoadU(dh, key + v * nh), dot);
        return dot;
      };
      float block_max = -INFINITY;
      int64_t j = 0;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
      if constexpr (hn::MaxLanes(DH()) == 16) {
        // 16 keys at a time: their dot products side by side, summed together (SumEach16).
        __m512 maxes16 = _mm512_set1_ps(-INFINITY);
        for (; j + 16 <= count; j += 16) {
          __m512 d[16];
          for (int i = 0; i < 16; ++i) d[i] = dot_with_key(j + i).raw;
          const __m512 s16 = _mm512_mul_ps(SumEach16(d), _mm512_set1_ps(scale));
          _mm512_store_ps(scores + j, s16);
          maxes16 = _mm512_max_ps(maxes16, s16);
        }
        block_max = _mm512_reduce_max_ps(maxes16);
      }
      if constexpr (hn::MaxLanes(DH()) == 8 && kVectors == 1) {
        // head_dim 8: two keys per vector, 32 at a time (SumEachHalf16); one at a time, each
        // key's 8-lane sum took longer than its product (stories260K tg256, alternated 3 times:
        // 22.6-23.3k -> 25.7-26.6k tok/s).
        const __m512 q2 = _mm512_broadcast_f32x8(q[0].raw);
        __m512 maxes16 = _mm512_set1_ps(-INFINITY);
        for (; j + 32 <= count; j += 32) {
          const float* key = keys + (j0 + j) * head_dim;
          __m512 d[16];
          for (int i = 0; i < 16; ++i) d[i] = _mm512_mul_ps(q2, _mm512_loadu_ps(key + 16 * i));
          __m512 first16, second16;
          SumEachHalf16(d, &first16, &second16);
          first16 = _mm512_mul_ps(first16, _mm512_set1_ps(scale));
          second16 = _mm512_mul_ps(second16, _mm512_set1_ps(scale));
          _mm512_store_ps(scores + j, first16);
          _mm512_store_ps(scores + j + 16, second16);
          maxes16 = _mm512_max_ps(maxes16, _mm512_max_ps(first16, second16));
        }
        block_max = std::max(block_max, _mm512_reduce_max_ps(maxes16));
      }
#endif
      for (; j < count; ++j) {
        scores[j] = hn::GetLane(hn::SumOfLanes(dh, dot_with_key(j))) * scale;
        block_max = std::max(block_max, scores[j]);
      }
      const float new_max = std::max(maxes[h], block_max);
      const float correction = std::exp(maxes[h] - new_max);
      maxes[h] = new_max;
      // Scores past `count` become exp(-inf) = 0.
      const int64_t padded = (count + ns - 1) / ns * ns;
      for (int64_t j = count; j < padded; ++j) scores[j] = -INFINITY;
      auto block_sum = hn::Zero(ds);
      for (int64_t j = 0; j < padded; j += ns) {
        const auto p = hn::Exp(ds, hn::Sub(hn::Load(ds, scores + j), hn::Set(ds, new_max)));
        hn::Store(p, ds, scores + j);
        block_sum = hn::Add(block_sum, p);
      }
      sums[h] = sums[h] * correction + hn::GetLane(hn::SumOfLanes(ds, block_sum));
      const auto c = hn::Set(dh, correction);
      for (int v = 0; v < kVectors; ++v) acc[v] = hn::Mul(acc[v], c);
      // Keys in turn to kChains sums per vector, added together after the block: with one or two
      // vectors per head (head_dim 8-32) a single sum waited on its FMA's latency at every key
      // (`anvil bench` stories260K, head_dim 8, tg256 alternated 3 times: 20.0-20.7k -> 21.8-22.8k
      // tok/s). Four or more vectors are chains enough.
      constexpr int kChains = kVectors >= 4 ? 1 : 4 / kVectors;
      hn::Vec<DH> part[kChains][kVectors];
      for (int ch = 1; ch < kChains; ++ch) {
        for (int v = 0; v < kVectors; ++v) part[ch][v] = hn::Zero(dh);
      }
      for (int v = 0; v < kVectors; ++v) part[0][v] = acc[v];
      int64_t jv = 0;
      for (; jv + kChains <= count; jv += kChains) {
        for (int ch = 0; ch < kChains; ++ch) {
          const float* value = values + (j0 + jv + ch) * head_dim;
          const auto p = hn::Set(dh, scores[jv + ch]);
          for (int v = 0; v < kVectors; ++v) part[ch][v] = hn::MulAdd(p, hn::LoadU(dh, value + v * nh), part[ch][v]);
        }
      }
      for (; jv < count; ++jv) {
        const float* value = values + (j0 + jv) * head_dim;
        const auto p = hn::Set(dh, scores[jv]);
        for (int v = 0; v < kVectors; ++v) part[0][v] = hn::MulAdd(p, hn::LoadU(dh, value + v * nh), part[0][v]);
      }
      for (int v = 0; v < kVectors; ++v) {
        acc[v] = part[0][v];
        for (int ch = 1; ch < kChains; ++ch) acc[v] = hn::Add(acc[v], part[ch][v]);
      }
      for (int v = 0; v < kVectors; ++v) hn::Store(acc[v], dh, running + h * head_dim + v * nh);
    }
  }
  for (int64_t h = 0; h < heads; ++h) {
    const auto inverse = hn::Set(dh, 1.0f / sums[h]);
    for (int v = 0; v < kVectors; ++v) {
      hn::StoreU(hn::Mul(hn::Load(dh, running + h * head_dim + v * nh), inverse), dh, out + h * head_dim + v * nh);
    }
  }
}

// Calls AttendWith<kVectors> for the kVectors in {1, 2, 3, 4, 6, 8, 16} that equals
// head_dim / Lanes(dh); false if none does.
template <class DH>
HWY_INLINE bool AttendVectors(DH dh, const float* q, int64_t heads, const float* keys, const float* values,
                              int64_t first, int64_t last, int64_t head_dim, float scale, float* out) {
  const int64_t nh = static_cast<int64_t>(hn::Lanes(dh));
  if (head_dim % nh != 0) return false;
  switch (head_dim / nh) {
    case 1: AttendWith<1>(dh, q, heads, keys, values, first, last, scale, out); return true;
    case 2: AttendWith<2>(dh, q, heads, keys, values, first, last, scale, out); return true;
    case 3: AttendWith<3>(dh, q, heads, keys, values, first, last, scale, out); return true;
    case 4: AttendWith<4>(dh, q, heads, keys, values, first, last, scale, out); return true;
    case 6: AttendWith<6>(dh, q, heads, keys, values, first, last, scale, out); return true;
    case 8: AttendWith<8>(dh, q, heads, keys, values, first, last, scale, out); return true;
    case 16: AttendWith<16>(dh, q, heads, keys, values, first, last, scale, out); return true;
    default: return false;
  }
}

void AttendImpl(const float* q, int64_t heads, const float* keys, const float* values, int64_t first, int64_t last,
                int64_t head_dim, float scale, float* out) {
  for (int64_t h0 = 0; h0 < heads; h0 += kGroupHeads) {
    const int64_t n = std::min(kGroupHeads, heads - h0);
    const float* qh = q + h0 * head_dim;
    float* oh = out + h0 * head_dim;
    // The widest vectors that divide head_dim into a supported count; single lanes otherwise.
    if (AttendVectors(hn::ScalableTag<float>(), qh, n, keys, values, first, last, head_dim, scale, oh)) continue;
    if (AttendVectors(hn::CappedTag<float, 8>(), qh, n, keys, values, first, last, head_dim, scale, oh)) continue;
    if (AttendVectors(hn::CappedTag<float, 4>(), qh, n, keys, values, first, last, head_dim, scale, oh)) continue;
    for (int64_t h = 0; h < n; ++h) {
      AttendScalar(qh + h * head_dim, keys, values, first, last, head_dim, scale, oh + h * head_dim);
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace anvil::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace anvil::cpu {

HWY_EXPORT(AttendImpl);

void Attend(const float* q, int64_t heads, const float* keys, const float* values, int64_t first, int64_t last,
            int64_t head_dim, float scale, float* out) {
  HWY_DYNAMIC_DISPATCH(AttendImpl)(q, heads, keys, values, first, last, head_dim, scale, out);
}

}  // namespace anvil::cpu
#endif  // HWY_ONCE
