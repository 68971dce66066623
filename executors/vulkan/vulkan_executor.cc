#include "executors/vulkan/vulkan_executor.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "executors/vulkan/vulkan_internal.h"

namespace anvil {
namespace vk {

absl::StatusOr<std::unique_ptr<VulkanStateStore>> VulkanStateStore::Create(std::shared_ptr<Context> context,
                                                                           const Graph& graph, int64_t capacity) {
  auto store = std::make_unique<VulkanStateStore>(context, capacity);
  const SymbolBindings bindings = {{kCapacitySymbol, capacity}};
  for (ValueId id : graph.states()) {
    const Value& v = graph.value(id);
    ANVIL_ASSIGN_OR_RETURN(std::vector<int64_t> dims, BindShape(v.type.shape, bindings), absl::StrCat("state '", v.name, "'"));
    ANVIL_ASSIGN_OR_RETURN(uint64_t bytes, TensorBytes(v.type.dtype, dims.data(), static_cast<int>(dims.size())),
                           absl::StrCat("state '", v.name, "'"));
    if (bytes > context->binding_limit()) {
      return absl::ResourceExhaustedError(absl::StrCat("state '", v.name, "' needs ", bytes, " bytes in one binding; the device allows ",
                                                       context->binding_limit(), " (lower the KV capacity)"));
    }
    ANVIL_ASSIGN_OR_RETURN(GpuBuffer buffer, context->CreateBuffer(bytes, false, "KV cache"), absl::StrCat("state '", v.name, "'"));
    std::vector<uint8_t> zeros(bytes, 0);
    ANVIL_RETURN_IF_ERROR(context->Upload(buffer, 0, zeros.data(), bytes));
    store->buffers_.emplace(id, std::move(buffer));
  }
  return store;
}

absl::StatusOr<Region> VulkanStateStore::region(ValueId state) const {
  auto it = buffers_.find(state);
  if (it == buffers_.end()) return absl::NotFoundError(absl::StrCat("no state with id ", state));
  return Region{it->second.buffer.get(), 0, it->second.size};
}

absl::Status VulkanStateStore::ReadState(ValueId state, void* data, size_t bytes) {
  auto it = buffers_.find(state);
  if (it == buffers_.end()) return absl::NotFoundError(absl::StrCat("no state with id ", state));
  if (bytes > it->second.size) return absl::InvalidArgumentError("read past the end of a state");
  return context_->Download(it->second, 0, data, bytes);
}

absl::Status VulkanStateStore::WriteState(ValueId state, const void* data, size_t bytes) {
  auto it = buffers_.find(state);
  if (it == buffers_.end()) return absl::NotFoundError(absl::StrCat("no state with id ", state));
  if (bytes > it->second.size) return absl::InvalidArgumentError("write past the end of a state");
  return context_->Upload(it->second, 0, data, bytes);
}

absl::StatusOr<Region> WeightCache::Get(const Value& weight) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = entries_.find(weight.data.data());
  if (it == entries_.end() || it->second->buffer.size < weight.data.size()) {
    auto entry = std::make_unique<Entry>();
    entry->source = weight.data;
    ANVIL_ASSIGN_OR_RETURN(entry->buffer, context_->CreateBuffer(weight.data.size(), false, "weights"),
                           absl::StrCat("weight '", weight.name, "'"));
    ANVIL_RETURN_IF_ERROR(context_->Upload(entry->buffer, 0, weight.data.data(), weight.data.size()),
                          absl::StrCat("weight '", weight.name, "'"));
    it = entries_.insert_or_assign(weight.data.data(), std::move(entry)).first;
  }
  return Region{it->second->buffer.buffer.get(), 0, weight.data.size()};
}

namespace {

class VulkanExecutor : public Executor {
 public:
  explicit VulkanExecutor(ExecutorShared shared) : shared_(std::move(shared)) {}
  std::string name() const override { return "vulkan"; }

  absl::StatusOr<std::unique_ptr<StateStore>> CreateStates(const Graph& graph, int64_t capacity) override {
    ANVIL_ASSIGN_OR_RETURN(auto store, VulkanStateStore::Create(shared_.context, graph, capacity));
    return std::unique_ptr<StateStore>(std::move(store));
  }

  absl::StatusOr<std::unique_ptr<Plan>> Compile(const Graph& graph, const Specialization& spec,
                                                StateStore& states) override {
    return CompileVulkanPlan(shared_, graph, spec, static_cast<VulkanStateStore&>(states));
  }

  VulkanStatus Status() const {
    VulkanStatus s;
    s.device_name = shared_.context->caps().device_name;
    s.validation_errors = shared_.context->validation_errors();
    s.last_validation_message = shared_.context->last_validation_message();
    s.pipelines_created = shared_.pipelines->created();
    s.pipeline_cache_loaded = shared_.pipelines->loaded_from_disk();
    s.pipeline_cache_warning = shared_.pipelines->load_warning();
    return s;
  }

 private:
  ExecutorShared shared_;
};

}  // namespace
}  // namespace vk

absl::StatusOr<std::shared_ptr<Executor>> MakeVulkanExecutor(const OpRegistry& registry,
                                                              const VulkanExecutorOptions& options) {
  vk::ContextOptions context_options;
  context_options.device = options.device;
  const char* env = std::getenv("ANVIL_VULKAN_VALIDATION");
  context_options.validation = options.validation || (env != nullptr && std::string(env) == "1");
  context_options.max_binding_bytes = options.max_binding_bytes;
  context_options.memory_budget_bytes = options.memory_budget_bytes;
  context_options.simulate_device_lost_after_submits = options.simulate_device_lost_after_submits;
  ANVIL_ASSIGN_OR_RETURN(std::shared_ptr<vk::Context> context, vk::Context::Create(context_options), "vulkan");
  const std::string cache_path = options.pipeline_cache.value_or(vk::DefaultPipelineCachePath());
  vk::ExecutorShared shared{registry, context, std::make_unique<vk::Pipelines>(context, cache_path),
                            std::make_unique<vk::WeightCache>(context),
                            options.profile};
  return std::shared_ptr<Executor>(std::make_shared<vk::VulkanExecutor>(std::move(shared)));
}

std::optional<VulkanStatus> VulkanStatusOf(const Executor& executor) {
  const auto* vulkan = dynamic_cast<const vk::VulkanExecutor*>(&executor);
  if (vulkan == nullptr) return std::nullopt;
  return vulkan->Status();
}

}  // namespace anvil
