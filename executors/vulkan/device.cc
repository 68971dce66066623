#include "executors/vulkan/device.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status.h"

namespace anvil::vk {
namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";

const char* TypeName(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
  }
}

// Preference when no --device is given: real GPUs first, a CPU implementation last.
int Rank(VkPhysicalDeviceType type) {
  switch (type) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 0;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 1;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 3;
    default: return 4;
  }
}

bool HasLayer(const char* name) {
  uint32_t count = 0;
  vkEnumerateInstanceLayerProperties(&count, nullptr);
  std::vector<VkLayerProperties> layers(count);
  vkEnumerateInstanceLayerProperties(&count, layers.data());
  for (const VkLayerProperties& l : layers) {
    if (std::strcmp(l.layerName, name) == 0) return true;
  }
  return false;
}

absl::StatusOr<Instance> CreateInstance(bool validation) {
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "anvil";
  app.apiVersion = VK_API_VERSION_1_1;
  VkInstanceCreateInfo info{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  info.pApplicationInfo = &app;
  const char* layers[] = {kValidationLayer};
  const char* extensions[] = {VK_EXT_DEBUG_UTILS_EXTENSION_NAME};
  if (validation) {
    if (!HasLayer(kValidationLayer)) {
      return absl::FailedPreconditionError(
          "Vulkan validation was requested but VK_LAYER_KHRONOS_validation is not installed "
          "(Debian package vulkan-validationlayers)");
    }
    info.enabledLayerCount = 1;
    info.ppEnabledLayerNames = layers;
    info.enabledExtensionCount = 1;
    info.ppEnabledExtensionNames = extensions;
  }
  VkInstance instance;
  ANVIL_RETURN_IF_ERROR(Check(vkCreateInstance(&info, nullptr, &instance), "vkCreateInstance"));
  return Instance(instance);
}

absl::StatusOr<std::vector<VkPhysicalDevice>> PhysicalDevices(VkInstance instance) {
  uint32_t count = 0;
  ANVIL_RETURN_IF_ERROR(Check(vkEnumeratePhysicalDevices(instance, &count, nullptr), "vkEnumeratePhysicalDevices"));
  std::vector<VkPhysicalDevice> devices(count);
  ANVIL_RETURN_IF_ERROR(Check(vkEnumeratePhysicalDevices(instance, &count, devices.data()), "vkEnumeratePhysicalDevices"));
  return devices;
}

Capabilities Query(VkPhysicalDevice physical) {
  Capabilities c;
  VkPhysicalDeviceSubgroupProperties subgroup{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES};
  VkPhysicalDeviceProperties2 props{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2};
  props.pNext = &subgroup;
  vkGetPhysicalDeviceProperties2(physical, &props);
  const VkPhysicalDeviceProperties& p = props.properties;
  c.device_name = p.deviceName;
  c.type = p.deviceType;
  c.vendor_id = p.vendorID;
  c.device_id = p.deviceID;
  std::memcpy(c.pipeline_cache_uuid, p.pipelineCacheUUID, VK_UUID_SIZE);
  c.subgroup_size = subgroup.subgroupSize;
  c.subgroup_ops = subgroup.supportedOperations;
  c.max_storage_buffer_range = p.limits.maxStorageBufferRange;
  c.min_storage_buffer_offset_alignment = p.limits.minStorageBufferOffsetAlignment;
  c.max_workgroup_invocations = p.limits.maxComputeWorkGroupInvocations;
  for (int i = 0; i < 3; ++i) c.max_workgroup_count[i] = p.limits.maxComputeWorkGroupCount[i];
  c.max_shared_memory_bytes = p.limits.maxComputeSharedMemorySize;
  c.max_push_constants_bytes = p.limits.maxPushConstantsSize;
  c.max_storage_buffers_per_stage = p.limits.maxPerStageDescriptorStorageBuffers;
  c.timestamp_period_ns = p.limits.timestampPeriod;
  c.timestamps = p.limits.timestampComputeAndGraphics == VK_TRUE;

  // 16-bit storage is Vulkan 1.1 core; 8-bit storage and float16/int8 arithmetic are 1.2 core
  // (queried only when the device reports 1.2).
  VkPhysicalDevice16BitStorageFeatures storage16{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES};
  VkPhysicalDevice8BitStorageFeatures storage8{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_8BIT_STORAGE_FEATURES};
  VkPhysicalDeviceShaderFloat16Int8Features arithmetic{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
  VkPhysicalDeviceFeatures2 features{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  features.pNext = &storage16;
  if (p.apiVersion >= VK_API_VERSION_1_2) {
    storage16.pNext = &storage8;
    storage8.pNext = &arithmetic;
  }
  vkGetPhysicalDeviceFeatures2(physical, &features);
  c.storage_buffer_16bit = storage16.storageBuffer16BitAccess == VK_TRUE;
  c.storage_buffer_8bit = storage8.storageBuffer8BitAccess == VK_TRUE;
  c.shader_float16 = arithmetic.shaderFloat16 == VK_TRUE;
  c.shader_int8 = arithmetic.shaderInt8 == VK_TRUE;

  VkPhysicalDeviceMemoryProperties memory;
  vkGetPhysicalDeviceMemoryProperties(physical, &memory);
  for (uint32_t i = 0; i < memory.memoryHeapCount; ++i) {
    if (memory.memoryHeaps[i].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) c.device_local_bytes += memory.memoryHeaps[i].size;
  }
  for (uint32_t i = 0; i < memory.memoryTypeCount; ++i) {
    const VkMemoryPropertyFlags f = memory.memoryTypes[i].propertyFlags;
    if ((f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) && (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) &&
        (f & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)) {
      c.unified_memory = true;
    }
  }
  return c;
}

VKAPI_ATTR VkBool32 VKAPI_CALL OnValidationMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                                   VkDebugUtilsMessageTypeFlagsEXT,
                                                   const VkDebugUtilsMessengerCallbackDataEXT* data, void* user) {
  const bool error = severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  const bool warning = severity & VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT;
  if (error || warning) static_cast<Context*>(user)->NoteValidationMessage(error, data->pMessage);
  return VK_FALSE;
}

}  // namespace

GpuBuffer& GpuBuffer::operator=(GpuBuffer&& other) noexcept {
  if (this == &other) return *this;
  if (accounting != nullptr) *accounting -= accounted;
  buffer = std::move(other.buffer);
  memory = std::move(other.memory);
  size = other.size;
  mapped = std::exchange(other.mapped, nullptr);
  accounting = std::exchange(other.accounting, nullptr);
  accounted = std::exchange(other.accounted, 0);
  return *this;
}

GpuBuffer::~GpuBuffer() {
  if (accounting != nullptr) *accounting -= accounted;
}

absl::StatusOr<std::vector<DeviceInfo>> ListDevices() {
  ANVIL_ASSIGN_OR_RETURN(Instance instance, CreateInstance(false));
  ANVIL_ASSIGN_OR_RETURN(std::vector<VkPhysicalDevice> devices, PhysicalDevices(instance.get()));
  std::vector<DeviceInfo> list;
  for (size_t i = 0; i < devices.size(); ++i) {
    const Capabilities c = Query(devices[i]);
    VkPhysicalDeviceProperties p;
    vkGetPhysicalDeviceProperties(devices[i], &p);
    list.push_back(DeviceInfo{static_cast<int>(i), c.device_name, TypeName(c.type),
                              absl::StrCat(VK_API_VERSION_MAJOR(p.apiVersion), ".", VK_API_VERSION_MINOR(p.apiVersion)),
                              c.device_local_bytes, c.subgroup_size, c.max_storage_buffer_range,
                              c.storage_buffer_16bit, c.storage_buffer_8bit, c.shader_float16, c.shader_int8});
  }
  return list;
}

absl::StatusOr<std::shared_ptr<Context>> Context::Create(const ContextOptions& options) {
  std::shared_ptr<Context> ctx(new Context());
  ctx->options_ = options;
  ANVIL_ASSIGN_OR_RETURN(ctx->instance_, CreateInstance(options.validation));
  if (options.validation) {
    auto create = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
        vkGetInstanceProcAddr(ctx->instance_.get(), "vkCreateDebugUtilsMessengerEXT"));
    if (create == nullptr) return absl::FailedPreconditionError("VK_EXT_debug_utils is not available");
    VkDebugUtilsMessengerCreateInfoEXT info{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
    info.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
    info.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                       VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
    info.pfnUserCallback = OnValidationMessage;
    info.pUserData = ctx.get();
    VkDebugUtilsMessengerEXT messenger;
    ANVIL_RETURN_IF_ERROR(Check(create(ctx->instance_.get(), &info, nullptr, &messenger), "vkCreateDebugUtilsMessengerEXT"));
    ctx->messenger_ = DebugMessenger(ctx->instance_.get(), messenger);
  }
  ANVIL_ASSIGN_OR_RETURN(std::vector<VkPhysicalDevice> devices, PhysicalDevices(ctx->instance_.get()));
  if (devices.empty()) return absl::NotFoundError("no Vulkan device found (install mesa-vulkan-drivers for lavapipe)");
  if (options.device >= static_cast<int>(devices.size())) {
    return absl::NotFoundError(absl::StrCat("--device ", options.device, " does not exist: this machine has ",
                                            devices.size(), " Vulkan device(s); see `anvil inspect --devices`"));
  }
  if (options.device >= 0) {
    ctx->physical_ = devices[options.device];
  } else {
    ctx->physical_ = *std::min_element(devices.begin(), devices.end(), [](VkPhysicalDevice a, VkPhysicalDevice b) {
      return Rank(Query(a).type) < Rank(Query(b).type);
    });
  }
  ctx->caps_ = Query(ctx->physical_);
  vkGetPhysicalDeviceMemoryProperties(ctx->physical_, &ctx->memory_);

  uint32_t family_count = 0;
  vkGetPhysicalDeviceQueueFamilyProperties(ctx->physical_, &family_count, nullptr);
  std::vector<VkQueueFamilyProperties> families(family_count);
  vkGetPhysicalDeviceQueueFamilyProperties(ctx->physical_, &family_count, families.data());
  bool found = false;
  for (uint32_t i = 0; i < family_count && !found; ++i) {
    if (families[i].queueFlags & VK_QUEUE_COMPUTE_BIT) {
      ctx->queue_family_ = i;
      found = true;
    }
  }
  if (!found) return absl::FailedPreconditionError(absl::StrCat(ctx->caps_.device_name, " has no compute queue"));
  if (families[ctx->queue_family_].timestampValidBits == 0) ctx->caps_.timestamps = false;

  const float priority = 1.0f;
  VkDeviceQueueCreateInfo queue_info{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  queue_info.queueFamilyIndex = ctx->queue_family_;
  queue_info.queueCount = 1;
  queue_info.pQueuePriorities = &priority;
  // Bounds-checked buffer access where the device has it: shapes come from model files, and a
  // shader indexing past a binding then reads zeros instead of other memory (on lavapipe, the
  // process's own).
  VkPhysicalDeviceFeatures supported{}, enabled{};
  vkGetPhysicalDeviceFeatures(ctx->physical_, &supported);
  enabled.robustBufferAccess = supported.robustBufferAccess;
  ctx->caps_.robust_buffer_access = enabled.robustBufferAccess == VK_TRUE;
  VkDeviceCreateInfo device_info{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  device_info.queueCreateInfoCount = 1;
  device_info.pQueueCreateInfos = &queue_info;
  device_info.pEnabledFeatures = &enabled;
  VkDevice device;
  ANVIL_RETURN_IF_ERROR(Check(vkCreateDevice(ctx->physical_, &device_info, nullptr, &device), "vkCreateDevice"));
  ctx->device_ = Device(device);
  vkGetDeviceQueue(device, ctx->queue_family_, 0, &ctx->queue_);

  VkCommandPoolCreateInfo pool_info{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pool_info.flags = VK_COMMAND_POOL_CREATE_TRANSIENT_BIT | VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pool_info.queueFamilyIndex = ctx->queue_family_;
  VkCommandPool pool;
  ANVIL_RETURN_IF_ERROR(Check(vkCreateCommandPool(device, &pool_info, nullptr, &pool), "vkCreateCommandPool"));
  ctx->one_shot_pool_ = CommandPool(device, pool);
  return ctx;
}

Context::~Context() {
  if (device_.get() != VK_NULL_HANDLE) vkDeviceWaitIdle(device_.get());
}

uint64_t Context::binding_limit() const {
  uint64_t limit = caps_.max_storage_buffer_range;
  if (options_.max_binding_bytes > 0) limit = std::min(limit, options_.max_binding_bytes);
  return limit;
}

uint64_t Context::binding_alignment() const {
  return std::max<uint64_t>(64, caps_.min_storage_buffer_offset_alignment);
}

absl::StatusOr<uint32_t> Context::MemoryType(uint32_t bits, bool host) const {
  const VkMemoryPropertyFlags want = host ? (VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT)
                                          : VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
  int best = -1;
  for (uint32_t i = 0; i < memory_.memoryTypeCount; ++i) {
    if (!(bits & (1u << i))) continue;
    const VkMemoryPropertyFlags f = memory_.memoryTypes[i].propertyFlags;
    if ((f & want) != want) continue;
    // Among matches prefer memory that is both device local and mappable.
    const bool both = (f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) && (f & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) &&
                      (f & VK_MEMORY_PROPERTY_HOST_COHERENT_BIT);
    if (best < 0 || both) best = static_cast<int>(i);
    if (both) break;
  }
  if (best < 0) return absl::FailedPreconditionError(host ? "no host-visible coherent memory type" : "no device-local memory type");
  return static_cast<uint32_t>(best);
}

absl::StatusOr<GpuBuffer> Context::CreateBuffer(VkDeviceSize size, bool host, const char* what) {
  size = std::max<VkDeviceSize>(size, 16);
  if (options_.memory_budget_bytes > 0 && allocated_bytes_.load() + size > options_.memory_budget_bytes) {
    return absl::ResourceExhaustedError(absl::StrCat("out of device memory: ", what, " needs ", size, " bytes, ",
                                                     allocated_bytes_.load(), " of the ", options_.memory_budget_bytes,
                                                     "-byte budget are in use"));
  }
  GpuBuffer b;
  b.size = size;
  VkBufferCreateInfo info{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  info.size = size;
  info.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  info.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  VkBuffer buffer;
  ANVIL_RETURN_IF_ERROR(Check(vkCreateBuffer(device(), &info, nullptr, &buffer), absl::StrCat("vkCreateBuffer (", what, ")")));
  b.buffer = Buffer(device(), buffer);
  VkMemoryRequirements req;
  vkGetBufferMemoryRequirements(device(), buffer, &req);
  ANVIL_ASSIGN_OR_RETURN(uint32_t type, MemoryType(req.memoryTypeBits, host));
  VkMemoryAllocateInfo alloc{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  alloc.allocationSize = req.size;
  alloc.memoryTypeIndex = type;
  VkDeviceMemory memory;
  ANVIL_RETURN_IF_ERROR(Check(vkAllocateMemory(device(), &alloc, nullptr, &memory),
                              absl::StrCat("vkAllocateMemory (", what, ", ", req.size, " bytes)")));
  b.memory = Memory(device(), memory);
  ANVIL_RETURN_IF_ERROR(Check(vkBindBufferMemory(device(), buffer, memory, 0), "vkBindBufferMemory"));
  if (memory_.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
    void* mapped;
    ANVIL_RETURN_IF_ERROR(Check(vkMapMemory(device(), memory, 0, VK_WHOLE_SIZE, 0, &mapped), "vkMapMemory"));
    b.mapped = static_cast<uint8_t*>(mapped);
  }
  allocated_bytes_ += req.size;
  b.accounting = &allocated_bytes_;
  b.accounted = req.size;
  return b;
}

absl::Status Context::Upload(const GpuBuffer& buffer, VkDeviceSize offset, const void* data, VkDeviceSize size) {
  if (offset + size > buffer.size) return absl::OutOfRangeError("upload past the end of a buffer");
  if (buffer.mapped != nullptr) {
    std::memcpy(buffer.mapped + offset, data, size);
    return absl::OkStatus();
  }
  ANVIL_ASSIGN_OR_RETURN(GpuBuffer staging, CreateBuffer(size, true, "staging"));
  std::memcpy(staging.mapped, data, size);
  return RunOnce([&](VkCommandBuffer cmd) {
    VkBufferCopy copy{0, offset, size};
    vkCmdCopyBuffer(cmd, staging.buffer.get(), buffer.buffer.get(), 1, &copy);
  });
}

absl::Status Context::Download(const GpuBuffer& buffer, VkDeviceSize offset, void* data, VkDeviceSize size) {
  if (offset + size > buffer.size) return absl::OutOfRangeError("download past the end of a buffer");
  if (buffer.mapped != nullptr) {
    std::memcpy(data, buffer.mapped + offset, size);
    return absl::OkStatus();
  }
  ANVIL_ASSIGN_OR_RETURN(GpuBuffer staging, CreateBuffer(size, true, "staging"));
  ANVIL_RETURN_IF_ERROR(RunOnce([&](VkCommandBuffer cmd) {
    VkBufferCopy copy{offset, 0, size};
    vkCmdCopyBuffer(cmd, buffer.buffer.get(), staging.buffer.get(), 1, &copy);
  }));
  std::memcpy(data, staging.mapped, size);
  return absl::OkStatus();
}

absl::Status Context::Submit(VkCommandBuffer commands, VkFence fence) {
  VkSubmitInfo submit{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  submit.commandBufferCount = 1;
  submit.pCommandBuffers = &commands;
  std::lock_guard<std::mutex> lock(queue_mutex_);
  if (lost_.load()) {
    return absl::UnavailableError("the Vulkan device was lost by an earlier step; nothing more runs on it (restart)");
  }
  VkResult result = VK_ERROR_DEVICE_LOST;
  const bool simulate_loss = options_.simulate_device_lost_after_submits > 0 &&
                             submits_ >= options_.simulate_device_lost_after_submits;
  ++submits_;
  if (!simulate_loss) result = vkQueueSubmit(queue_, 1, &submit, fence);
  if (result == VK_ERROR_DEVICE_LOST) lost_ = true;
  return Check(result, "vkQueueSubmit");
}

absl::Status Context::Wait(VkFence fence) {
  const VkResult result = vkWaitForFences(device(), 1, &fence, VK_TRUE, UINT64_MAX);
  if (result == VK_ERROR_DEVICE_LOST) lost_ = true;
  return Check(result, "vkWaitForFences");
}

absl::Status Context::SubmitAndWait(VkCommandBuffer commands) {
  VkFenceCreateInfo info{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  VkFence raw;
  ANVIL_RETURN_IF_ERROR(Check(vkCreateFence(device(), &info, nullptr, &raw), "vkCreateFence"));
  Fence fence(device(), raw);
  ANVIL_RETURN_IF_ERROR(Submit(commands, raw));
  return Wait(raw);
}

absl::Status Context::RunOnce(const std::function<void(VkCommandBuffer)>& record) {
  VkCommandBufferAllocateInfo alloc{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  alloc.commandPool = one_shot_pool_.get();
  alloc.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  alloc.commandBufferCount = 1;
  VkCommandBuffer cmd;
  {
    std::lock_guard<std::mutex> lock(queue_mutex_);  // the pool is shared too
    ANVIL_RETURN_IF_ERROR(Check(vkAllocateCommandBuffers(device(), &alloc, &cmd), "vkAllocateCommandBuffers"));
  }
  VkCommandBufferBeginInfo begin{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  absl::Status status = Check(vkBeginCommandBuffer(cmd, &begin), "vkBeginCommandBuffer");
  if (status.ok()) {
    record(cmd);
    status = Check(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
  }
  if (status.ok()) status = SubmitAndWait(cmd);
  std::lock_guard<std::mutex> lock(queue_mutex_);
  vkFreeCommandBuffers(device(), one_shot_pool_.get(), 1, &cmd);
  return status;
}

void Context::NoteValidationMessage(bool error, const char* message) {
  if (error) ++validation_errors_;
  std::lock_guard<std::mutex> lock(message_mutex_);
  last_message_ = message;
  if (error || std::getenv("ANVIL_DEBUG") != nullptr) std::fprintf(stderr, "anvil: vulkan validation: %s\n", message);
}

std::string Context::last_validation_message() const {
  std::lock_guard<std::mutex> lock(message_mutex_);
  return last_message_;
}

}  // namespace anvil::vk
