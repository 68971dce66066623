// The T > 1 linear at a long prompt's size: 512 tokens x 8192 values make a 16 MiB interleaved
// activation, where GemmFloat's calls take the long-prompt column count (linear.cc,
// kGemmFloatLongBytes). Every output against the scalar FMA chain over the widened weights (the
// kernel's contract on AVX-512 with AMX off; on AMX and elsewhere (sgemm) within rounding), the
// same bits on 1 and 2 threads, for a plain linear and for gate_up_swiglu.
#include <cmath>
#include <random>
#include <vector>

#include "base/aligned_buffer.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/simd/gemm_amx.h"
#include "executors/cpu/simd/simd.h"
#include "gtest/gtest.h"
#include "ops/dequantize.h"
#include "tbb/task_arena.h"

namespace anvil::cpu {
namespace {

std::vector<float> RunLinear(bool swiglu, const CpuTensor& x, const CpuTensor& w, int64_t tokens, int64_t out_columns,
                             int threads) {
  std::vector<float> y(tokens * out_columns, -7.0f);
  Node node;
  node.op = swiglu ? "gate_up_swiglu" : "linear";
  BindContext ctx{node, {x, w}, {CpuTensor{DType::kF32, {tokens, out_columns}, reinterpret_cast<uint8_t*>(y.data())}}};
  auto kernel = BindLinear(ctx, swiglu);
  EXPECT_TRUE(kernel.ok()) << kernel.status();
  if (!kernel.ok()) return {};
  tbb::task_arena arena(threads);
  absl::Status status;
  arena.execute([&] { status = (*kernel)(StepState{}); });
  EXPECT_TRUE(status.ok()) << status;
  return y;
}

TEST(LinearLongPromptTest, EveryColumnOnOneAndTwoThreads) {
  constexpr int64_t kTokens = 512, kK = 8192, kRows = 80;  // gate_up_swiglu: F = 40
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(kTokens * kK), row(kK), widened(kRows * kK);
  for (float& v : x) v = u(rng);
  const int64_t row_bytes = RowBytes(DType::kF16, kK);
  AlignedBuffer w(row_bytes * kRows);
  for (int64_t r = 0; r < kRows; ++r) {
    for (float& v : row) v = u(rng);
    QuantizeRow(DType::kF16, row.data(), kK, w.data() + r * row_bytes);
    Dequantize(DType::kF16, w.data() + r * row_bytes, kK, widened.data() + r * kK);
  }
  const CpuTensor xt{DType::kF32, {kTokens, kK}, reinterpret_cast<uint8_t*>(x.data())};
  const CpuTensor wt{DType::kF16, {kRows, kK}, w.data()};
  // Every third token against the chain (the check is scalar); all of them across thread counts.
  auto expected = [&](int64_t t, int64_t r) {
    float sum = 0.0f;
    for (int64_t j = 0; j < kK; ++j) sum = std::fma(widened[r * kK + j], x[t * kK + j], sum);
    return sum;
  };
  // GemmFloat's result is the chain's; GemmAmx's (f16 on AMX) and sgemm's within rounding.
  for (bool amx : {false, true}) {
    if (amx && !HasGemmAmx()) continue;
    SCOPED_TRACE(amx ? "AMX" : "AMX off");
    ForceGemmAmxOff(!amx);
    const struct Restore {
      ~Restore() { ForceGemmAmxOff(false); }
    } restore;
    const bool exact = !amx && HasGemmFloat();
    // Within rounding: 1e-4 of a product; through SwiGLU, each product's allowance times how much
    // the output moves with it (|silu'| <= 1.1).
    auto tolerance = [](float gate, float up, bool swiglu) {
      const float gate_tol = 1e-4f * (1.0f + std::fabs(gate)), up_tol = 1e-4f * (1.0f + std::fabs(up));
      if (!swiglu) return gate_tol;
      float silu = 0.0f;
      Swiglu(&gate, nullptr, 1, &silu);
      return 1.1f * std::fabs(up) * gate_tol + std::fabs(silu) * up_tol;
    };
    for (bool swiglu : {false, true}) {
      SCOPED_TRACE(swiglu ? "gate_up_swiglu" : "linear");
      const int64_t columns = swiglu ? kRows / 2 : kRows;
      const std::vector<float> one = RunLinear(swiglu, xt, wt, kTokens, columns, 1);
      const std::vector<float> two = RunLinear(swiglu, xt, wt, kTokens, columns, 2);
      ASSERT_EQ(one.size(), static_cast<size_t>(kTokens * columns));
      ASSERT_EQ(one, two);
      for (int64_t t = 0; t < kTokens; t += 3) {
        for (int64_t c = 0; c < columns; ++c) {
          float want = expected(t, c);
          const float gate = want, up = swiglu ? expected(t, columns + c) : 0.0f;
          if (swiglu) Swiglu(&gate, &up, 1, &want);
          const float got = one[t * columns + c];
          ASSERT_TRUE(exact ? got == want : std::fabs(got - want) <= tolerance(gate, up, swiglu))
              << "token " << t << " column " << c << ": " << got << " against " << want;
        }
      }
    }
  }
}

}  // namespace
}  // namespace anvil::cpu
