// The Vulkan executor: every op as a GLSL compute shader; a Plan records a whole step (all
// layers, final norm, LM head, argmax) into one command buffer that is submitted once per step.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "executors/executor.h"
#include "graph/op_def.h"

namespace anvil {

struct VulkanExecutorOptions {
  int device = -1;                // -1: the best device (a GPU first, a CPU implementation last)
  bool validation = false;        // Khronos validation layer; also on with ANVIL_VULKAN_VALIDATION=1
  uint64_t max_binding_bytes = 0; // > 0: pretend maxStorageBufferRange is this (tests the splitting)
  uint64_t memory_budget_bytes = 0;  // > 0: refuse device allocations past this total
  // > 0: fault injection (tests): submission N + 1 fails with VK_ERROR_DEVICE_LOST.
  int64_t simulate_device_lost_after_submits = 0;
  // nullopt: the default location (see DefaultPipelineCachePath); "": no disk cache.
  std::optional<std::string> pipeline_cache;
  bool profile = false;           // timestamp queries around every dispatch
};

absl::StatusOr<std::shared_ptr<Executor>> MakeVulkanExecutor(const OpRegistry& registry,
                                                              const VulkanExecutorOptions& options = {});

// What a Vulkan executor can tell about itself (nullopt for other executors).
struct VulkanStatus {
  std::string device_name;
  int validation_errors = 0;
  std::string last_validation_message;
  int pipelines_created = 0;
  bool pipeline_cache_loaded = false;
  std::string pipeline_cache_warning;
};
std::optional<VulkanStatus> VulkanStatusOf(const Executor& executor);

}  // namespace anvil
