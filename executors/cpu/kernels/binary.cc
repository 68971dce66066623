// add and mul on f32: b has a's shape or is a vector broadcast along a's last axis.
#include "executors/cpu/kernel.h"
#include "executors/cpu/parallel.h"

namespace anvil::cpu {
namespace {

template <typename Op>
absl::StatusOr<CpuKernel> BindBinary(const BindContext& ctx, Op op) {
  const CpuTensor a = ctx.inputs[0], b = ctx.inputs[1], y = ctx.outputs[0];
  const int64_t n = a.num_elements();
  const int64_t period = b.num_elements();
  return CpuKernel([=](const StepState&) {
    const float* pa = a.f32();
    const float* pb = b.f32();
    float* py = y.f32();
    ParallelChunks(n, ChunkFor(1, 1 << 15), [&](int64_t begin, int64_t end) {
      if (period == n) {
        for (int64_t i = begin; i < end; ++i) py[i] = op(pa[i], pb[i]);
      } else {
        for (int64_t i = begin; i < end; ++i) py[i] = op(pa[i], pb[i % period]);
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace

absl::StatusOr<CpuKernel> BindAdd(const BindContext& ctx) {
  return BindBinary(ctx, [](float x, float y) { return x + y; });
}

absl::StatusOr<CpuKernel> BindMul(const BindContext& ctx) {
  return BindBinary(ctx, [](float x, float y) { return x * y; });
}

}  // namespace anvil::cpu
