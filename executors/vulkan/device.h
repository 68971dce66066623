// The Vulkan device layer: instance and physical-device selection (a GPU first; a CPU
// implementation such as Mesa's lavapipe is accepted), one compute queue, the device's
// capabilities queried once into one struct that kernels consult, and buffer allocation.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/vulkan/vk_handle.h"

namespace anvil::vk {

struct DeviceInfo {
  int index = 0;
  std::string name;
  std::string type;  // "discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other"
  std::string api_version;
  uint64_t device_local_bytes = 0;
  uint32_t subgroup_size = 0;
  uint64_t max_storage_buffer_range = 0;
  bool storage_16bit = false;
  bool storage_8bit = false;
  bool shader_float16 = false;
  bool shader_int8 = false;
};

// Every Vulkan device this machine offers, in enumeration order (the index is --device N).
absl::StatusOr<std::vector<DeviceInfo>> ListDevices();

struct Capabilities {
  std::string device_name;
  VkPhysicalDeviceType type = VK_PHYSICAL_DEVICE_TYPE_OTHER;
  uint32_t vendor_id = 0, device_id = 0;
  uint8_t pipeline_cache_uuid[VK_UUID_SIZE] = {};
  uint32_t subgroup_size = 0;             // informational: no shader assumes a size
  VkSubgroupFeatureFlags subgroup_ops = 0;
  bool storage_buffer_16bit = false;
  bool storage_buffer_8bit = false;
  bool shader_float16 = false;
  bool shader_int8 = false;
  uint64_t max_storage_buffer_range = 0;  // the largest binding a shader can see
  uint64_t min_storage_buffer_offset_alignment = 0;
  uint32_t max_workgroup_invocations = 0;
  uint32_t max_workgroup_count[3] = {};
  uint32_t max_shared_memory_bytes = 0;
  uint32_t max_push_constants_bytes = 0;
  uint32_t max_storage_buffers_per_stage = 0;
  float timestamp_period_ns = 0;
  bool timestamps = false;
  bool unified_memory = false;  // device-local memory is host visible (CPU devices, iGPUs)
  bool robust_buffer_access = false;  // enabled: out-of-range shader accesses stay in the binding
  uint64_t device_local_bytes = 0;
};

struct ContextOptions {
  int device = -1;                  // -1: pick the best device
  bool validation = false;          // load VK_LAYER_KHRONOS_validation and count its errors
  uint64_t max_binding_bytes = 0;   // > 0: act as if maxStorageBufferRange were this (tests)
  uint64_t memory_budget_bytes = 0; // > 0: refuse allocations beyond this total (tests)
  // > 0: fault injection for tests: submission number N + 1 fails as if the device were lost.
  int64_t simulate_device_lost_after_submits = 0;
};

// A buffer and its memory; `mapped` is non-null when the memory is host visible. Its bytes count
// against the context's memory budget until it is destroyed.
struct GpuBuffer {
  GpuBuffer() = default;
  GpuBuffer(GpuBuffer&& other) noexcept { *this = std::move(other); }
  GpuBuffer& operator=(GpuBuffer&& other) noexcept;
  GpuBuffer(const GpuBuffer&) = delete;
  GpuBuffer& operator=(const GpuBuffer&) = delete;
  ~GpuBuffer();

  Buffer buffer;
  Memory memory;
  VkDeviceSize size = 0;
  uint8_t* mapped = nullptr;
  std::atomic<uint64_t>* accounting = nullptr;
  uint64_t accounted = 0;
};

class Context {
 public:
  static absl::StatusOr<std::shared_ptr<Context>> Create(const ContextOptions& options);
  ~Context();

  VkDevice device() const { return device_.get(); }
  VkPhysicalDevice physical_device() const { return physical_; }
  const Capabilities& caps() const { return caps_; }
  const ContextOptions& options() const { return options_; }
  // The largest byte range one descriptor may bind.
  uint64_t binding_limit() const;
  // Offset alignment for bound ranges (at least 64, a multiple of the device's minimum).
  uint64_t binding_alignment() const;

  // `host` buffers are host visible and coherent (inputs, outputs, step state); device buffers
  // prefer device-local memory, mapped too when the device has unified memory.
  absl::StatusOr<GpuBuffer> CreateBuffer(VkDeviceSize size, bool host, const char* what);
  // Copies bytes into a buffer: directly when mapped, else through a staging buffer.
  absl::Status Upload(const GpuBuffer& buffer, VkDeviceSize offset, const void* data, VkDeviceSize size);
  absl::Status Download(const GpuBuffer& buffer, VkDeviceSize offset, void* data, VkDeviceSize size);

  // Submits one command buffer (the queue is shared: submissions are serialized across threads).
  // Once the device is lost (VK_ERROR_DEVICE_LOST from any submit or wait) every later submit
  // fails at once with the same kind of error: nothing runs on a lost device.
  absl::Status Submit(VkCommandBuffer commands, VkFence fence);
  // Waits for a fence submitted with Submit.
  absl::Status Wait(VkFence fence);
  absl::Status SubmitAndWait(VkCommandBuffer commands);
  bool lost() const { return lost_.load(); }
  // Records `record` into a temporary command buffer, submits it and waits.
  absl::Status RunOnce(const std::function<void(VkCommandBuffer)>& record);

  uint32_t queue_family() const { return queue_family_; }
  int validation_errors() const { return validation_errors_.load(); }
  std::string last_validation_message() const;
  void NoteValidationMessage(bool error, const char* message);

 private:
  Context() = default;
  absl::StatusOr<uint32_t> MemoryType(uint32_t bits, bool host) const;

  ContextOptions options_;
  Instance instance_;
  DebugMessenger messenger_;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  Device device_;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queue_family_ = 0;
  Capabilities caps_;
  VkPhysicalDeviceMemoryProperties memory_ = {};
  CommandPool one_shot_pool_;
  std::mutex queue_mutex_;
  std::atomic<uint64_t> allocated_bytes_{0};
  std::atomic<bool> lost_{false};
  int64_t submits_ = 0;  // guarded by queue_mutex_
  std::atomic<int> validation_errors_{0};
  mutable std::mutex message_mutex_;
  std::string last_message_;
};

}  // namespace anvil::vk
