// States kept in host memory (CPU and reference executors): one aligned buffer per state.
#pragma once

#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "base/aligned_buffer.h"
#include "executors/executor.h"

namespace anvil {

class HostStateStore : public StateStore {
 public:
  // Allocates every state of `graph` with the capacity symbol bound to `capacity`.
  static absl::StatusOr<std::unique_ptr<HostStateStore>> Create(const Graph& graph, int64_t capacity);

  int64_t capacity() const override { return capacity_; }
  absl::Status ReadState(ValueId state, void* data, size_t bytes) override;
  absl::Status WriteState(ValueId state, const void* data, size_t bytes) override;
  // The buffer of `state` (null if the graph has no such state).
  uint8_t* data(ValueId state);

 private:
  explicit HostStateStore(int64_t capacity) : capacity_(capacity) {}
  absl::StatusOr<AlignedBuffer*> Find(ValueId state, size_t bytes);

  int64_t capacity_;
  std::map<ValueId, AlignedBuffer> buffers_;
};

}  // namespace anvil
