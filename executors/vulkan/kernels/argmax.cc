// argmax (argmax.comp): one workgroup per row.
#include "executors/vulkan/kernels/kernels.h"

namespace anvil::vk {
namespace {

struct ArgmaxPush {
  uint32_t rows, width;
};
static_assert(sizeof(ArgmaxPush) == 8);

}  // namespace

absl::StatusOr<std::vector<DispatchSpec>> BindArgmax(BindContext& ctx) {
  const Tensor &x = ctx.inputs[0], &ids = ctx.outputs[0];
  DispatchSpec d;
  d.shader = "argmax";
  d.spec = {kWorkgroup};
  d.push = PushBytes(ArgmaxPush{static_cast<uint32_t>(x.dims[0]), static_cast<uint32_t>(x.dims[1])});
  d.bindings = {x.region, ids.region};
  d.writes = {false, true};
  d.groups[0] = Groups(x.dims[0], 1, ctx.device);
  return std::vector<DispatchSpec>{d};
}

}  // namespace anvil::vk
