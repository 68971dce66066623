// The Vulkan kernel binders, one per op (files named by op stem), listed in registry.cc.
#pragma once

#include "executors/vulkan/kernel.h"

namespace anvil::vk {

constexpr uint32_t kWorkgroup = 64;  // invocations per workgroup for 1-D kernels (a power of two)

absl::StatusOr<std::vector<DispatchSpec>> BindAdd(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindMul(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindSilu(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindSwiglu(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindRmsNorm(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindAddRmsNorm(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindEmbedding(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindLinear(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindGateUpSwiglu(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindSplit(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindTakeLast(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindRope(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindKvCacheWrite(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindSplitRopeKvWrite(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindAttention(BindContext& ctx);
absl::StatusOr<std::vector<DispatchSpec>> BindArgmax(BindContext& ctx);

}  // namespace anvil::vk
