// Transpose16 for the AVX-512 targets of the SIMD kernels (gemm_float.cc, attend_tokens.cc),
// included by each per target the Highway way: inside its HWY_TARGET_INCLUDE pass, with the
// guard toggled per target.
#if defined(ANVIL_CPU_SIMD_TRANSPOSE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ANVIL_CPU_SIMD_TRANSPOSE_INL_H_
#undef ANVIL_CPU_SIMD_TRANSPOSE_INL_H_
#else
#define ANVIL_CPU_SIMD_TRANSPOSE_INL_H_
#endif

#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace anvil::cpu {
namespace HWY_NAMESPACE {

#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
namespace {

// Transposes a 16 x 16 block in place: r[i][j] becomes r[j][i].
HWY_INLINE void Transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  // u[4i + m], 128-bit lane l: rows 4i..4i+3 of column 4l + m.
  __m512 u[16];
  for (int i = 0; i < 16; i += 4) {
    const __m512d a = _mm512_castps_pd(t[i]), b = _mm512_castps_pd(t[i + 1]);
    const __m512d c = _mm512_castps_pd(t[i + 2]), d = _mm512_castps_pd(t[i + 3]);
    u[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
    u[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
    u[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
    u[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
  }
  for (int m = 0; m < 4; ++m) {
    const __m512 even_lo = _mm512_shuffle_f32x4(u[m], u[4 + m], 0x88);
    const __m512 odd_lo = _mm512_shuffle_f32x4(u[m], u[4 + m], 0xDD);
    const __m512 even_hi = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0x88);
    const __m512 odd_hi = _mm512_shuffle_f32x4(u[8 + m], u[12 + m], 0xDD);
    r[m] = _mm512_shuffle_f32x4(even_lo, even_hi, 0x88);
    r[4 + m] = _mm512_shuffle_f32x4(odd_lo, odd_hi, 0x88);
    r[8 + m] = _mm512_shuffle_f32x4(even_lo, even_hi, 0xDD);
    r[12 + m] = _mm512_shuffle_f32x4(odd_lo, odd_hi, 0xDD);
  }
}

}  // namespace
#endif

}  // namespace HWY_NAMESPACE
}  // namespace anvil::cpu
HWY_AFTER_NAMESPACE();

#endif  // ANVIL_CPU_SIMD_TRANSPOSE_INL_H_
