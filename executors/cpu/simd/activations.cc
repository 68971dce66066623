// Swiglu (see simd.h) for every Highway target: silu(g) * u with a vector exp.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "executors/cpu/simd/activations.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
// foreach_target re-includes this file once per target; what follows is per target.
#include <cstring>

#include "executors/cpu/simd/simd.h"
#include "hwy/contrib/math/math-inl.h"
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace anvil::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// silu(g) = g / (1 + exp(-g)); exp's argument is capped at 88 (exp(88) ~ 1.7e38), where the
// result is already g * 6e-39.
void SwigluImpl(const float* gate, const float* up, int64_t n, float* out) {
  const hn::ScalableTag<float> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const auto one = hn::Set(d, 1.0f);
  const auto cap = hn::Set(d, 88.0f);
  int64_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto g = hn::LoadU(d, gate + i);
    auto y = hn::Div(g, hn::Add(one, hn::Exp(d, hn::Min(hn::Neg(g), cap))));
    if (up != nullptr) y = hn::Mul(y, hn::LoadU(d, up + i));
    hn::StoreU(y, d, out + i);
  }
  // The tail with the same vector formula, through a zero-padded copy, so an element's result does
  // not depend on where it falls in `n`: gate_up_swiglu applies this along a token's row or along
  // a row's tokens.
  if (i < n) {
    HWY_ALIGN float g_tail[HWY_MAX_BYTES / sizeof(float)] = {}, u_tail[HWY_MAX_BYTES / sizeof(float)] = {};
    const size_t rest = static_cast<size_t>(n - i);
    std::memcpy(g_tail, gate + i, rest * sizeof(float));
    if (up != nullptr) std::memcpy(u_tail, up + i, rest * sizeof(float));
    const auto g = hn::Load(d, g_tail);
    auto y = hn::Div(g, hn::Add(one, hn::Exp(d, hn::Min(hn::Neg(g), cap))));
    if (up != nullptr) y = hn::Mul(y, hn::Load(d, u_tail));
    hn::Store(y, d, g_tail);
    std::memcpy(out + i, g_tail, rest * sizeof(float));
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace anvil::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace anvil::cpu {

HWY_EXPORT(SwigluImpl);

void Swiglu(const float* gate, const float* up, int64_t n, float* out) {
  HWY_DYNAMIC_DISPATCH(SwigluImpl)(gate, up, n, out);
}

}  // namespace anvil::cpu
#endif  // HWY_ONCE
