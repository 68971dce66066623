// Compute pipelines, created lazily from the embedded SPIR-V with specialization constants and
// kept in a VkPipelineCache that is saved to and loaded from disk. A cache file that does not
// belong to this device, or is damaged, is ignored with a warning.
//
// Cache file: "ANVLPC01", uint32 crc32 of the payload, uint64 payload length, payload (the
// driver's VkPipelineCache data, whose own header names the vendor, device and cache UUID).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/vulkan/device.h"

namespace anvil::vk {

struct PipelineEntry {
  DescriptorSetLayout set_layout;
  PipelineLayout layout;
  Pipeline pipeline;
};

// The default cache location: $ANVIL_PIPELINE_CACHE, else $XDG_CACHE_HOME/anvil, else
// ~/.cache/anvil (file vulkan-pipelines.bin); "" if none can be determined.
std::string DefaultPipelineCachePath();

class Pipelines {
 public:
  // `cache_path` empty: no disk cache.
  Pipelines(std::shared_ptr<Context> context, std::string cache_path);
  ~Pipelines();  // saves the cache

  // The pipeline for `shader` with spec constants `spec` (constant_id = index), `bindings`
  // storage buffers at set 0 and `push_bytes` of push constants.
  absl::StatusOr<const PipelineEntry*> Get(const std::string& shader, const std::vector<uint32_t>& spec,
                                           uint32_t bindings, uint32_t push_bytes);
  absl::Status Save();

  int created() const { return created_; }        // pipelines built by this object
  bool loaded_from_disk() const { return loaded_; }
  const std::string& load_warning() const { return warning_; }

 private:
  void Load();

  std::shared_ptr<Context> context_;
  std::string path_;
  PipelineCache cache_;
  std::mutex mutex_;
  std::map<std::tuple<std::string, std::vector<uint32_t>, uint32_t, uint32_t>, std::unique_ptr<PipelineEntry>> entries_;
  std::map<std::string, ShaderModule> modules_;
  int created_ = 0;
  bool loaded_ = false;
  bool dirty_ = false;
  std::string warning_;
};

}  // namespace anvil::vk
