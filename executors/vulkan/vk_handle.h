// Move-only owners of Vulkan handles. They do nothing but own the handle (IREE's handle_util.h
// rule): destroy it once, on destruction or reset. VkResult -> absl::Status conversion lives here
// too, so every call site turns a failure into a Status naming the call.
#pragma once

#include <vulkan/vulkan.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace anvil::vk {

// "vkCreateBuffer (weights): VK_ERROR_OUT_OF_DEVICE_MEMORY"; OK for VK_SUCCESS.
absl::Status Check(VkResult result, absl::string_view call);
const char* ResultName(VkResult result);

// A handle created from a VkDevice and destroyed with vkDestroyX(device, handle, nullptr).
template <typename T, void (*Destroy)(VkDevice, T, const VkAllocationCallbacks*)>
class DeviceHandle {
 public:
  DeviceHandle() = default;
  DeviceHandle(VkDevice device, T handle) : device_(device), handle_(handle) {}
  DeviceHandle(DeviceHandle&& other) noexcept { *this = std::move(other); }
  DeviceHandle& operator=(DeviceHandle&& other) noexcept {
    if (this != &other) {
      reset();
      device_ = std::exchange(other.device_, VK_NULL_HANDLE);
      handle_ = std::exchange(other.handle_, VK_NULL_HANDLE);
    }
    return *this;
  }
  DeviceHandle(const DeviceHandle&) = delete;
  DeviceHandle& operator=(const DeviceHandle&) = delete;
  ~DeviceHandle() { reset(); }

  void reset() {
    if (handle_ != VK_NULL_HANDLE) Destroy(device_, handle_, nullptr);
    handle_ = VK_NULL_HANDLE;
  }
  T get() const { return handle_; }
  explicit operator bool() const { return handle_ != VK_NULL_HANDLE; }

 private:
  VkDevice device_ = VK_NULL_HANDLE;
  T handle_ = VK_NULL_HANDLE;
};

inline void FreeMemory(VkDevice d, VkDeviceMemory m, const VkAllocationCallbacks* a) { vkFreeMemory(d, m, a); }

using Buffer = DeviceHandle<VkBuffer, vkDestroyBuffer>;
using Memory = DeviceHandle<VkDeviceMemory, FreeMemory>;
using ShaderModule = DeviceHandle<VkShaderModule, vkDestroyShaderModule>;
using DescriptorSetLayout = DeviceHandle<VkDescriptorSetLayout, vkDestroyDescriptorSetLayout>;
using PipelineLayout = DeviceHandle<VkPipelineLayout, vkDestroyPipelineLayout>;
using Pipeline = DeviceHandle<VkPipeline, vkDestroyPipeline>;
using PipelineCache = DeviceHandle<VkPipelineCache, vkDestroyPipelineCache>;
using DescriptorPool = DeviceHandle<VkDescriptorPool, vkDestroyDescriptorPool>;
using CommandPool = DeviceHandle<VkCommandPool, vkDestroyCommandPool>;
using Fence = DeviceHandle<VkFence, vkDestroyFence>;
using QueryPool = DeviceHandle<VkQueryPool, vkDestroyQueryPool>;

// A handle that is destroyed with vkDestroyX(handle, nullptr): the instance and the device.
template <typename T, void (*Destroy)(T, const VkAllocationCallbacks*)>
class OwnedHandle {
 public:
  OwnedHandle() = default;
  explicit OwnedHandle(T handle) : handle_(handle) {}
  OwnedHandle(OwnedHandle&& other) noexcept : handle_(std::exchange(other.handle_, VK_NULL_HANDLE)) {}
  OwnedHandle& operator=(OwnedHandle&& other) noexcept {
    std::swap(handle_, other.handle_);
    return *this;
  }
  OwnedHandle(const OwnedHandle&) = delete;
  OwnedHandle& operator=(const OwnedHandle&) = delete;
  ~OwnedHandle() {
    if (handle_ != VK_NULL_HANDLE) Destroy(handle_, nullptr);
  }
  T get() const { return handle_; }

 private:
  T handle_ = VK_NULL_HANDLE;
};

using Instance = OwnedHandle<VkInstance, vkDestroyInstance>;
using Device = OwnedHandle<VkDevice, vkDestroyDevice>;

// The debug messenger is destroyed through an extension function looked up on the instance.
class DebugMessenger {
 public:
  DebugMessenger() = default;
  DebugMessenger(VkInstance instance, VkDebugUtilsMessengerEXT handle) : instance_(instance), handle_(handle) {}
  DebugMessenger(DebugMessenger&& other) noexcept
      : instance_(other.instance_), handle_(std::exchange(other.handle_, VK_NULL_HANDLE)) {}
  DebugMessenger& operator=(DebugMessenger&& other) noexcept {
    std::swap(instance_, other.instance_);
    std::swap(handle_, other.handle_);
    return *this;
  }
  DebugMessenger(const DebugMessenger&) = delete;
  DebugMessenger& operator=(const DebugMessenger&) = delete;
  ~DebugMessenger();

 private:
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT handle_ = VK_NULL_HANDLE;
};

}  // namespace anvil::vk
