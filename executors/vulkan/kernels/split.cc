// split (split.comp, one dispatch per piece) and take_last (take_last.comp): copies.
#include "executors/vulkan/kernels/kernels.h"

namespace anvil::vk {
namespace {

struct SplitPush {
  uint32_t rows, width, offset, piece_width;
};
static_assert(sizeof(SplitPush) == 16);

struct TakeLastPush {
  uint32_t tokens, dim;
};
static_assert(sizeof(TakeLastPush) == 8);

}  // namespace

absl::StatusOr<std::vector<DispatchSpec>> BindSplit(BindContext& ctx) {
  const Tensor& x = ctx.inputs[0];
  std::vector<DispatchSpec> dispatches;
  int64_t offset = 0;
  for (const Tensor& piece : ctx.outputs) {
    DispatchSpec d;
    d.shader = "split";
    d.spec = {kWorkgroup};
    d.push = PushBytes(SplitPush{static_cast<uint32_t>(x.rows()), static_cast<uint32_t>(x.last()),
                                 static_cast<uint32_t>(offset), static_cast<uint32_t>(piece.last())});
    d.bindings = {x.region, piece.region};
    d.writes = {false, true};
    d.groups[0] = Groups(piece.num_elements(), kWorkgroup, ctx.device);
    dispatches.push_back(std::move(d));
    offset += piece.last();
  }
  return dispatches;
}

absl::StatusOr<std::vector<DispatchSpec>> BindTakeLast(BindContext& ctx) {
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
  DispatchSpec d;
  d.shader = "take_last";
  d.spec = {kWorkgroup};
  d.push = PushBytes(TakeLastPush{static_cast<uint32_t>(x.dims[0]), static_cast<uint32_t>(x.dims[1])});
  d.bindings = {x.region, y.region};
  d.writes = {false, true};
  d.groups[0] = Groups(x.dims[1], kWorkgroup, ctx.device);
  return std::vector<DispatchSpec>{d};
}

}  // namespace anvil::vk
