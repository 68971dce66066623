// The op registry of opset 1.
#pragma once

#include "graph/op_def.h"

namespace anvil {

inline constexpr int kOpsetVersion = 1;

// Registers every op of opset 1 into `registry`.
absl::Status RegisterAllOps(OpRegistry& registry);

// A process-wide registry with every op registered (built once, thread-safe, read-only).
const OpRegistry& Ops();

}  // namespace anvil
