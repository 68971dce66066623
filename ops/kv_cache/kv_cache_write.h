// Shared pieces of kv_cache_write (also used by the fused split_rope_kv_write).
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "graph/op_def.h"

namespace anvil {

// OK if positions position..position+tokens-1 fit a cache of `capacity` rows.
absl::Status CheckKvCapacity(int64_t position, int64_t tokens, int64_t capacity);

// cache[h, position + t, :] = x[t, h, :] for a cache laid out [kv_heads, capacity, head_dim].
void KvCacheWriteReference(const float* x, int64_t tokens, int64_t kv_heads, int64_t head_dim,
                           int64_t capacity, int64_t position, float* cache);

// Inference check: input `cache` is a state of shape [kv_heads, C, head_dim].
absl::Status CheckCacheMatches(const InferContext& ctx, int cache, const Dim& kv_heads, const Dim& head_dim);

}  // namespace anvil
