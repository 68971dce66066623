// attention: q [T, H, head_dim] against the K/V cache states [Hkv, C, head_dim], rows
// 0..P+T-1. Causal (token t sees rows <= P+t), GQA (head h reads kv head h / (H / Hkv)), scale
// 1/sqrt(head_dim) unless given, optional sliding window W (token t sees rows > P+t-W), softmax
// with max subtraction. Output [T, H * head_dim].
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "graph/attributes.h"

namespace anvil {

struct AttentionAttrs {
  double scale = 0;            // 0 = 1/sqrt(head_dim)
  int64_t sliding_window = 0;  // 0 = none
  static absl::StatusOr<AttentionAttrs> From(const Attributes& attrs);
  double ScaleFor(int64_t head_dim) const;
};

// The first cache row token t (at position `pos`) may see.
inline int64_t AttentionFirstRow(int64_t pos, int64_t sliding_window) {
  return sliding_window > 0 && pos - sliding_window + 1 > 0 ? pos - sliding_window + 1 : 0;
}

}  // namespace anvil
