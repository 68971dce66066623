// Decode GEMV (T = 1 linear) at real shapes, per weight dtype: the CPU executor's kernel as a
// model step runs it (TBB over --threads, the activation quantized once per call for q8_0/q4_0).
// Each iteration reads a different copy of the weights (together larger than the last-level
// cache), so bytes/s is a memory-bandwidth figure, comparable with `anvil bench`'s probe (run
// here too as read_probe). q8_0/q4_0 run on the packed copy where the CPU has one.
//
//   build/bench/gemv_bench --benchmark_filter='q4_0'
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "base/aligned_buffer.h"
#include "benchmark/benchmark.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/simd/simd.h"
#include "ops/dequantize.h"
#include "tbb/parallel_for.h"
#include "tbb/task_arena.h"

namespace anvil::cpu {
namespace {

constexpr int64_t kWorkingSetBytes = int64_t{1} << 30;  // over all copies

struct Shape {
  int64_t n, k;
};

// `cached`: one copy of the weights, read again every iteration (from L2 at small shapes): the
// kernel's compute ceiling rather than memory bandwidth. `tokens` > 1: a linear over that many
// activation rows (the few-token GEMV, DotRowsTokens, up to 12 tokens of f16/bf16 and 24 of
// f32; GemmFloat above: the T sweep shows the crossover).
void BM_Gemv(benchmark::State& state, DType dtype, Shape shape, bool cached, int64_t tokens) {
  const int threads = static_cast<int>(state.range(0));
  const int64_t matrix_bytes = RowBytes(dtype, shape.k) * shape.n;
  const int64_t copies = cached ? 1 : std::max<int64_t>(2, kWorkingSetBytes / matrix_bytes);
  // Random weights, quantized once; the other copies are byte copies of the first.
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(-0.05f, 0.05f);
  std::vector<float> row(shape.k);
  std::vector<AlignedBuffer> weights;
  weights.emplace_back(matrix_bytes);
  for (int64_t r = 0; r < shape.n; ++r) {
    for (float& v : row) v = u(rng);
    QuantizeRow(dtype, row.data(), shape.k, weights[0].data() + r * RowBytes(dtype, shape.k));
  }
  for (int64_t c = 1; c < copies; ++c) {
    weights.emplace_back(matrix_bytes);
    std::memcpy(weights.back().data(), weights[0].data(), matrix_bytes);
  }
  std::vector<float> x(tokens * shape.k), y(tokens * shape.n);
  for (float& v : x) v = u(rng);
  Node node;
  node.op = "linear";
  std::vector<CpuKernel> kernels;
  for (AlignedBuffer& w : weights) {
    BindContext ctx{node,
                    {CpuTensor{DType::kF32, {tokens, shape.k}, reinterpret_cast<uint8_t*>(x.data())},
                     CpuTensor{dtype, {shape.n, shape.k}, w.data()}},
                    {CpuTensor{DType::kF32, {tokens, shape.n}, reinterpret_cast<uint8_t*>(y.data())}}};
    auto kernel = BindLinear(ctx);
    if (!kernel.ok()) {
      state.SkipWithError(std::string(kernel.status().message()).c_str());
      return;
    }
    kernels.push_back(std::move(*kernel));
  }
  tbb::task_arena arena(threads);
  size_t next = 0;
  for (auto _ : state) {
    arena.execute([&] { (void)kernels[next](StepState{}); });
    next = (next + 1) % kernels.size();
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * matrix_bytes);
  state.counters["FLOP/s"] = benchmark::Counter(2.0 * static_cast<double>(state.iterations()) * tokens * shape.n *
                                                shape.k, benchmark::Counter::kIsRate);
  state.counters["copies"] = static_cast<double>(copies);
}

// The row kernel alone (simd/DotRows, one thread, no TBB, activation quantized beforehand) over
// an L2-resident matrix: the compute ceiling of the inner loop.
void BM_DotRows(benchmark::State& state, DType dtype, Shape shape) {
  const int64_t row_bytes = RowBytes(dtype, shape.k);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(-0.05f, 0.05f);
  std::vector<float> row(shape.k), x(shape.k), y(shape.n);
  AlignedBuffer w(row_bytes * shape.n);
  for (int64_t r = 0; r < shape.n; ++r) {
    for (float& v : row) v = u(rng);
    QuantizeRow(dtype, row.data(), shape.k, w.data() + r * row_bytes);
  }
  for (float& v : x) v = u(rng);
  QuantizedVector xq;
  if (dtype == DType::kQ8_0 || dtype == DType::kQ4_0) QuantizeForDot(dtype, x.data(), shape.k, &xq);
  for (auto _ : state) {
    DotRows(dtype, w.data(), row_bytes, shape.k, x.data(), &xq, shape.n, y.data());
    benchmark::DoNotOptimize(y.data());
  }
  state.SetBytesProcessed(state.iterations() * row_bytes * shape.n);
  state.counters["weights/s"] = benchmark::Counter(static_cast<double>(state.iterations()) * shape.n * shape.k,
                                                   benchmark::Counter::kIsRate);
}

// The yardstick in the same run: `anvil bench`'s read-bandwidth probe (each thread streams its
// slice of 1 GiB) as one benchmark.
void BM_ReadProbe(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  AlignedBuffer buffer(kWorkingSetBytes);
  std::memset(buffer.data(), 0x5a, buffer.size());
  const int64_t slice = kWorkingSetBytes / threads / 64 * 64;
  tbb::task_arena arena(threads);
  for (auto _ : state) {
    arena.execute([&] {
      tbb::parallel_for(0, threads, [&](int t) {
        benchmark::DoNotOptimize(StreamRead(buffer.data() + t * slice, static_cast<size_t>(slice)));
      }, tbb::static_partitioner());
    });
  }
  state.SetBytesProcessed(state.iterations() * slice * threads);
}

// QuantizeForDot: the per-call cost of the integer path's activation quantization.
void BM_QuantizeForDot(benchmark::State& state) {
  const int64_t k = state.range(0);
  std::vector<float> x(k);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  for (float& v : x) v = u(rng);
  QuantizedVector xq;
  for (auto _ : state) {
    QuantizeForDot(DType::kQ4_0, x.data(), k, &xq);
    benchmark::DoNotOptimize(xq.q.data());
  }
}

void Register() {
  benchmark::RegisterBenchmark("quantize_for_dot", BM_QuantizeForDot)->Arg(2048)->Arg(5632);
  benchmark::RegisterBenchmark("read_probe/1GiB", BM_ReadProbe)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime();
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0}) {
    for (Shape s : {Shape{2048, 2048}, Shape{5632, 2048}, Shape{32000, 2048}}) {
      const std::string name = std::string("gemv/") + DTypeName(dtype) + "/" + std::to_string(s.n) + "x" + std::to_string(s.k);
      benchmark::RegisterBenchmark(name.c_str(), BM_Gemv, dtype, s, false, 1)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime();
    }
    if (dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16) {
      for (int64_t tokens : {2, 4, 8, 12, 16, 24}) {
        const std::string name = std::string("gemv_tokens/") + DTypeName(dtype) + "/T" + std::to_string(tokens) + "/5632x2048";
        benchmark::RegisterBenchmark(name.c_str(), BM_Gemv, dtype, Shape{5632, 2048}, false, tokens)->Arg(2)->ArgName("threads")->UseRealTime();
      }
    }
    const std::string cached = std::string("gemv_cached/") + DTypeName(dtype) + "/256x2048";
    benchmark::RegisterBenchmark(cached.c_str(), BM_Gemv, dtype, Shape{256, 2048}, true, 1)->Arg(1)->ArgName("threads")->UseRealTime();
    const std::string kernel = std::string("dot_rows/") + DTypeName(dtype) + "/512x2048";
    benchmark::RegisterBenchmark(kernel.c_str(), BM_DotRows, dtype, Shape{512, 2048});
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
