#include "graph/model_stats.h"

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "graph/memory_plan.h"

namespace anvil {

int64_t DefaultContext(const Model& model) {
  return model.config.max_context > 0 ? model.config.max_context : 2048;
}

absl::StatusOr<OpCost> ComputeStepCost(const Model& model, const OpRegistry& registry, int64_t tokens,
                                       int64_t position, int64_t capacity) {
  const Graph& g = model.graph;
  const SymbolBindings bindings = {{kTokensSymbol, tokens}, {kCapacitySymbol, capacity}};
  OpCost total;
  for (NodeId n : g.order()) {
    const Node& node = g.node(n);
    const OpDef* def = registry.Find(node.op);
    if (def == nullptr || !def->cost) continue;
    std::vector<std::vector<int64_t>> in_dims, out_dims;
    std::vector<DType> in_dtypes;
    std::vector<bool> is_weight;
    for (ValueId in : node.inputs) {
      if (in == kNoValue) {
        in_dims.emplace_back();
        in_dtypes.push_back(DType::kF32);
        is_weight.push_back(false);
        continue;
      }
      ANVIL_ASSIGN_OR_RETURN(auto dims, BindShape(g.value(in).type.shape, bindings), absl::StrCat("node '", node.name, "'"));
      in_dims.push_back(std::move(dims));
      in_dtypes.push_back(g.value(in).type.dtype);
      is_weight.push_back(g.value(in).kind == ValueKind::kInitializer);
    }
    for (ValueId out : node.outputs) {
      ANVIL_ASSIGN_OR_RETURN(auto dims, BindShape(g.value(out).type.shape, bindings), absl::StrCat("node '", node.name, "'"));
      out_dims.push_back(std::move(dims));
    }
    const OpCost c = def->cost(CostContext{node, in_dims, in_dtypes, is_weight, out_dims, position});
    total.flops += c.flops;
    total.weight_bytes += c.weight_bytes;
  }
  return total;
}

absl::StatusOr<ModelStats> ComputeModelStats(const Model& model, const OpRegistry& registry,
                                             int64_t context) {
  const Graph& g = model.graph;
  ModelStats stats;
  stats.context = context;
  stats.nodes = static_cast<int64_t>(g.num_nodes());
  for (ValueId id : g.initializers()) {
    const Value& v = g.value(id);
    int64_t count = 1;
    for (const Dim& d : v.type.shape) count *= d.size;
    DTypeTotals& t = stats.weights_by_dtype[v.type.dtype];
    ++t.tensors;
    t.params += count;
    t.bytes += v.data.size();
    stats.params += count;
    stats.weight_bytes += v.data.size();
  }
  const SymbolBindings bindings = {{kTokensSymbol, 1}, {kCapacitySymbol, context}};
  for (ValueId id : g.states()) {
    const Value& v = g.value(id);
    // Bytes per cached token: every dim but the capacity axis.
    uint64_t per_token = BlockBytes(v.type.dtype);
    bool has_capacity = false;
    for (const Dim& d : v.type.shape) {
      if (d.is_symbolic() && d.symbol == kCapacitySymbol) {
        has_capacity = true;
      } else if (!d.is_symbolic()) {
        per_token *= d.size;
      }
    }
    if (has_capacity) stats.kv_bytes_per_token += per_token;
  }
  stats.kv_bytes_at_context = stats.kv_bytes_per_token * context;
  for (NodeId n : g.order()) {
    const Node& node = g.node(n);
    ++stats.op_histogram[node.op];
    const OpDef* def = registry.Find(node.op);
    if (def != nullptr && !def->is_view) ++stats.dispatches;
  }
  ANVIL_ASSIGN_OR_RETURN(OpCost first, ComputeStepCost(model, registry, 1, 0, context));
  ANVIL_ASSIGN_OR_RETURN(OpCost last, ComputeStepCost(model, registry, 1, context - 1, context));
  stats.flops_per_token_first = first.flops;
  stats.flops_per_token_last = last.flops;
  stats.weight_bytes_per_token = first.weight_bytes;
  MemoryPlanOptions planned;
  planned.in_place = g.memory_in_place;
  ANVIL_ASSIGN_OR_RETURN(MemoryPlan plan, PlanMemory(g, registry, bindings, planned));
  stats.activation_bytes = plan.arena_bytes;
  MemoryPlanOptions separate;
  separate.reuse = false;
  ANVIL_ASSIGN_OR_RETURN(MemoryPlan naive, PlanMemory(g, registry, bindings, separate));
  stats.activation_bytes_no_reuse = naive.arena_bytes;
  return stats;
}

}  // namespace anvil
