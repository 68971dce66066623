#include "graph/memory_plan.h"

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "base/checked_math.h"
#include "base/status.h"

namespace anvil {
namespace {

// No value, and no arena, is planned beyond this (256 TiB): far above any machine, far below
// int64 overflow when offsets and sizes are added.
constexpr uint64_t kMaxPlannedBytes = uint64_t{1} << 48;

// One arena buffer: a root value and everything that shares its bytes (views, in-place outputs).
struct Buffer {
  int64_t bytes = 0;
  int first = 0;  // step that writes it (-1: a graph input, written before the first node)
  int last = 0;   // last step that reads it (steps + 1: a graph output, read after the step)
  int64_t offset = 0;
  bool merged = false;  // folded into another buffer by an in-place write
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
    if (bytes > kMaxPlannedBytes) {
      return absl::ResourceExhaustedError(absl::StrCat("value '", v.name, "' needs ", bytes, " bytes"));
    }
    return static_cast<int64_t>(bytes);
  };

  // 1. Storage and root of every value; arena buffers for inputs and node outputs.
  std::vector<Buffer> buffers;
  std::vector<int> buffer_of(graph.value_capacity(), -1);  // arena roots only
  auto new_buffer = [&](ValueId id, int first) -> absl::Status {
    ANVIL_ASSIGN_OR_RETURN(int64_t bytes, value_bytes(id));
    buffer_of[id] = static_cast<int>(buffers.size());
    buffers.push_back({bytes, first, first});
    plan.values[id] = {StorageKind::kArena, id, 0, bytes};
    return absl::OkStatus();
  };
  for (ValueId id = 0; id < graph.value_capacity(); ++id) {
    const Value& v = graph.value(id);
    if (!v.alive) continue;
    if (v.kind == ValueKind::kInitializer) {
      plan.values[id] = {StorageKind::kInitializer, id, 0, static_cast<int64_t>(v.data.size())};
    } else if (v.kind == ValueKind::kState) {
      ANVIL_ASSIGN_OR_RETURN(int64_t bytes, value_bytes(id));
      plan.values[id] = {StorageKind::kState, id, 0, bytes};
    }
  }
  for (ValueId id : graph.inputs()) ANVIL_RETURN_IF_ERROR(new_buffer(id, -1));
  const std::vector<NodeId>& order = graph.order();
  const int steps = static_cast<int>(order.size());
  std::vector<const OpDef*> defs(steps);
  for (int step = 0; step < steps; ++step) {
    const Node& node = graph.node(order[step]);
    defs[step] = registry.Find(node.op);
    if (defs[step] == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown op '", node.op, "'"));
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      const ValueId out = node.outputs[i];
      ValueId share = kNoValue;
      if (const int alias = defs[step]->OutputAlias(static_cast<int>(i)); alias >= 0) share = node.inputs[alias];
      if (defs[step]->is_view) share = node.inputs[0];
      if (share == kNoValue) {
        ANVIL_RETURN_IF_ERROR(new_buffer(out, step));
        continue;
      }
      ANVIL_ASSIGN_OR_RETURN(int64_t bytes, value_bytes(out));
      plan.values[out] = plan.values[share];
      plan.values[out].bytes = bytes;
    }
  }

  // 2. Lifetimes: the last step reading any value of a buffer.
  auto buffer_index = [&](ValueId id) {
    const ValueId root = plan.values[id].root;
    return root == kNoValue ? -1 : buffer_of[root];
  };
  for (int step = 0; step < steps; ++step) {
    for (ValueId in : graph.node(order[step]).inputs) {
      if (in == kNoValue) continue;
      if (const int b = buffer_index(in); b >= 0) buffers[b].last = std::max(buffers[b].last, step);
    }
  }
  for (ValueId out : graph.outputs()) {
    if (const int b = buffer_index(out); b >= 0) buffers[b].last = steps + 1;
  }

  // 3. In-place: an output takes over the buffer of an input whose last reader is this node.
  std::vector<int> target(buffers.size());
  std::iota(target.begin(), target.end(), 0);
  if (options.in_place) {
    for (int step = 0; step < steps; ++step) {
      const Node& node = graph.node(order[step]);
      for (size_t i = 0; i < node.outputs.size(); ++i) {
        const int j = defs[step]->InPlaceInput(static_cast<int>(i));
        if (j < 0 || j >= static_cast<int>(node.inputs.size()) || node.inputs[j] == kNoValue) continue;
        const int from = buffer_index(node.inputs[j]);
        const int out = buffer_of[node.outputs[i]];
        if (from < 0 || out < 0) continue;
        const int into = target[from];
        Buffer& dest = buffers[into];
        if (dest.last != step || dest.bytes != buffers[out].bytes || dest.first < 0) continue;
        dest.last = buffers[out].last;  // the shared bytes now live as long as the output
        buffers[out].merged = true;
        target[out] = into;
      }
    }
  }

  // 4. Greedy by size (largest first): each buffer at the lowest aligned offset that does not
  //    overlap a placed buffer alive at the same time.
  auto padded = [&](int64_t bytes) {
    return static_cast<int64_t>(*CheckedAlignUp(static_cast<uint64_t>(std::max<int64_t>(bytes, 1)), options.alignment));
  };
  std::vector<int> by_size;
  for (size_t i = 0; i < buffers.size(); ++i) {
    if (!buffers[i].merged) by_size.push_back(static_cast<int>(i));
  }
  std::stable_sort(by_size.begin(), by_size.end(), [&](int a, int b) { return buffers[a].bytes > buffers[b].bytes; });
  std::vector<int> placed;
  int64_t arena = 0;
  for (int b : by_size) {
    Buffer& buf = buffers[b];
    const int64_t size = padded(buf.bytes);
    int64_t offset = 0;
    if (!options.reuse) {
      offset = arena;
    } else {
      std::vector<std::pair<int64_t, int64_t>> busy;
      for (int p : placed) {
        const Buffer& other = buffers[p];
        if (!(other.last < buf.first || buf.last < other.first)) busy.push_back({other.offset, other.offset + padded(other.bytes)});
      }
      std::sort(busy.begin(), busy.end());
      for (const auto& [lo, hi] : busy) {
        if (offset + size <= lo) break;
        offset = std::max(offset, hi);
      }
    }
    // Each size is at most kMaxPlannedBytes, so offsets stay far from int64 overflow.
    if (static_cast<uint64_t>(offset + size) > kMaxPlannedBytes) {
      return absl::ResourceExhaustedError(absl::StrCat("the activations need more than ", kMaxPlannedBytes,
                                                       " bytes at once"));
    }
    buf.offset = offset;
    arena = std::max(arena, offset + size);
    placed.push_back(b);
  }
  for (ValueId id = 0; id < graph.value_capacity(); ++id) {
    if (plan.values[id].kind != StorageKind::kArena) continue;
    plan.values[id].offset = buffers[target[buffer_index(id)]].offset;
  }
  plan.arena_bytes = arena;
  return plan;
}

}  // namespace anvil
