// add, mul (binary.comp), silu (silu.comp), swiglu (swiglu.comp): grid-stride elementwise kernels.
#include "base/status.h"
#include "executors/vulkan/kernels/kernels.h"

namespace anvil::vk {
namespace {

struct BinaryPush {
  uint32_t n, period;
};
static_assert(sizeof(BinaryPush) == 8);

struct CountPush {
  uint32_t n;
};
static_assert(sizeof(CountPush) == 4);

absl::StatusOr<std::vector<DispatchSpec>> Binary(BindContext& ctx, uint32_t op) {
  const Tensor &a = ctx.inputs[0], &b = ctx.inputs[1], &y = ctx.outputs[0];
  DispatchSpec d;
  d.shader = "binary";
  d.spec = {kWorkgroup, op};
  d.push = PushBytes(BinaryPush{static_cast<uint32_t>(y.num_elements()), static_cast<uint32_t>(b.num_elements())});
  d.bindings = {a.region, b.region, y.region};
  d.writes = {false, false, true};
  d.groups[0] = Groups(y.num_elements(), kWorkgroup, ctx.device);
  return std::vector<DispatchSpec>{d};
}

}  // namespace

absl::StatusOr<std::vector<DispatchSpec>> BindAdd(BindContext& ctx) { return Binary(ctx, 0); }
absl::StatusOr<std::vector<DispatchSpec>> BindMul(BindContext& ctx) { return Binary(ctx, 1); }

absl::StatusOr<std::vector<DispatchSpec>> BindSilu(BindContext& ctx) {
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
  DispatchSpec d;
  d.shader = "silu";
  d.spec = {kWorkgroup};
  d.push = PushBytes(CountPush{static_cast<uint32_t>(y.num_elements())});
  d.bindings = {x.region, y.region};
  d.writes = {false, true};
  d.groups[0] = Groups(y.num_elements(), kWorkgroup, ctx.device);
  return std::vector<DispatchSpec>{d};
}

absl::StatusOr<std::vector<DispatchSpec>> BindSwiglu(BindContext& ctx) {
  const Tensor &gate = ctx.inputs[0], &up = ctx.inputs[1], &y = ctx.outputs[0];
  DispatchSpec d;
  d.shader = "swiglu";
  d.spec = {kWorkgroup};
  d.push = PushBytes(CountPush{static_cast<uint32_t>(y.num_elements())});
  d.bindings = {gate.region, up.region, y.region};
  d.writes = {false, false, true};
  d.groups[0] = Groups(y.num_elements(), kWorkgroup, ctx.device);
  return std::vector<DispatchSpec>{d};
}

}  // namespace anvil::vk
