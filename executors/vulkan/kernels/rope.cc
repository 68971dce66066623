// rope (rope.comp), kv_cache_write (kv_cache_write.comp) and split_rope_kv_write
// (split_rope_kv_write.comp). Positions come from the step-state buffer; angles from the plan's
// host-computed (cos, sin) table.
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "executors/vulkan/kernels/kernels.h"
#include "ops/rope/split_rope_kv_write.h"

namespace anvil::vk {
namespace {

constexpr int64_t kMaxHeadDim = 512;  // split_rope_kv_write.comp's shared head buffer

struct RopePush {
  uint32_t tokens, heads, head_dim, half, layout;
};
static_assert(sizeof(RopePush) == 20);

struct CacheWritePush {
  uint32_t tokens, kv_heads, head_dim, capacity;
};
static_assert(sizeof(CacheWritePush) == 16);

struct SplitRopePush {
  uint32_t tokens, heads, kv_heads, head_dim, half, layout, capacity;
  float eps;
};
static_assert(sizeof(SplitRopePush) == 32);

uint32_t LayoutCode(RopeLayout layout) { return layout == RopeLayout::kInterleaved ? 0 : 1; }

}  // namespace

absl::StatusOr<std::vector<DispatchSpec>> BindRope(BindContext& ctx) {
  ANVIL_ASSIGN_OR_RETURN(RopeAttrs attrs, RopeAttrs::From(ctx.node.attrs));
  const Tensor &x = ctx.inputs[0], &y = ctx.outputs[0];
  const int64_t head_dim = x.dims[2];
  ANVIL_ASSIGN_OR_RETURN(Region table, ctx.rope_table(attrs, head_dim));
  DispatchSpec d;
  d.shader = "rope";
  d.spec = {kWorkgroup};
  d.push = PushBytes(RopePush{static_cast<uint32_t>(x.dims[0]), static_cast<uint32_t>(x.dims[1]),
                              static_cast<uint32_t>(head_dim), static_cast<uint32_t>(attrs.RotaryDim(head_dim) / 2),
                              LayoutCode(attrs.layout)});
  d.bindings = {x.region, y.region, table, ctx.step};
  d.writes = {false, true, false, false};
  d.groups[0] = Groups(x.num_elements(), kWorkgroup, ctx.device);
  return std::vector<DispatchSpec>{d};
}

absl::StatusOr<std::vector<DispatchSpec>> BindKvCacheWrite(BindContext& ctx) {
  const Tensor &x = ctx.inputs[0], &cache = ctx.outputs[0];
  DispatchSpec d;
  d.shader = "kv_cache_write";
  d.spec = {kWorkgroup};
  d.push = PushBytes(CacheWritePush{static_cast<uint32_t>(x.dims[0]), static_cast<uint32_t>(x.dims[1]),
                                    static_cast<uint32_t>(x.dims[2]), static_cast<uint32_t>(cache.dims[1])});
  d.bindings = {x.region, cache.region, ctx.step};
  d.writes = {false, true, false};
  d.groups[0] = Groups(x.num_elements(), kWorkgroup, ctx.device);
  return std::vector<DispatchSpec>{d};
}

absl::StatusOr<std::vector<DispatchSpec>> BindSplitRopeKvWrite(BindContext& ctx) {
  ANVIL_ASSIGN_OR_RETURN(SplitRopeKvWriteAttrs a, SplitRopeKvWriteAttrs::From(ctx.node.attrs));
  if (a.head_dim > kMaxHeadDim) {
    return absl::UnimplementedError(absl::StrCat("head_dim ", a.head_dim, " exceeds the Vulkan limit of ", kMaxHeadDim));
  }
  const Tensor &qkv = ctx.inputs[0], &q = ctx.outputs[0], &k_cache = ctx.outputs[1], &v_cache = ctx.outputs[2];
  const bool norm = ctx.inputs.size() > 3 && ctx.inputs[3].present();
  ANVIL_ASSIGN_OR_RETURN(Region table, ctx.rope_table(a.rope, a.head_dim));
  const int64_t tokens = qkv.dims[0];
  DispatchSpec d;
  d.shader = "split_rope_kv_write";
  d.spec = {kWorkgroup, norm ? 1u : 0u};
  d.push = PushBytes(SplitRopePush{static_cast<uint32_t>(tokens), static_cast<uint32_t>(a.num_heads),
                                   static_cast<uint32_t>(a.num_kv_heads), static_cast<uint32_t>(a.head_dim),
                                   static_cast<uint32_t>(a.rope.RotaryDim(a.head_dim) / 2), LayoutCode(a.rope.layout),
                                   static_cast<uint32_t>(k_cache.dims[1]), a.norm_eps});
  d.bindings = {qkv.region,
                k_cache.region,
                v_cache.region,
                norm ? ctx.inputs[3].region : ctx.dummy,
                norm ? ctx.inputs[4].region : ctx.dummy,
                q.region,
                table,
                ctx.step};
  d.writes = {false, true, true, false, false, true, false, false};
  d.groups[0] = Groups(tokens * (a.num_heads + 2 * a.num_kv_heads), 1, ctx.device);
  return std::vector<DispatchSpec>{d};
}

}  // namespace anvil::vk
