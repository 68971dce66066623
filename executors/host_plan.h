// What plans of host-memory executors (CPU, reference) share: one activation arena laid out by
// the memory planner, the address and concrete dims of every value, graph inputs copied into the
// arena, outputs read from it.
#pragma once

#include <vector>

#include "base/aligned_buffer.h"
#include "executors/executor.h"
#include "executors/host_state_store.h"
#include "graph/op_def.h"

namespace anvil {

class HostPlan : public Plan {
 public:
  struct Binding {
    DType dtype = DType::kF32;
    std::vector<int64_t> dims;
    uint8_t* data = nullptr;  // null: absent or not stored (removed values)
  };

  absl::Status SetInput(int index, const void* data, size_t bytes) override;
  absl::StatusOr<HostView> Output(int index) override;
  const Specialization& specialization() const override { return spec_; }
  int64_t arena_bytes() const override { return static_cast<int64_t>(arena_.size()); }

 protected:
  // Plans the arena and binds every value of `graph` (weights in place, states in `states`).
  absl::Status Layout(const Graph& graph, const OpRegistry& registry, const Specialization& spec,
                      HostStateStore& states);
  const Binding& binding(ValueId id) const { return bindings_[id]; }

 private:
  Specialization spec_;
  AlignedBuffer arena_;
  std::vector<Binding> bindings_;
  std::vector<ValueId> inputs_, outputs_;
};

}  // namespace anvil
