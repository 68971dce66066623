// Prefill GEMM (T > 1 linear) at real shapes, per weight dtype: the CPU executor's kernel as a
// prefill step runs it (TBB over chunks of output columns; on AVX-512, q8_0/q4_0 in int8 (VNNI)
// and f32/f16/bf16 through GemmFloat, f16/bf16 through GemmAmx where the CPU has AMX (then also
// without it, as no_amx/...); otherwise OpenBLAS inside with compressed weights dequantized chunk
// by chunk), OpenBLAS alone on the same f32 shapes as the baseline, and
// `fma_peak`: a loop of independent AVX-512 FMAs, the most FLOP/s this CPU's vector units give.
// `gate_up_swiglu/...` is the fused gate/up projection with its activation (the layer's largest
// matmul: y[T, F] = silu(x W_gate^T) * (x W_up^T) from one [2F, K] weight). Reports FLOP/s (of
// the matmul).
//
//   build/bench/gemm_bench --benchmark_filter='f32'
#include <cblas.h>
#include <immintrin.h>

#include <random>
#include <vector>

#include "base/aligned_buffer.h"
#include "benchmark/benchmark.h"
#include "executors/cpu/blas.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/simd/gemm_amx.h"
#include "ops/dequantize.h"
#include "tbb/parallel_for.h"
#include "tbb/task_arena.h"

namespace anvil::cpu {
namespace {

struct Shape {
  int64_t tokens, n, k;
};

void BM_Gemm(benchmark::State& state, DType dtype, Shape shape, bool swiglu, bool amx_off) {
  const int threads = static_cast<int>(state.range(0));
  const int64_t row_bytes = RowBytes(dtype, shape.k);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(-0.05f, 0.05f);
  std::vector<float> row(shape.k), x(shape.tokens * shape.k), y(shape.tokens * (swiglu ? shape.n / 2 : shape.n));
  AlignedBuffer w(row_bytes * shape.n);
  for (int64_t r = 0; r < shape.n; ++r) {
    for (float& v : row) v = u(rng);
    QuantizeRow(dtype, row.data(), shape.k, w.data() + r * row_bytes);
  }
  for (float& v : x) v = u(rng);
  Node node;
  node.op = swiglu ? "gate_up_swiglu" : "linear";
  BindContext ctx{node,
                  {CpuTensor{DType::kF32, {shape.tokens, shape.k}, reinterpret_cast<uint8_t*>(x.data())},
                   CpuTensor{dtype, {shape.n, shape.k}, w.data()}},
                  {CpuTensor{DType::kF32, {shape.tokens, swiglu ? shape.n / 2 : shape.n},
                             reinterpret_cast<uint8_t*>(y.data())}}};
  ForceGemmAmxOff(amx_off);  // read when the kernel chooses its path, at bind
  auto kernel = BindLinear(ctx, swiglu);
  ForceGemmAmxOff(false);
  if (!kernel.ok()) {
    state.SkipWithError(std::string(kernel.status().message()).c_str());
    return;
  }
  tbb::task_arena arena(threads);
  for (auto _ : state) {
    arena.execute([&] { (void)(*kernel)(StepState{}); });
    benchmark::DoNotOptimize(y.data());
  }
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * shape.tokens * shape.n * shape.k * state.iterations(),
                                                benchmark::Counter::kIsRate);
}

// The baseline: OpenBLAS alone, one f32 sgemm call on its own `threads` threads (no TBB).
void BM_OpenBlas(benchmark::State& state, Shape shape) {
  const int threads = static_cast<int>(state.range(0));
  auto blas = LoadBlas();
  if (!blas.ok()) {
    state.SkipWithError(std::string(blas.status().message()).c_str());
    return;
  }
  std::vector<float> x(shape.tokens * shape.k, 0.01f), w(shape.n * shape.k, 0.02f), y(shape.tokens * shape.n);
  (*blas)->set_num_threads(threads);
  for (auto _ : state) {
    (*blas)->sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(shape.tokens), static_cast<int>(shape.n),
                   static_cast<int>(shape.k), 1.0f, x.data(), static_cast<int>(shape.k), w.data(),
                   static_cast<int>(shape.k), 0.0f, y.data(), static_cast<int>(shape.n));
    benchmark::DoNotOptimize(y.data());
  }
  (*blas)->set_num_threads(1);
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * shape.tokens * shape.n * shape.k * state.iterations(),
                                                benchmark::Counter::kIsRate);
}

// The ceiling of GemmFloat (AVX-512 only): independent AVX-512 FMAs (12 accumulators per thread,
// no memory traffic) on `threads` threads, 16 lanes x 2 FLOPs each.
__attribute__((target("avx512f"))) float FmaLoop(int64_t iterations) {
  __m512 acc[12];
  const __m512 b = _mm512_set1_ps(1.0000001f), c = _mm512_set1_ps(1e-7f);
#pragma GCC unroll 12
  for (int i = 0; i < 12; ++i) acc[i] = _mm512_set1_ps(static_cast<float>(i));
  for (int64_t it = 0; it < iterations; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < 12; ++i) acc[i] = _mm512_fmadd_ps(acc[i], b, c);
  }
  alignas(64) float lanes[16];
  float sum = 0;
  for (int i = 0; i < 12; ++i) {
    _mm512_store_ps(lanes, acc[i]);
    for (float v : lanes) sum += v;
  }
  return sum;
}

void BM_FmaPeak(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  if (!__builtin_cpu_supports("avx512f")) {
    state.SkipWithError("no AVX-512 on this CPU");
    return;
  }
  constexpr int64_t kIterations = 1 << 22;
  tbb::task_arena arena(threads);
  for (auto _ : state) {
    arena.execute([&] {
      tbb::parallel_for(0, threads, [&](int) {
        benchmark::DoNotOptimize(FmaLoop(kIterations));
      });
    });
  }
  const double flops_per_iteration = 12.0 * 16 * 2 * kIterations * threads;
  state.counters["FLOP/s"] = benchmark::Counter(flops_per_iteration * state.iterations(), benchmark::Counter::kIsRate);
}

void Register() {
  benchmark::RegisterBenchmark("fma_peak", BM_FmaPeak)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime();
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0}) {
    // TinyLlama's projections at pp128: q/o, fused qkv, fused gate/up, down; and down at pp2048
    // (the largest activation: 2048 x 5632 floats, 46 MiB).
    for (Shape s : {Shape{128, 2048, 2048}, Shape{128, 2560, 2048}, Shape{128, 11264, 2048}, Shape{128, 2048, 5632},
                    Shape{2048, 2048, 5632}}) {
      // f16/bf16 on a CPU with AMX: also with it turned off (the AVX-512 GEMM), as no_amx/...
      for (bool amx_off : {false, true}) {
        if (amx_off && !(HasGemmAmx() && (dtype == DType::kF16 || dtype == DType::kBF16))) continue;
        const std::string suffix = std::string(DTypeName(dtype)) + "/T" + std::to_string(s.tokens) + "/" +
                                   std::to_string(s.n) + "x" + std::to_string(s.k);
        const std::string prefix = amx_off ? "no_amx/" : "";
        benchmark::RegisterBenchmark((prefix + "gemm/" + suffix).c_str(), BM_Gemm, dtype, s, false, amx_off)
            ->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime();
        if (s.n == 11264) {
          benchmark::RegisterBenchmark((prefix + "gate_up_swiglu/" + suffix).c_str(), BM_Gemm, dtype, s, true, amx_off)
              ->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime();
        }
      }
      if (dtype == DType::kF32) {
        const std::string baseline = "openblas_alone/f32/T" + std::to_string(s.tokens) + "/" + std::to_string(s.n) +
                                     "x" + std::to_string(s.k);
        benchmark::RegisterBenchmark(baseline.c_str(), BM_OpenBlas, s)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime();
      }
    }
  }
}

}  // namespace
}  // namespace anvil::cpu

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  anvil::cpu::Register();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
