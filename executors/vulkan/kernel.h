// How the Vulkan executor turns a node into dispatches.
//
// Each op's binder (executors/vulkan/kernels/<op>.cc) receives the node's tensors as buffer
// regions with concrete dims and returns one or more DispatchSpecs: which shader, its
// specialization constants, its push constants (a named struct per shader, size checked), the
// buffer region of each binding and whether the shader writes it. The plan creates pipelines and
// descriptor sets from them, records everything into one command buffer, and places barriers
// where a dispatch reads or writes what an earlier one wrote.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "executors/vulkan/device.h"
#include "graph/graph.h"
#include "ops/rope/rope.h"

namespace anvil::vk {

struct Region {
  VkBuffer buffer = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  VkDeviceSize size = 0;
};

struct Tensor {
  DType dtype = DType::kF32;
  std::vector<int64_t> dims;
  Region region;  // buffer == VK_NULL_HANDLE: an absent optional input

  bool present() const { return region.buffer != VK_NULL_HANDLE; }
  int64_t num_elements() const { return NumElements(dims); }
  int64_t rows() const { return dims.empty() ? 1 : num_elements() / dims.back(); }
  int64_t last() const { return dims.empty() ? 1 : dims.back(); }
};

struct DispatchSpec {
  std::string shader;
  std::vector<uint32_t> spec;      // specialization constants, constant_id = index
  std::vector<uint8_t> push;       // push constant bytes
  std::vector<Region> bindings;    // binding i of set 0
  std::vector<bool> writes;        // binding i is written by the shader
  uint32_t groups[3] = {1, 1, 1};
};

template <typename T>
std::vector<uint8_t> PushBytes(const T& params) {
  std::vector<uint8_t> bytes(sizeof(T));
  std::memcpy(bytes.data(), &params, sizeof(T));
  return bytes;
}

struct BindContext {
  const Node& node;
  std::vector<Tensor> inputs;
  std::vector<Tensor> outputs;
  Region step;    // step state: {uint position} (one recording serves every step)
  Region dummy;   // bound where a shader's optional input is absent
  const Context& device;
  // A (cos, sin) table [capacity][rotary_dim / 2][2] for these rope attributes, computed on the
  // host in double and uploaded once per plan.
  std::function<absl::StatusOr<Region>(const RopeAttrs&, int64_t head_dim)> rope_table;
};

using KernelFactory = absl::StatusOr<std::vector<DispatchSpec>> (*)(BindContext&);

// The binder for `op`, or null if the Vulkan executor has none.
KernelFactory FindKernel(absl::string_view op);

// Workgroups for `items` work items of `per_group` each, capped at what the device allows along
// x (the shaders stride over the rest).
uint32_t Groups(int64_t items, int64_t per_group, const Context& device);

// A weight [rows, ...] bound in blocks of whole rows, each within the device's binding limit and
// starting at an aligned offset. Rows [first_row, first_row + row_count) only.
struct RowBlock {
  int64_t first_row = 0;  // relative to first_row of the request
  int64_t rows = 0;
  Region region;
};
absl::StatusOr<std::vector<RowBlock>> RowBlocks(const Tensor& weight, int64_t first_row, int64_t row_count,
                                                const Context& device);

// Fails unless `t` is f32 (the Vulkan kernels compute on f32 tensors).
absl::Status RequireF32(const BindContext& ctx, const Tensor& t, absl::string_view what);

}  // namespace anvil::vk
