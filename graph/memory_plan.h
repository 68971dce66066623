// Activation memory planning: every intermediate value of a specialized graph (T and C bound)
// gets a byte offset in one arena. Buffers whose lifetimes do not overlap share memory.
//
// Values that need no arena memory: initializers (weights, used in place), states (owned by the
// session), views (reshape: the input's buffer) and outputs that alias an input (kv_cache_write:
// the state it writes). Graph outputs stay live to the end of the step.
#pragma once

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/op_def.h"

namespace anvil {

enum class StorageKind { kNone, kArena, kInitializer, kState };

struct ValueStorage {
  StorageKind kind = StorageKind::kNone;
  ValueId root = kNoValue;  // the value whose buffer this one uses (itself unless a view or alias)
  int64_t offset = 0;       // arena offset of the root buffer (kArena)
  int64_t bytes = 0;        // bytes of this value
};

struct MemoryPlanOptions {
  bool reuse = true;      // false: every buffer gets its own memory (the baseline for reports)
  bool in_place = false;  // an op may write its output over an input that dies there (OpDef::in_place)
  int64_t alignment = 64;
};

struct MemoryPlan {
  std::vector<ValueStorage> values;  // indexed by ValueId
  int64_t arena_bytes = 0;           // peak activation memory
};

absl::StatusOr<MemoryPlan> PlanMemory(const Graph& graph, const OpRegistry& registry,
                                      const SymbolBindings& bindings,
                                      const MemoryPlanOptions& options = {});

}  // namespace anvil
