// rms_norm (rms_norm.comp) and add_rms_norm (add_rms_norm.comp): one workgroup per row.
#include "base/status.h"
#include "executors/vulkan/kernels/kernels.h"
#include "ops/norm/rms_norm.h"

namespace anvil::vk {
namespace {

struct NormPush {
  uint32_t rows, dim;
  float eps;
};
static_assert(sizeof(NormPush) == 12);

}  // namespace

absl::StatusOr<std::vector<DispatchSpec>> BindRmsNorm(BindContext& ctx) {
  ANVIL_ASSIGN_OR_RETURN(RmsNormAttrs attrs, RmsNormAttrs::From(ctx.node.attrs));
  const Tensor &x = ctx.inputs[0], &w = ctx.inputs[1], &y = ctx.outputs[0];
  ANVIL_RETURN_IF_ERROR(RequireF32(ctx, w, "norm weights"));
  DispatchSpec d;
  d.shader = "rms_norm";
  d.spec = {kWorkgroup};
  d.push = PushBytes(NormPush{static_cast<uint32_t>(x.rows()), static_cast<uint32_t>(x.last()), attrs.eps});
  d.bindings = {x.region, w.region, y.region};
  d.writes = {false, false, true};
  d.groups[0] = Groups(x.rows(), 1, ctx.device);
  return std::vector<DispatchSpec>{d};
}

absl::StatusOr<std::vector<DispatchSpec>> BindAddRmsNorm(BindContext& ctx) {
  ANVIL_ASSIGN_OR_RETURN(RmsNormAttrs attrs, RmsNormAttrs::From(ctx.node.attrs));
  const Tensor &a = ctx.inputs[0], &b = ctx.inputs[1], &w = ctx.inputs[2];
  const Tensor &sum = ctx.outputs[0], &y = ctx.outputs[1];
  ANVIL_RETURN_IF_ERROR(RequireF32(ctx, w, "norm weights"));
  DispatchSpec d;
  d.shader = "add_rms_norm";
  d.spec = {kWorkgroup};
  d.push = PushBytes(NormPush{static_cast<uint32_t>(a.rows()), static_cast<uint32_t>(a.last()), attrs.eps});
  d.bindings = {a.region, b.region, w.region, sum.region, y.region};
  d.writes = {false, false, false, true, true};
  d.groups[0] = Groups(a.rows(), 1, ctx.device);
  return std::vector<DispatchSpec>{d};
}

}  // namespace anvil::vk
