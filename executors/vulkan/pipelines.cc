#include "executors/vulkan/pipelines.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "base/crc32.h"
#include "base/mapped_file.h"
#include "base/status.h"
#include "shaders/spirv.h"

namespace anvil::vk {
namespace {

constexpr char kMagic[8] = {'A', 'N', 'V', 'L', 'P', 'C', '0', '1'};
constexpr size_t kHeader = 8 + 4 + 8;

// Checks the driver's own cache header (Vulkan spec: length, version, vendor, device, UUID).
std::string ForeignCacheReason(const std::string& payload, const Capabilities& caps) {
  if (payload.size() < 16 + VK_UUID_SIZE) return "the cache data is too short";
  uint32_t length, version, vendor, device;
  std::memcpy(&length, payload.data(), 4);
  std::memcpy(&version, payload.data() + 4, 4);
  std::memcpy(&vendor, payload.data() + 8, 4);
  std::memcpy(&device, payload.data() + 12, 4);
  if (length < 16 + VK_UUID_SIZE || version != VK_PIPELINE_CACHE_HEADER_VERSION_ONE) return "the cache header is not understood";
  if (vendor != caps.vendor_id || device != caps.device_id ||
      std::memcmp(payload.data() + 16, caps.pipeline_cache_uuid, VK_UUID_SIZE) != 0) {
    return "it was made for another device or driver";
  }
  return "";
}

}  // namespace

std::string DefaultPipelineCachePath() {
  if (const char* explicit_path = std::getenv("ANVIL_PIPELINE_CACHE")) return explicit_path;
  std::string base;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    base = xdg;
  } else if (const char* home = std::getenv("HOME"); home != nullptr && *home != '\0') {
    base = absl::StrCat(home, "/.cache");
  } else {
    return "";
  }
  return absl::StrCat(base, "/anvil/vulkan-pipelines.bin");
}

Pipelines::Pipelines(std::shared_ptr<Context> context, std::string cache_path)
    : context_(std::move(context)), path_(std::move(cache_path)) {
  Load();
}

Pipelines::~Pipelines() {
  absl::Status status = Save();
  if (!status.ok()) std::fprintf(stderr, "anvil: warning: pipeline cache not saved: %s\n", std::string(status.message()).c_str());
}

void Pipelines::Load() {
  std::string payload;
  if (!path_.empty() && std::filesystem::exists(path_)) {
    auto bytes = ReadFileToString(path_);
    std::string reason;
    if (!bytes.ok()) {
      reason = std::string(bytes.status().message());
    } else if (bytes->size() < kHeader || std::memcmp(bytes->data(), kMagic, 8) != 0) {
      reason = "it is not an anvil pipeline cache";
    } else {
      uint32_t crc;
      uint64_t length;
      std::memcpy(&crc, bytes->data() + 8, 4);
      std::memcpy(&length, bytes->data() + 12, 8);
      if (length != bytes->size() - kHeader) {
        reason = "it is truncated";
      } else if (Crc32(reinterpret_cast<const uint8_t*>(bytes->data()) + kHeader, length) != crc) {
        reason = "its checksum does not match (damaged)";
      } else {
        payload = bytes->substr(kHeader);
        reason = ForeignCacheReason(payload, context_->caps());
      }
    }
    if (!reason.empty()) {
      warning_ = absl::StrCat("ignoring pipeline cache ", path_, ": ", reason);
      std::fprintf(stderr, "anvil: warning: %s\n", warning_.c_str());
      payload.clear();
    }
  }
  VkPipelineCacheCreateInfo info{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  info.initialDataSize = payload.size();
  info.pInitialData = payload.empty() ? nullptr : payload.data();
  VkPipelineCache cache = VK_NULL_HANDLE;
  if (vkCreatePipelineCache(context_->device(), &info, nullptr, &cache) != VK_SUCCESS) {
    info.initialDataSize = 0;
    info.pInitialData = nullptr;
    vkCreatePipelineCache(context_->device(), &info, nullptr, &cache);
    payload.clear();
  }
  cache_ = PipelineCache(context_->device(), cache);
  loaded_ = !payload.empty();
}

absl::Status Pipelines::Save() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (path_.empty() || !dirty_ || !cache_) return absl::OkStatus();
  size_t size = 0;
  ANVIL_RETURN_IF_ERROR(Check(vkGetPipelineCacheData(context_->device(), cache_.get(), &size, nullptr), "vkGetPipelineCacheData"));
  std::string file(kHeader + size, '\0');
  ANVIL_RETURN_IF_ERROR(Check(vkGetPipelineCacheData(context_->device(), cache_.get(), &size, file.data() + kHeader),
                              "vkGetPipelineCacheData"));
  file.resize(kHeader + size);
  const uint32_t crc = Crc32(reinterpret_cast<const uint8_t*>(file.data()) + kHeader, size);
  const uint64_t length = size;
  std::memcpy(file.data(), kMagic, 8);
  std::memcpy(file.data() + 8, &crc, 4);
  std::memcpy(file.data() + 12, &length, 8);
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ignored);
  ANVIL_RETURN_IF_ERROR(WriteFileAtomically(path_, file));
  dirty_ = false;
  return absl::OkStatus();
}

absl::StatusOr<const PipelineEntry*> Pipelines::Get(const std::string& shader, const std::vector<uint32_t>& spec,
                                                    uint32_t bindings, uint32_t push_bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto key = std::make_tuple(shader, spec, bindings, push_bytes);
  if (auto it = entries_.find(key); it != entries_.end()) return it->second.get();
  const VkDevice device = context_->device();
  auto module_it = modules_.find(shader);
  if (module_it == modules_.end()) {
    const shaders::Spirv* spirv = shaders::Find(shader);
    if (spirv == nullptr) return absl::NotFoundError(absl::StrCat("no shader named '", shader, "'"));
    VkShaderModuleCreateInfo info{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    info.codeSize = spirv->count * 4;
    info.pCode = spirv->words;
    VkShaderModule module;
    ANVIL_RETURN_IF_ERROR(Check(vkCreateShaderModule(device, &info, nullptr, &module), absl::StrCat("vkCreateShaderModule (", shader, ")")));
    module_it = modules_.emplace(shader, ShaderModule(device, module)).first;
  }
  auto entry = std::make_unique<PipelineEntry>();
  std::vector<VkDescriptorSetLayoutBinding> layout_bindings(bindings);
  for (uint32_t i = 0; i < bindings; ++i) {
    layout_bindings[i] = {i, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, 1, VK_SHADER_STAGE_COMPUTE_BIT, nullptr};
  }
  VkDescriptorSetLayoutCreateInfo set_info{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
  set_info.bindingCount = bindings;
  set_info.pBindings = layout_bindings.data();
  VkDescriptorSetLayout set_layout;
  ANVIL_RETURN_IF_ERROR(Check(vkCreateDescriptorSetLayout(device, &set_info, nullptr, &set_layout), "vkCreateDescriptorSetLayout"));
  entry->set_layout = DescriptorSetLayout(device, set_layout);
  VkPushConstantRange push{VK_SHADER_STAGE_COMPUTE_BIT, 0, push_bytes};
  VkPipelineLayoutCreateInfo layout_info{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
  layout_info.setLayoutCount = 1;
  layout_info.pSetLayouts = &set_layout;
  layout_info.pushConstantRangeCount = push_bytes > 0 ? 1 : 0;
  layout_info.pPushConstantRanges = &push;
  VkPipelineLayout layout;
  ANVIL_RETURN_IF_ERROR(Check(vkCreatePipelineLayout(device, &layout_info, nullptr, &layout), "vkCreatePipelineLayout"));
  entry->layout = PipelineLayout(device, layout);
  std::vector<VkSpecializationMapEntry> map(spec.size());
  for (size_t i = 0; i < spec.size(); ++i) {
    map[i] = {static_cast<uint32_t>(i), static_cast<uint32_t>(i * 4), 4};
  }
  VkSpecializationInfo specialization{static_cast<uint32_t>(map.size()), map.data(), spec.size() * 4, spec.data()};
  VkComputePipelineCreateInfo pipeline_info{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
  pipeline_info.stage = {VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO};
  pipeline_info.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
  pipeline_info.stage.module = module_it->second.get();
  pipeline_info.stage.pName = "main";
  pipeline_info.stage.pSpecializationInfo = spec.empty() ? nullptr : &specialization;
  pipeline_info.layout = layout;
  VkPipeline pipeline;
  ANVIL_RETURN_IF_ERROR(Check(vkCreateComputePipelines(device, cache_.get(), 1, &pipeline_info, nullptr, &pipeline),
                              absl::StrCat("vkCreateComputePipelines (", shader, ")")));
  entry->pipeline = Pipeline(device, pipeline);
  ++created_;
  dirty_ = true;
  const PipelineEntry* raw = entry.get();
  entries_.emplace(std::move(key), std::move(entry));
  return raw;
}

}  // namespace anvil::vk
