#include "executors/host_plan.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "graph/memory_plan.h"

namespace anvil {

absl::Status HostPlan::Layout(const Graph& graph, const OpRegistry& registry, const Specialization& spec,
                              HostStateStore& states) {
  if (states.capacity() != spec.capacity) {
    return absl::InvalidArgumentError(absl::StrCat("plan capacity ", spec.capacity, " differs from the session's ",
                                                   states.capacity()));
  }
  spec_ = spec;
  const SymbolBindings symbols = {{kTokensSymbol, spec.tokens}, {kCapacitySymbol, spec.capacity}};
  MemoryPlanOptions options;
  options.in_place = graph.memory_in_place;
  ANVIL_ASSIGN_OR_RETURN(MemoryPlan memory, PlanMemory(graph, registry, symbols, options));
  arena_ = AlignedBuffer(memory.arena_bytes);
  if (!arena_.ok()) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate a ", memory.arena_bytes, "-byte activation arena"));
  }
  bindings_.assign(graph.value_capacity(), Binding{});
  for (ValueId id = 0; id < graph.value_capacity(); ++id) {
    const Value& v = graph.value(id);
    const ValueStorage& s = memory.values[id];
    if (!v.alive || s.kind == StorageKind::kNone) continue;
    Binding& b = bindings_[id];
    b.dtype = v.type.dtype;
    ANVIL_ASSIGN_OR_RETURN(b.dims, BindShape(v.type.shape, symbols), absl::StrCat("value '", v.name, "'"));
    switch (s.kind) {
      case StorageKind::kArena: b.data = arena_.data() + s.offset; break;
      // Weights are read-only; kernels never write their inputs.
      case StorageKind::kInitializer: b.data = const_cast<uint8_t*>(graph.value(s.root).data.data()); break;
      case StorageKind::kState: b.data = states.data(s.root); break;
      case StorageKind::kNone: break;
    }
  }
  inputs_ = graph.inputs();
  outputs_ = graph.outputs();
  return absl::OkStatus();
}

absl::Status HostPlan::SetInput(int index, const void* data, size_t bytes) {
  if (index < 0 || index >= static_cast<int>(inputs_.size())) {
    return absl::OutOfRangeError(absl::StrCat("the graph has no input ", index));
  }
  const Binding& b = bindings_[inputs_[index]];
  auto expected = TensorBytes(b.dtype, b.dims.data(), static_cast<int>(b.dims.size()));
  if (!expected.ok() || *expected != bytes) {
    return absl::InvalidArgumentError(absl::StrCat("input ", index, " takes ", expected.ok() ? *expected : 0,
                                                   " bytes (", DTypeName(b.dtype), DimsString(b.dims), "), got ", bytes));
  }
  std::memcpy(b.data, data, bytes);
  return absl::OkStatus();
}

absl::StatusOr<HostView> HostPlan::Output(int index) {
  if (index < 0 || index >= static_cast<int>(outputs_.size())) {
    return absl::OutOfRangeError(absl::StrCat("the graph has no output ", index));
  }
  const Binding& b = bindings_[outputs_[index]];
  return HostView{b.dtype, b.dims, b.data};
}

}  // namespace anvil
