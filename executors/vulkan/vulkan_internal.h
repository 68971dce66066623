// Pieces of the Vulkan executor shared by vulkan_executor.cc and vulkan_plan.cc.
#pragma once

#include <map>
#include <memory>
#include <mutex>

#include "executors/executor.h"
#include "executors/vulkan/device.h"
#include "executors/vulkan/kernel.h"
#include "executors/vulkan/pipelines.h"
#include "executors/vulkan/vulkan_executor.h"
#include "graph/op_def.h"

namespace anvil::vk {

class VulkanStateStore : public StateStore {
 public:
  VulkanStateStore(std::shared_ptr<Context> context, int64_t capacity) : context_(std::move(context)), capacity_(capacity) {}
  static absl::StatusOr<std::unique_ptr<VulkanStateStore>> Create(std::shared_ptr<Context> context, const Graph& graph,
                                                                  int64_t capacity);
  int64_t capacity() const override { return capacity_; }
  absl::Status ReadState(ValueId state, void* data, size_t bytes) override;
  absl::Status WriteState(ValueId state, const void* data, size_t bytes) override;
  // The device region of a state.
  absl::StatusOr<Region> region(ValueId state) const;

 private:
  std::shared_ptr<Context> context_;
  int64_t capacity_;
  std::map<ValueId, GpuBuffer> buffers_;
};

// Weights uploaded once per executor (keyed by their bytes in the model mapping) and shared by
// every plan and session.
class WeightCache {
 public:
  explicit WeightCache(std::shared_ptr<Context> context) : context_(std::move(context)) {}
  absl::StatusOr<Region> Get(const Value& weight);

 private:
  struct Entry {
    TensorData source;  // keeps the bytes (and so the key) alive
    GpuBuffer buffer;
  };
  std::shared_ptr<Context> context_;
  std::mutex mutex_;
  std::map<const uint8_t*, std::unique_ptr<Entry>> entries_;
};

// Everything a plan needs from its executor.
struct ExecutorShared {
  const OpRegistry& registry;
  std::shared_ptr<Context> context;
  std::unique_ptr<Pipelines> pipelines;
  std::unique_ptr<WeightCache> weights;
  bool profile = false;
};

absl::StatusOr<std::unique_ptr<Plan>> CompileVulkanPlan(ExecutorShared& shared, const Graph& graph,
                                                        const Specialization& spec, VulkanStateStore& states);

}  // namespace anvil::vk
