// kv_cache_write: copies x [T, Hkv, hd] into the cache state [Hkv, C, hd] at rows P..P+T-1.
#include "base/status.h"
#include "executors/cpu/kernel.h"
#include "ops/kv_cache/kv_cache_write.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindKvCacheWrite(const BindContext& ctx) {
  const CpuTensor x = ctx.inputs[0], cache = ctx.outputs[0];
  const int64_t tokens = x.dims[0], kv_heads = x.dims[1], head_dim = x.dims[2], capacity = cache.dims[1];
  return CpuKernel([=](const StepState& step) -> absl::Status {
    ANVIL_RETURN_IF_ERROR(CheckKvCapacity(step.position, tokens, capacity));
    KvCacheWriteReference(x.f32(), tokens, kv_heads, head_dim, capacity, step.position, cache.f32());
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
