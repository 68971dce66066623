// Every Vulkan kernel binder by op name, in one place, and shared helpers.
#include <algorithm>
#include <map>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "executors/vulkan/kernel.h"
#include "executors/vulkan/kernels/kernels.h"

namespace anvil::vk {

KernelFactory FindKernel(absl::string_view op) {
  static const std::map<std::string, KernelFactory, std::less<>> kKernels = {
      {"add", &BindAdd},
      {"mul", &BindMul},
      {"silu", &BindSilu},
      {"swiglu", &BindSwiglu},
      {"rms_norm", &BindRmsNorm},
      {"add_rms_norm", &BindAddRmsNorm},
      {"embedding", &BindEmbedding},
      {"linear", &BindLinear},
      {"gate_up_swiglu", &BindGateUpSwiglu},
      {"split", &BindSplit},
      {"take_last", &BindTakeLast},
      {"rope", &BindRope},
      {"kv_cache_write", &BindKvCacheWrite},
      {"split_rope_kv_write", &BindSplitRopeKvWrite},
      {"attention", &BindAttention},
      {"argmax", &BindArgmax},
  };
  auto it = kKernels.find(op);
  return it == kKernels.end() ? nullptr : it->second;
}

uint32_t Groups(int64_t items, int64_t per_group, const Context& device) {
  const int64_t groups = (items + per_group - 1) / std::max<int64_t>(per_group, 1);
  const int64_t cap = std::min<int64_t>(device.caps().max_workgroup_count[0], 65535);
  return static_cast<uint32_t>(std::clamp<int64_t>(groups, 1, cap));
}

absl::StatusOr<std::vector<RowBlock>> RowBlocks(const Tensor& weight, int64_t first_row, int64_t row_count,
                                                const Context& device) {
  const int64_t rows_total = weight.dims.empty() ? 1 : weight.dims[0];
  const int64_t row_bytes = static_cast<int64_t>(weight.region.size) / std::max<int64_t>(rows_total, 1);
  const int64_t limit = static_cast<int64_t>(device.binding_limit());
  const int64_t align = static_cast<int64_t>(device.binding_alignment());
  if ((first_row * row_bytes) % align != 0) {
    return absl::InvalidArgumentError(absl::StrCat("rows from ", first_row, " of ", row_bytes,
                                                   " bytes do not start at a bindable offset (alignment ", align, ")"));
  }
  // Rows per block: as many as the limit allows, a multiple of `step` so each block starts aligned.
  int64_t per_block = row_count;
  if (row_count * row_bytes > limit) {
    const int64_t step = align / std::gcd(row_bytes, align);
    per_block = limit / row_bytes / step * step;
    if (per_block == 0) {
      return absl::ResourceExhaustedError(absl::StrCat("weight rows of ", row_bytes, " bytes do not fit the device's ",
                                                       limit, "-byte binding limit in aligned blocks"));
    }
  }
  std::vector<RowBlock> blocks;
  for (int64_t r = 0; r < row_count; r += per_block) {
    const int64_t rows = std::min(per_block, row_count - r);
    Region region = weight.region;
    region.offset += static_cast<VkDeviceSize>((first_row + r) * row_bytes);
    region.size = static_cast<VkDeviceSize>(rows * row_bytes);
    blocks.push_back({r, rows, region});
  }
  return blocks;
}

absl::Status RequireF32(const BindContext& ctx, const Tensor& t, absl::string_view what) {
  if (t.dtype == DType::kF32) return absl::OkStatus();
  return absl::UnimplementedError(absl::StrCat("the Vulkan executor computes on f32 ", what, "; '", ctx.node.name,
                                               "' has ", DTypeName(t.dtype)));
}

}  // namespace anvil::vk
