// split_rope_kv_write (fused): from the fused QKV projection [T, (H + 2*Hkv) * head_dim]:
//   q = rope(qk_norm?(q)) -> output [T, H, head_dim]
//   k = rope(qk_norm?(k)) -> written into the K cache at rows P..P+T-1
//   v                     -> written into the V cache
// Replaces split -> reshape -> [rms_norm per head] -> rope -> kv_cache_write.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "graph/attributes.h"
#include "ops/rope/rope.h"

namespace anvil {

struct SplitRopeKvWriteAttrs {
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  float norm_eps = 1e-6f;  // for the optional per-head QK-norm
  RopeAttrs rope;
  static absl::StatusOr<SplitRopeKvWriteAttrs> From(const Attributes& attrs);
};

}  // namespace anvil
