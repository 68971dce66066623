#include "executors/host_state_store.h"

#include "base/status.h"

namespace anvil {

absl::StatusOr<std::unique_ptr<HostStateStore>> HostStateStore::Create(const Graph& graph, int64_t capacity) {
  std::unique_ptr<HostStateStore> store(new HostStateStore(capacity));
  const SymbolBindings bindings = {{kCapacitySymbol, capacity}};
  for (ValueId id : graph.states()) {
    const Value& v = graph.value(id);
    ANVIL_ASSIGN_OR_RETURN(std::vector<int64_t> dims, BindShape(v.type.shape, bindings),
                           absl::StrCat("state '", v.name, "'"));
    ANVIL_ASSIGN_OR_RETURN(uint64_t bytes, TensorBytes(v.type.dtype, dims.data(), static_cast<int>(dims.size())),
                           absl::StrCat("state '", v.name, "'"));
    AlignedBuffer buffer(bytes);
    if (!buffer.ok()) {
      return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", bytes, " bytes for state '", v.name,
                                                       "' (capacity ", capacity, " tokens)"));
    }
    store->buffers_.emplace(id, std::move(buffer));
  }
  return store;
}

absl::StatusOr<AlignedBuffer*> HostStateStore::Find(ValueId state, size_t bytes) {
  auto it = buffers_.find(state);
  if (it == buffers_.end()) return absl::NotFoundError(absl::StrCat("no state with id ", state));
  if (it->second.size() != bytes) {
    return absl::InvalidArgumentError(absl::StrCat("state holds ", it->second.size(), " bytes, not ", bytes));
  }
  return &it->second;
}

absl::Status HostStateStore::ReadState(ValueId state, void* data, size_t bytes) {
  ANVIL_ASSIGN_OR_RETURN(AlignedBuffer * buffer, Find(state, bytes));
  std::memcpy(data, buffer->data(), bytes);
  return absl::OkStatus();
}

absl::Status HostStateStore::WriteState(ValueId state, const void* data, size_t bytes) {
  ANVIL_ASSIGN_OR_RETURN(AlignedBuffer * buffer, Find(state, bytes));
  std::memcpy(buffer->data(), data, bytes);
  return absl::OkStatus();
}

uint8_t* HostStateStore::data(ValueId state) {
  auto it = buffers_.find(state);
  return it == buffers_.end() ? nullptr : it->second.data();
}

}  // namespace anvil
