// linear: y[T, N] = x[T, K] * W[N, K]^T (+ bias).
//   T = 1: GEMV, output rows in fixed chunks across threads.
//   T > 1: OpenBLAS sgemm per fixed chunk of output columns (OpenBLAS runs single-threaded
//          inside TBB tasks; the chunking does the parallelism).
// Weights that are not f32 are dequantized row by row (GEMV) or chunk by chunk (GEMM) into a
// per-thread buffer that is allocated on first use and reused.
#include <cblas.h>

#include <vector>

#include "executors/cpu/kernel.h"
#include "executors/cpu/kernels/dot.h"
#include "executors/cpu/parallel.h"
#include "ops/dequantize.h"
#include "tbb/enumerable_thread_specific.h"

namespace anvil::cpu {
namespace {

constexpr int64_t kGemmChunk = 128;  // output columns per sgemm call

struct LinearArgs {
  CpuTensor x, w, bias, y;
  int64_t tokens, k, n, row_bytes;
};

void Gemv(const LinearArgs& a, tbb::enumerable_thread_specific<std::vector<float>>& scratch) {
  const float* x = a.x.f32();
  ParallelChunks(a.n, ChunkFor(a.k), [&](int64_t begin, int64_t end) {
    std::vector<float>* row = nullptr;
    if (a.w.dtype != DType::kF32) {
      row = &scratch.local();
      row->resize(a.k);
    }
    for (int64_t r = begin; r < end; ++r) {
      const uint8_t* wr = a.w.data + r * a.row_bytes;
      float acc;
      if (row == nullptr) {
        acc = DotF32(x, reinterpret_cast<const float*>(wr), a.k);
      } else {
        DequantizeRow(a.w.dtype, wr, a.k, row->data());
        acc = DotF32(x, row->data(), a.k);
      }
      a.y.f32()[r] = acc + (a.bias.data ? a.bias.f32()[r] : 0.0f);
    }
  });
}

void Gemm(const LinearArgs& a, tbb::enumerable_thread_specific<std::vector<float>>& scratch) {
  ParallelChunks(a.n, kGemmChunk, [&](int64_t begin, int64_t end) {
    const int64_t cols = end - begin;
    const float* w;
    if (a.w.dtype == DType::kF32) {
      w = a.w.f32() + begin * a.k;
    } else {
      std::vector<float>& tile = scratch.local();
      tile.resize(cols * a.k);
      for (int64_t r = 0; r < cols; ++r) {
        DequantizeRow(a.w.dtype, a.w.data + (begin + r) * a.row_bytes, a.k, tile.data() + r * a.k);
      }
      w = tile.data();
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(a.tokens), static_cast<int>(cols),
                static_cast<int>(a.k), 1.0f, a.x.f32(), static_cast<int>(a.k), w, static_cast<int>(a.k), 0.0f,
                a.y.f32() + begin, static_cast<int>(a.n));
    if (a.bias.data) {
      for (int64_t t = 0; t < a.tokens; ++t) {
        for (int64_t c = begin; c < end; ++c) a.y.f32()[t * a.n + c] += a.bias.f32()[c];
      }
    }
  });
}

}  // namespace

absl::StatusOr<CpuKernel> BindLinear(const BindContext& ctx) {
  LinearArgs a;
  a.x = ctx.inputs[0];
  a.w = ctx.inputs[1];
  if (ctx.inputs.size() > 2) a.bias = ctx.inputs[2];
  a.y = ctx.outputs[0];
  a.tokens = a.x.dims[0];
  a.k = a.x.dims[1];
  a.n = a.w.dims[0];
  a.row_bytes = RowBytes(a.w.dtype, a.k);
  auto scratch = std::make_shared<tbb::enumerable_thread_specific<std::vector<float>>>();
  return CpuKernel([a, scratch](const StepState&) {
    if (a.tokens == 1) {
      Gemv(a, *scratch);
    } else {
      Gemm(a, *scratch);
    }
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
