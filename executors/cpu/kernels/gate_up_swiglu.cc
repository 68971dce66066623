// gate_up_swiglu: y[T, F] = silu(x W_gate^T) * (x W_up^T) over one weight [2F, K] whose first F
// rows are the gate and last F rows the up projection.
//   T = 1: both dot products of an output column in the same work item (one pass over x).
//   T > 1: the [T, 2F] product through the linear kernel's GEMM, then the activation.
#include <cmath>
#include <vector>

#include "executors/cpu/kernel.h"
#include "executors/cpu/kernels/dot.h"
#include "executors/cpu/parallel.h"
#include "ops/dequantize.h"
#include "tbb/enumerable_thread_specific.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindGateUpSwiglu(const BindContext& ctx) {
  const CpuTensor x = ctx.inputs[0], w = ctx.inputs[1], y = ctx.outputs[0];
  const int64_t tokens = x.dims[0], k = x.dims[1], f = w.dims[0] / 2;
  // The T > 1 path reuses the linear kernel into a [T, 2F] scratch owned by this kernel.
  auto product = std::make_shared<std::vector<float>>();
  CpuKernel gemm;
  if (tokens > 1) {
    product->resize(tokens * 2 * f);
    CpuTensor scratch{DType::kF32, {tokens, 2 * f}, reinterpret_cast<uint8_t*>(product->data())};
    BindContext linear{ctx.node, {x, w}, {scratch}};
    auto bound = BindLinear(linear);
    if (!bound.ok()) return bound.status();
    gemm = std::move(*bound);
  }
  const int64_t row_bytes = RowBytes(w.dtype, k);
  auto rows = std::make_shared<tbb::enumerable_thread_specific<std::vector<float>>>();
  return CpuKernel([=](const StepState& step) -> absl::Status {
    if (tokens > 1) {
      absl::Status s = gemm(step);
      if (!s.ok()) return s;
      const float* p = product->data();
      for (int64_t t = 0; t < tokens; ++t) {
        for (int64_t i = 0; i < f; ++i) {
          const float g = p[t * 2 * f + i];
          y.f32()[t * f + i] = g / (1.0f + std::exp(-g)) * p[t * 2 * f + f + i];
        }
      }
      return absl::OkStatus();
    }
    ParallelChunks(f, ChunkFor(2 * k), [&](int64_t begin, int64_t end) {
      std::vector<float>* buffer = nullptr;
      if (w.dtype != DType::kF32) {
        buffer = &rows->local();
        buffer->resize(2 * k);
      }
      for (int64_t i = begin; i < end; ++i) {
        const uint8_t* gate_row = w.data + i * row_bytes;
        const uint8_t* up_row = w.data + (f + i) * row_bytes;
        float g, u;
        if (buffer == nullptr) {
          g = DotF32(x.f32(), reinterpret_cast<const float*>(gate_row), k);
          u = DotF32(x.f32(), reinterpret_cast<const float*>(up_row), k);
        } else {
          DequantizeRow(w.dtype, gate_row, k, buffer->data());
          DequantizeRow(w.dtype, up_row, k, buffer->data() + k);
          g = DotF32(x.f32(), buffer->data(), k);
          u = DotF32(x.f32(), buffer->data() + k, k);
        }
        y.f32()[i] = g / (1.0f + std::exp(-g)) * u;
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
