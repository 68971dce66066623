// CPU attention at TinyLlama's shape (32 query heads, 4 KV heads, head_dim 64) over a KV cache
// of capacity 2048: decoding one token at context 512 and 2048, and prompts of 512 and 2048 tokens
// (blocks of tokens through AttendTokens on AVX-512; memory stays O(head_dim) per row of a work
// item: no T x T score matrix).
//
//   build/bench/attention_bench
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "executors/cpu/kernel.h"
#include "tbb/task_arena.h"

namespace anvil::cpu {
namespace {

constexpr int64_t kHeads = 32, kKvHeads = 4, kHeadDim = 64, kCapacity = 2048;

// range(0): tokens per step; range(1): context after the step (position + tokens).
void BM_Attention(benchmark::State& state) {
  const int64_t tokens = state.range(0), context = state.range(1), threads = state.range(2);
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(-1, 1);
  std::vector<float> q(tokens * kHeads * kHeadDim), k(kKvHeads * kCapacity * kHeadDim), v(k.size()),
      y(q.size());
  for (auto* buffer : {&q, &k, &v}) {
    for (float& x : *buffer) x = u(rng);
  }
  Node node;
  node.op = "attention";
  auto as_bytes = [](std::vector<float>& b) { return reinterpret_cast<uint8_t*>(b.data()); };
  BindContext ctx{node,
                  {CpuTensor{DType::kF32, {tokens, kHeads, kHeadDim}, as_bytes(q)},
                   CpuTensor{DType::kF32, {kKvHeads, kCapacity, kHeadDim}, as_bytes(k)},
                   CpuTensor{DType::kF32, {kKvHeads, kCapacity, kHeadDim}, as_bytes(v)}},
                  {CpuTensor{DType::kF32, {tokens, kHeads, kHeadDim}, as_bytes(y)}}};
  auto kernel = BindAttention(ctx);
  if (!kernel.ok()) {
    state.SkipWithError(std::string(kernel.status().message()).c_str());
    return;
  }
  tbb::task_arena arena(static_cast<int>(threads));
  const StepState step{context - tokens};
  for (auto _ : state) {
    arena.execute([&] { (void)(*kernel)(step); });
    benchmark::DoNotOptimize(y.data());
  }
  // Keys and values a step reads: every (token, kv head) row it attends to, K and V.
  double rows = 0;
  for (int64_t t = 0; t < tokens; ++t) rows += static_cast<double>(context - tokens + t + 1);
  state.counters["FLOP/s"] = benchmark::Counter(4.0 * kHeads * kHeadDim * rows * state.iterations(),
                                                benchmark::Counter::kIsRate);
}

BENCHMARK(BM_Attention)
    ->ArgNames({"tokens", "context", "threads"})
    ->Args({1, 512, 1})
    ->Args({1, 512, 2})
    ->Args({1, 2048, 1})
    ->Args({1, 2048, 2})
    ->Args({512, 512, 2})
    ->Args({2048, 2048, 2})
    ->UseRealTime();

}  // namespace
}  // namespace anvil::cpu

BENCHMARK_MAIN();
