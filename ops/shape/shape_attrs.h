// Typed attributes of the shape ops (split, reshape).
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/attributes.h"

namespace anvil {

// split: sizes of the pieces along the last axis.
struct SplitAttrs {
  std::vector<int64_t> sizes;
  static absl::StatusOr<SplitAttrs> From(const Attributes& attrs);
};

// reshape: target dims; 0 copies the input dim at the same index, -1 (at most once) is inferred.
struct ReshapeAttrs {
  std::vector<int64_t> shape;
  static absl::StatusOr<ReshapeAttrs> From(const Attributes& attrs);
};

}  // namespace anvil
