// Silu for every Highway target of the SIMD kernels (activations.cc's Swiglu, gemm_float.cc's
// fused gate/up epilogue), included the Highway way: inside each file's HWY_TARGET_INCLUDE pass,
// with the guard toggled per target. One formula in one place, so the fused and the separate
// activation give the same bits.
#if defined(ANVIL_CPU_SIMD_SILU_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef ANVIL_CPU_SIMD_SILU_INL_H_
#undef ANVIL_CPU_SIMD_SILU_INL_H_
#else
#define ANVIL_CPU_SIMD_SILU_INL_H_
#endif

#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace anvil::cpu {
namespace HWY_NAMESPACE {
namespace {

// silu(g) = g / (1 + exp(-g)); exp's argument is capped at 88 (exp(88) ~ 1.7e38), where the
// result is already g * 6e-39.
template <class D, class V>
HWY_INLINE V Silu(D d, V g) {
  namespace hn = hwy::HWY_NAMESPACE;
  return hn::Div(g, hn::Add(hn::Set(d, 1.0f), hn::Exp(d, hn::Min(hn::Neg(g), hn::Set(d, 88.0f)))));
}

}  // namespace
}  // namespace HWY_NAMESPACE
}  // namespace anvil::cpu
HWY_AFTER_NAMESPACE();

#endif  // ANVIL_CPU_SIMD_SILU_INL_H_
