// GemmAmx (executors/cpu/simd/gemm_amx.h) where this CPU has AMX: the activation's bf16 parts
// sum back to it exactly; the products are at least as close to the exact dot products as the
// scalar f32 FMA chain over the widened weights (every product exact, only the order of the f32
// sums differs), across blocks of k, passes of tokens and partial tiles and groups; and a
// result does not depend on how rows are split into calls.
#include "executors/cpu/simd/gemm_amx.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "base/aligned_buffer.h"
#include "executors/cpu/simd/simd.h"
#include "gtest/gtest.h"
#include "ops/dequantize.h"

namespace anvil::cpu {
namespace {

#define SKIP_WITHOUT_AMX()                                               \
  if (!HasGemmAmx())                                                     \
  GTEST_SKIP() << "this CPU or OS offers no AMX-BF16 (f16/bf16 prefill " \
                  "takes the AVX-512 GEMM or sgemm, tested elsewhere)"

float Bf16(uint16_t bits) {
  const uint32_t u = uint32_t{bits} << 16;
  float f;
  std::memcpy(&f, &u, sizeof(f));
  return f;
}

std::vector<float> RandomRows(int64_t tokens, int64_t k, uint32_t seed, bool wide_range) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::uniform_int_distribution<int> e(-20, 20);
  std::vector<float> x(tokens * k);
  for (float& v : x) v = wide_range ? std::ldexp(u(rng), e(rng)) : u(rng);
  return x;
}

TEST(GemmAmxTest, PartsSumBackToTheActivationExactly) {
  SKIP_WITHOUT_AMX();
  constexpr int64_t kTokens = 37, kK = 100;  // a partial tile of tokens and a partial step of k
  const std::vector<float> x = RandomRows(kTokens, kK, 1, true);
  AmxRows rows;
  rows.Resize(kTokens, kK);
  SplitRowsForAmx(x.data(), 0, rows.tiles(), &rows);
  for (int64_t t = 0; t < rows.padded_tokens(); ++t) {
    for (int64_t j = 0; j < rows.steps() * 32; ++j) {
      const int64_t at = j % 32 / 2 * 32 + t % 16 * 2 + j % 2;
      double sum = 0.0;
      for (int part = 0; part < AmxRows::kParts; ++part)
        sum += Bf16(rows.Tile(part, t / 16, j / 32)[at]);
      const double want = t < kTokens && j < kK ? x[t * kK + j] : 0.0;
      ASSERT_EQ(sum, want) << "token " << t << " value " << j;
    }
  }
}

struct Case {
  DType dtype;
  int64_t tokens, k, rows;
};

class GemmAmxProductTest : public ::testing::TestWithParam<Case> {};

TEST_P(GemmAmxProductTest, AsCloseAsTheF32Chain) {
  SKIP_WITHOUT_AMX();
  const Case c = GetParam();
  const std::vector<float> x = RandomRows(c.tokens, c.k, 2, false);
  const std::vector<float> values = RandomRows(c.rows, c.k, 3, false);
  const int64_t row_bytes = RowBytes(c.dtype, c.k);
  AlignedBuffer w(row_bytes * c.rows);
  std::vector<float> widened(c.rows * c.k);
  for (int64_t r = 0; r < c.rows; ++r) {
    QuantizeRow(c.dtype, values.data() + r * c.k, c.k, w.data() + r * row_bytes);
    Dequantize(c.dtype, w.data() + r * row_bytes, c.k, widened.data() + r * c.k);
  }
  AmxRows rows;
  rows.Resize(c.tokens, c.k);
  SplitRowsForAmx(x.data(), 0, rows.tiles(), &rows);
  AmxScratch scratch;
  const float* got = GemmAmx(c.dtype, w.data(), row_bytes, c.rows, nullptr, 0, rows, &scratch);
  ASSERT_NE(got, nullptr);
  const int64_t ldc = rows.padded_tokens();
  double amx_error = 0.0, chain_error = 0.0;
  for (int64_t r = 0; r < c.rows; ++r) {
    for (int64_t t = 0; t < c.tokens; ++t) {
      double exact = 0.0;
      float chain = 0.0f;
      for (int64_t j = 0; j < c.k; ++j) {
        exact += static_cast<double>(widened[r * c.k + j]) * x[t * c.k + j];
        chain = std::fma(widened[r * c.k + j], x[t * c.k + j], chain);
      }
      amx_error = std::max(amx_error, std::fabs(got[r * ldc + t] - exact));
      chain_error = std::max(chain_error, std::fabs(chain - exact));
    }
  }
  EXPECT_LE(amx_error, 2.0 * chain_error) << "scalar f32 chain's error " << chain_error;
  // One call per group of rows gives the same bits.
  AmxScratch part;
  for (int64_t first = 0; first < c.rows; first += kAmxGroupRows) {
    const int64_t count = std::min(kAmxGroupRows, c.rows - first);
    const float* piece =
        GemmAmx(c.dtype, w.data() + first * row_bytes, row_bytes, count, nullptr, 0, rows, &part);
    for (int64_t r = 0; r < count; ++r) {
      for (int64_t t = 0; t < c.tokens; ++t) {
        ASSERT_EQ(piece[r * ldc + t], got[(first + r) * ldc + t])
            << "row " << first + r << " token " << t;
      }
    }
  }
}

// k = 1100: two whole blocks of 512 values and a partial one ending in a partial step; 300 tokens:
// two passes, the second ending in a single tile, the last one partial; 45 rows: a partial group.
INSTANTIATE_TEST_SUITE_P(Shapes, GemmAmxProductTest,
                         ::testing::Values(Case{DType::kBF16, 37, 1100, 45},
                                           Case{DType::kF16, 37, 1100, 45},
                                           Case{DType::kBF16, 300, 96, 33},
                                           Case{DType::kF16, 300, 96, 33},
                                           Case{DType::kF16, 16, 2048, 64}),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           const Case& c = info.param;
                           return std::string(DTypeName(c.dtype)) + "_T" +
                                  std::to_string(c.tokens) + "_K" + std::to_string(c.k) + "_N" +
                                  std::to_string(c.rows);
                         });

TEST(GemmAmxTest, OtherDtypesAndTheSwitch) {
  SKIP_WITHOUT_AMX();
  AmxRows rows;
  rows.Resize(16, 32);
  AmxScratch scratch;
  std::vector<float> w(32, 1.0f);
  EXPECT_EQ(GemmAmx(DType::kF32, reinterpret_cast<const uint8_t*>(w.data()), 128, 1, nullptr, 0,
                    rows, &scratch),
            nullptr);
  ForceGemmAmxOff(true);
  EXPECT_FALSE(HasGemmAmx());
  ForceGemmAmxOff(false);
  EXPECT_TRUE(HasGemmAmx());
}

}  // namespace
}  // namespace anvil::cpu
