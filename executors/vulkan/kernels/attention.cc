// attention (attention.comp): one workgroup per (token, head), online softmax over the cache.
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "executors/vulkan/kernels/kernels.h"
#include "ops/attention/attention.h"

namespace anvil::vk {
namespace {

constexpr int64_t kMaxHeadDim = 512;  // attention.comp: shared q and 8 output dims per invocation

struct AttentionPush {
  uint32_t tokens, heads, kv_heads, head_dim, capacity, window;
  float scale;
};
static_assert(sizeof(AttentionPush) == 28);

}  // namespace

absl::StatusOr<std::vector<DispatchSpec>> BindAttention(BindContext& ctx) {
  ANVIL_ASSIGN_OR_RETURN(AttentionAttrs attrs, AttentionAttrs::From(ctx.node.attrs));
  const Tensor &q = ctx.inputs[0], &k = ctx.inputs[1], &v = ctx.inputs[2], &y = ctx.outputs[0];
  const int64_t tokens = q.dims[0], heads = q.dims[1], head_dim = q.dims[2];
  if (head_dim > kMaxHeadDim || head_dim > 8 * static_cast<int64_t>(kWorkgroup)) {
    return absl::UnimplementedError(absl::StrCat("head_dim ", head_dim, " exceeds the Vulkan attention limit of ", kMaxHeadDim));
  }
  DispatchSpec d;
  d.shader = "attention";
  d.spec = {kWorkgroup};
  d.push = PushBytes(AttentionPush{static_cast<uint32_t>(tokens), static_cast<uint32_t>(heads),
                                   static_cast<uint32_t>(k.dims[0]), static_cast<uint32_t>(head_dim),
                                   static_cast<uint32_t>(k.dims[1]), static_cast<uint32_t>(attrs.sliding_window),
                                   static_cast<float>(attrs.ScaleFor(head_dim))});
  d.bindings = {q.region, k.region, v.region, y.region, ctx.step};
  d.writes = {false, false, false, true, false};
  d.groups[0] = Groups(tokens * heads, 1, ctx.device);
  return std::vector<DispatchSpec>{d};
}

}  // namespace anvil::vk
