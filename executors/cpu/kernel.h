// How the CPU executor binds and runs kernels.
//
// At compile time each node's kernel factory receives its tensors with concrete dims and final
// addresses (arena, weights, states) and returns a CpuKernel: a closure that runs the node for
// one step. Factories check attributes and precompute what they can; the closure allocates
// nothing. Per-step values (the position P) come in through StepState.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "base/dtype.h"
#include "graph/graph.h"
#include "graph/shape.h"

namespace anvil::cpu {

struct CpuTensor {
  DType dtype = DType::kF32;
  std::vector<int64_t> dims;
  uint8_t* data = nullptr;  // null for an absent optional input

  int64_t num_elements() const { return NumElements(dims); }
  int64_t rows() const {  // product of all but the last dim
    int64_t r = 1;
    for (size_t i = 0; i + 1 < dims.size(); ++i) r *= dims[i];
    return r;
  }
  int64_t last() const { return dims.empty() ? 1 : dims.back(); }
  float* f32() const { return reinterpret_cast<float*>(data); }
  int32_t* i32() const { return reinterpret_cast<int32_t*>(data); }
};

struct StepState {
  int64_t position = 0;  // P: tokens in the KV cache before this step
};

using CpuKernel = std::function<absl::Status(const StepState&)>;

struct BindContext {
  const Node& node;
  std::vector<CpuTensor> inputs;
  std::vector<CpuTensor> outputs;
  // Objects to keep for the plan's lifetime (packed weights), so that binding again (capture,
  // eager steps) finds them instead of rebuilding them. Null outside a plan.
  std::set<std::shared_ptr<const void>>* plan_resources = nullptr;
};

using KernelFactory = absl::StatusOr<CpuKernel> (*)(const BindContext&);

// The kernel factory for `op`, or null if the CPU executor has none.
KernelFactory FindKernel(absl::string_view op);

// Factories, one per op (executors/cpu/kernels/<op>.cc), listed in kernels/registry.cc.
absl::StatusOr<CpuKernel> BindAdd(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindMul(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindSilu(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindSwiglu(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindRmsNorm(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindEmbedding(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindLinear(const BindContext& ctx);
// The linear kernel with gate_up_swiglu's activation fused into its output: a weight [2F, K],
// y[T, F] = silu(x W[:F]^T) * (x W[F:]^T) (kernels/linear.cc; gate_up_swiglu's T > 1 path).
absl::StatusOr<CpuKernel> BindLinear(const BindContext& ctx, bool swiglu);
absl::StatusOr<CpuKernel> BindSplit(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindTakeLast(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindRope(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindKvCacheWrite(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindAttention(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindArgmax(const BindContext& ctx);
// Fused ops.
absl::StatusOr<CpuKernel> BindAddRmsNorm(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindGateUpSwiglu(const BindContext& ctx);
absl::StatusOr<CpuKernel> BindSplitRopeKvWrite(const BindContext& ctx);

}  // namespace anvil::cpu
