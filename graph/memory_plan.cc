#include "graph/memory_plan.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "base/checked_math.h"
#include "base/status.h"

namespace anvil {
namespace {

struct Buffer {
  ValueId root;
  int64_t bytes;
  int first;  // step index where it is written (-1: before the first node)
  int last;   // last step index that reads it
  int64_t offset = -1;
};

}  // namespace

absl::StatusOr<MemoryPlan> PlanMemory(const Graph& graph, const OpRegistry& registry,
                                      const SymbolBindings& bindings, const MemoryPlanOptions& options) {
  MemoryPlan plan;
  plan.values.resize(graph.value_capacity());
  auto value_bytes = [&](ValueId id) -> absl::StatusOr<int64_t> {
    const Value& v = graph.value(id);
    ANVIL_ASSIGN_OR_RETURN(std::vector<int64_t> dims, BindShape(v.type.shape, bindings),
                           absl::StrCat("value '", v.name, "'"));
    ANVIL_ASSIGN_OR_RETURN(uint64_t bytes, TensorBytes(v.type.dtype, dims.data(), static_cast<int>(dims.size())),
                           absl::StrCat("value '", v.name, "'"));
    return static_cast<int64_t>(bytes);
  };

  std::vector<Buffer> buffers;
  std::vector<int> buffer_of(graph.value_capacity(), -1);
  auto new_buffer = [&](ValueId id, int first) -> absl::Status {
    ANVIL_ASSIGN_OR_RETURN(int64_t bytes, value_bytes(id));
    buffer_of[id] = static_cast<int>(buffers.size());
    buffers.push_back({id, bytes, first, first});
    plan.values[id] = {StorageKind::kArena, id, 0, bytes};
    return absl::OkStatus();
  };

  for (ValueId id = 0; id < graph.value_capacity(); ++id) {
    const Value& v = graph.value(id);
    if (!v.alive) continue;
    if (v.kind == ValueKind::kInitializer) plan.values[id] = {StorageKind::kInitializer, id, 0, static_cast<int64_t>(v.data.size())};
    if (v.kind == ValueKind::kState) {
      ANVIL_ASSIGN_OR_RETURN(int64_t bytes, value_bytes(id));
      plan.values[id] = {StorageKind::kState, id, 0, bytes};
    }
  }
  for (ValueId id : graph.inputs()) ANVIL_RETURN_IF_ERROR(new_buffer(id, -1));

  const std::vector<NodeId>& order = graph.order();
  for (int step = 0; step < static_cast<int>(order.size()); ++step) {
    const Node& node = graph.node(order[step]);
    const OpDef* def = registry.Find(node.op);
    if (def == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown op '", node.op, "'"));
    for (ValueId in : node.inputs) {
      if (in == kNoValue) continue;
      const ValueId root = plan.values[in].root;
      if (root != kNoValue && buffer_of[root] >= 0) buffers[buffer_of[root]].last = step;
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const ValueId out = node.outputs[i];
      const int alias = def->OutputAlias(static_cast<int>(i));
      ValueId share = kNoValue;
      if (alias >= 0) share = node.inputs[alias];
      if (def->is_view) share = node.inputs[0];
      if (share != kNoValue) {
        ANVIL_ASSIGN_OR_RETURN(int64_t bytes, value_bytes(out));
        ValueStorage s = plan.values[share];
        s.bytes = bytes;
        plan.values[out] = s;
        continue;
      }
      ANVIL_RETURN_IF_ERROR(new_buffer(out, step));
    }
  }
  const int end = static_cast<int>(order.size());
  for (ValueId out : graph.outputs()) {
    const ValueId root = plan.values[out].root;
    if (root != kNoValue && buffer_of[root] >= 0) buffers[buffer_of[root]].last = end;
  }

  // Greedy by size (largest first): place each buffer at the lowest aligned offset that does not
  // overlap a placed buffer alive at the same time.
  std::vector<int> by_size(buffers.size());
  for (size_t i = 0; i < buffers.size(); ++i) by_size[i] = static_cast<int>(i);
  std::stable_sort(by_size.begin(), by_size.end(), [&](int a, int b) { return buffers[a].bytes > buffers[b].bytes; });
  std::vector<int> placed;
  int64_t arena = 0;
  for (int b : by_size) {
    Buffer& buf = buffers[b];
    const int64_t size = *CheckedAlignUp(static_cast<uint64_t>(std::max<int64_t>(buf.bytes, 1)), options.alignment);
    int64_t offset = 0;
    if (!options.reuse) {
      offset = arena;
    } else {
      std::vector<std::pair<int64_t, int64_t>> busy;
      for (int p : placed) {
        const Buffer& other = buffers[p];
        const bool overlap = !(other.last < buf.first || buf.last < other.first);
        if (overlap) busy.push_back({other.offset, other.offset + *CheckedAlignUp(std::max<int64_t>(other.bytes, 1), options.alignment)});
      }
      std::sort(busy.begin(), busy.end());
      for (const auto& [lo, hi] : busy) {
        if (offset + size <= lo) break;
        offset = std::max(offset, hi);
      }
    }
    buf.offset = offset;
    arena = std::max(arena, offset + size);
    placed.push_back(b);
  }
  for (ValueId id = 0; id < graph.value_capacity(); ++id) {
    ValueStorage& s = plan.values[id];
    if (s.kind == StorageKind::kArena) s.offset = buffers[buffer_of[s.root]].offset;
  }
  plan.arena_bytes = arena;
  return plan;
}

}  // namespace anvil
