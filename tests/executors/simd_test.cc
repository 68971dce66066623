// The CPU SIMD kernels on every instruction set this machine supports, against scalar loops on
// the dequantized weights.
#include "executors/cpu/simd/simd.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "executors/cpu/kernels/packed_weights.h"
#include "gtest/gtest.h"
#include "ops/dequantize.h"

namespace anvil::cpu {
namespace {

// Forces each SIMD target in turn for the body of a test.
class SimdTest : public ::testing::TestWithParam<int64_t> {
 protected:
  void SetUp() override { ForceSimdTarget(GetParam()); }
  void TearDown() override { ForceSimdTarget(0); }
};

std::vector<float> RandomValues(int64_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

struct Matrix {
  std::vector<uint8_t> bytes;
  std::vector<float> values;  // dequantized
  int64_t row_bytes;
};

Matrix MakeMatrix(DType dtype, int64_t rows, int64_t k, uint64_t seed) {
  Matrix m;
  m.row_bytes = RowBytes(dtype, k);
  m.bytes.resize(m.row_bytes * rows);
  m.values.resize(rows * k);
  const std::vector<float> raw = RandomValues(rows * k, seed);
  for (int64_t r = 0; r < rows; ++r) {
    QuantizeRow(dtype, raw.data() + r * k, k, m.bytes.data() + r * m.row_bytes);
    DequantizeRow(dtype, m.bytes.data() + r * m.row_bytes, k, m.values.data() + r * k);
  }
  return m;
}

bool Quantized(DType d) { return d == DType::kQ8_0 || d == DType::kQ4_0; }

TEST_P(SimdTest, TargetIsTheForcedOne) { EXPECT_EQ(SimdTargetName(), SimdTargetName(GetParam())); }

TEST_P(SimdTest, DotRowsMatchesScalarLoops) {
  const int64_t rows = 9;  // two groups of four and a single row
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0}) {
    // Block counts for every path of the integer kernel: 1, 3 (pair + odd), 6 (quad + pair),
    // 7 (quad + pair + odd), 9 (stories15M's dim), 64; 37/45: tails (float only).
    for (int64_t k : {32, 96, 192, 224, 288, 2048, 37, 45}) {
      if (Quantized(dtype) && k % 32 != 0) continue;
      SCOPED_TRACE(std::string(DTypeName(dtype)) + " k=" + std::to_string(k));
      const Matrix w = MakeMatrix(dtype, rows, k, 7 + k);
      const std::vector<float> x = RandomValues(k, 11 + k);
      QuantizedVector xq;
      if (Quantized(dtype)) QuantizeForDot(dtype, x.data(), k, &xq);
      std::vector<float> y(rows);
      DotRows(dtype, w.bytes.data(), w.row_bytes, k, x.data(), &xq, rows, y.data());
      double error = 0, signal = 0;
      for (int64_t r = 0; r < rows; ++r) {
        // The exact product of what the kernel multiplies: dequantized weights times x, or
        // times the quantized activation for q8_0/q4_0.
        double exact = 0, magnitude = 0, full = 0;
        for (int64_t j = 0; j < k; ++j) {
          const double xv = Quantized(dtype) ? double{xq.scale[j / 32]} * xq.q[j] : x[j];
          exact += double{w.values[r * k + j]} * xv;
          magnitude += std::fabs(double{w.values[r * k + j]} * xv);
          full += double{w.values[r * k + j]} * x[j];
        }
        EXPECT_NEAR(y[r], exact, 1e-6 * magnitude + 1e-6) << "row " << r;
        error += (y[r] - full) * (y[r] - full);
        signal += full * full;
        // A row's result does not depend on which rows are computed with it.
        float alone;
        DotRows(dtype, w.bytes.data() + r * w.row_bytes, w.row_bytes, k, x.data(), &xq, 1, &alone);
        EXPECT_EQ(alone, y[r]) << "row " << r;
      }
      // Against f32 activations the activation quantization costs at most ~1e-4 NMSE.
      EXPECT_LT(error / signal, Quantized(dtype) ? 2e-4 : 1e-10);
    }
  }
}

TEST_P(SimdTest, DotRowsTokensIsTheProductForEveryRowAndToken) {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
    // Rows: whole groups of four and the single rows after them; tokens: groups of four and a
    // short last group; k: vector tails.
    for (int64_t k : {1, 7, 16, 37, 2048}) {
      for (int64_t rows : {1, 4, 6, 9}) {
        for (int64_t tokens : {2, 3, 4, 5, 8}) {
          SCOPED_TRACE(std::string(DTypeName(dtype)) + " k=" + std::to_string(k) + " rows=" + std::to_string(rows) +
                       " tokens=" + std::to_string(tokens));
          const Matrix w = MakeMatrix(dtype, rows, k, 19 + k + rows);
          const std::vector<float> x = RandomValues(tokens * k, 1000 + 23 * k + tokens);
          // y has two columns past the rows that the call must leave alone.
          const int64_t ldy = rows + 2;
          std::vector<float> y(tokens * ldy, std::numeric_limits<float>::quiet_NaN());
          ASSERT_TRUE(DotRowsTokens(dtype, w.bytes.data(), w.row_bytes, k, x.data(), tokens, rows, y.data(), ldy));
          for (int64_t t = 0; t < tokens; ++t) {
            for (int64_t r = 0; r < rows; ++r) {
              double exact = 0, magnitude = 0;
              for (int64_t j = 0; j < k; ++j) {
                exact += double{w.values[r * k + j]} * x[t * k + j];
                magnitude += std::fabs(double{w.values[r * k + j]} * x[t * k + j]);
              }
              EXPECT_NEAR(y[t * ldy + r], exact, 1e-6 * magnitude + 1e-7) << "row " << r << " token " << t;
              // A result does not depend on which rows and tokens are computed with it.
              float alone = std::numeric_limits<float>::quiet_NaN();
              DotRowsTokens(dtype, w.bytes.data() + r * w.row_bytes, w.row_bytes, k, x.data() + t * k, 1, 1, &alone, 1);
              EXPECT_EQ(alone, y[t * ldy + r]) << "row " << r << " token " << t;
            }
            EXPECT_TRUE(std::isnan(y[t * ldy + rows]) && std::isnan(y[t * ldy + rows + 1])) << "token " << t;
          }
        }
      }
    }
  }
  const Matrix q = MakeMatrix(DType::kQ8_0, 1, 32, 1);
  float y = 0;
  EXPECT_FALSE(DotRowsTokens(DType::kQ8_0, q.bytes.data(), q.row_bytes, 32, RandomValues(32, 2).data(), 1, 1, &y, 1));
}

TEST_P(SimdTest, Bf16SplitMatchesDotRows) {
  const int64_t rows = 9;
  for (int64_t k : {1, 2, 7, 16, 32, 37, 45, 96, 2048}) {
    SCOPED_TRACE("k=" + std::to_string(k));
    const Matrix w = MakeMatrix(DType::kBF16, rows, k, 13 + k);
    const std::vector<float> x = RandomValues(k, 17 + k);
    std::vector<float> split;
    SplitEvenOdd(x.data(), k, &split);
    std::vector<float> sorted_x = x, sorted_split = split;
    std::sort(sorted_x.begin(), sorted_x.end());
    std::sort(sorted_split.begin(), sorted_split.end());
    EXPECT_EQ(sorted_split, sorted_x) << "the split form is a permutation of x";
    std::vector<float> expected(rows), got(rows);
    DotRows(DType::kBF16, w.bytes.data(), w.row_bytes, k, x.data(), nullptr, rows, expected.data());
    DotRowsBf16Split(w.bytes.data(), w.row_bytes, k, x.data(), split.data(), rows, got.data());
    for (int64_t r = 0; r < rows; ++r) {
      double magnitude = 0;
      for (int64_t j = 0; j < k; ++j) magnitude += std::fabs(double{w.values[r * k + j]} * x[j]);
      EXPECT_NEAR(got[r], expected[r], 1e-6 * magnitude + 1e-7) << "row " << r;
    }
  }
}

TEST_P(SimdTest, DequantizeIsBitIdenticalToTheReference) {
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0}) {
    for (int64_t k : {32, 96, 2048, 37}) {
      if (Quantized(dtype) && k % 32 != 0) continue;
      const Matrix w = MakeMatrix(dtype, 1, k, 5 + k);
      std::vector<float> out(k);
      Dequantize(dtype, w.bytes.data(), k, out.data());
      for (int64_t j = 0; j < k; ++j) ASSERT_EQ(out[j], w.values[j]) << DTypeName(dtype) << " k=" << k << " j=" << j;
    }
  }
}

TEST_P(SimdTest, QuantizeForDotRoundTrips) {
  const std::vector<float> x = RandomValues(64, 3);
  QuantizedVector xq;
  QuantizeForDot(DType::kQ4_0, x.data(), 64, &xq);
  ASSERT_EQ(xq.q.size(), 64u);
  for (int j = 0; j < 64; ++j) EXPECT_NEAR(xq.scale[j / 32] * xq.q[j], x[j], xq.scale[j / 32] * 0.5f + 1e-7f);
  for (int g = 0; g < 16; ++g) {
    EXPECT_EQ(xq.lane_bias[g], -8 * (xq.q[4 * g] + xq.q[4 * g + 1] + xq.q[4 * g + 2] + xq.q[4 * g + 3]));
  }
  // An all-zero block has scale 0 and zero codes, not NaN.
  std::vector<float> zeros(32, 0.0f);
  QuantizeForDot(DType::kQ8_0, zeros.data(), 32, &xq);
  EXPECT_EQ(xq.scale[0], 0.0f);
  for (int j = 0; j < 32; ++j) EXPECT_EQ(xq.q[j], 0);
}

TEST_P(SimdTest, GemmQuantMatchesDotRowsForEveryToken) {
  // The integer GEMM exists on AVX-512 VNNI only; elsewhere it computes nothing.
  EXPECT_EQ(HasGemmQuant(), SimdTargetName() == "AVX3_DL");
  struct Case {
    int64_t rows, tokens, k;
  };
  // Strip pairs, a single last strip, partial strips, token tails 1-5 after tiles of 6.
  for (Case c : {Case{1, 1, 32}, Case{5, 7, 96}, Case{16, 6, 288}, Case{17, 13, 64}, Case{37, 12, 288},
                 Case{70, 3, 2048}, Case{32, 8, 32}, Case{48, 11, 160}}) {
    for (DType dtype : {DType::kQ8_0, DType::kQ4_0}) {
      SCOPED_TRACE(std::string(DTypeName(dtype)) + " rows=" + std::to_string(c.rows) + " tokens=" +
                   std::to_string(c.tokens) + " k=" + std::to_string(c.k));
      const Matrix w = MakeMatrix(dtype, c.rows, c.k, 3 * c.rows + c.k);
      const std::vector<float> x = RandomValues(c.tokens * c.k, c.tokens + c.k);
      QuantizedRows xq;
      xq.Resize(c.tokens, c.k);
      QuantizeRowsForDot(dtype, x.data(), 0, c.tokens, &xq);
      const int64_t ldy = c.rows + 3;  // columns past `rows` must stay untouched
      constexpr float kUntouched = 12345.0f;
      std::vector<float> y(c.tokens * ldy, kUntouched);
      const int64_t strips = (c.rows + kPackedStripRows - 1) / kPackedStripRows;
      std::vector<uint8_t> packed(strips * PackedStripBytes(dtype, c.k));
      ASSERT_EQ(PackForGemv(dtype, w.bytes.data(), w.row_bytes, c.k, c.rows, packed.data()), HasGemmQuant());
      const bool ran = GemmQuant(dtype, packed.data(), c.rows, xq, y.data(), ldy);
      ASSERT_EQ(ran, HasGemmQuant());
      for (int64_t t = 0; t < c.tokens; ++t) {
        QuantizedVector v;
        QuantizeForDot(dtype, x.data() + t * c.k, c.k, &v);
        for (int64_t j = 0; j < c.k; ++j) ASSERT_EQ(xq.q[t * c.k + j], v.q[j]) << "token " << t << " value " << j;
        for (int64_t b = 0; b < c.k / 32; ++b) {
          ASSERT_EQ(xq.scale[t * c.k / 32 + b], v.scale[b]);
          int32_t bias = 0;
          for (int g = 0; g < 8; ++g) bias += v.lane_bias[b * 8 + g];
          ASSERT_EQ(xq.block_bias[t * c.k / 32 + b], bias);
        }
        std::vector<float> expected(c.rows);
        DotRows(dtype, w.bytes.data(), w.row_bytes, c.k, nullptr, &v, c.rows, expected.data());
        for (int64_t r = 0; r < ldy; ++r) {
          const float got = y[t * ldy + r];
          if (!ran || r >= c.rows) {
            EXPECT_EQ(got, kUntouched) << "token " << t << " column " << r;
            continue;
          }
          double magnitude = 0;
          for (int64_t j = 0; j < c.k; ++j) {
            magnitude += std::fabs(double{w.values[r * c.k + j]} * v.scale[j / 32] * v.q[j]);
          }
          EXPECT_NEAR(got, expected[r], 1e-6 * magnitude + 1e-7) << "token " << t << " row " << r;
        }
      }
    }
  }
}

TEST_P(SimdTest, GemmFloatIsTheFmaChainForEveryToken) {
  const float kPoison = std::numeric_limits<float>::quiet_NaN();
  // The float GEMM exists on the AVX-512 targets only; elsewhere it computes nothing.
  const std::string target = SimdTargetName();
  EXPECT_EQ(HasGemmFloat(), target.rfind("AVX3", 0) == 0);
  struct Case {
    int64_t rows, tokens, k;
  };
  // Row groups of 12 and their tails, token tiles of 32 with full, half (<= 16) and odd last
  // tiles, k within one block of 256, several blocks, and tails of 16; passes over 8 tiles of
  // tokens at a time, the last one short (300 tokens: 8 + 2 tiles, the last a half) or whole.
  for (Case c : {Case{1, 1, 1}, Case{12, 32, 16}, Case{13, 33, 37}, Case{11, 16, 256}, Case{37, 17, 300},
                 Case{25, 70, 600}, Case{96, 5, 64}, Case{24, 48, 513}, Case{14, 300, 270},
                 Case{12, 512, 40}}) {
    for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
      SCOPED_TRACE(std::string(DTypeName(dtype)) + " rows=" + std::to_string(c.rows) + " tokens=" +
                   std::to_string(c.tokens) + " k=" + std::to_string(c.k));
      const Matrix w = MakeMatrix(dtype, c.rows, c.k, 5 * c.rows + c.k);
      const std::vector<float> x = RandomValues(c.tokens * c.k, 7 * c.tokens + c.k);
      // Scratch is not zeroed (ScratchVector): poison it, so a read of anything the kernels did
      // not write shows up as NaN in y.
      InterleavedRows xi;
      xi.Resize(c.tokens, c.k);
      std::fill(xi.values.begin(), xi.values.end(), kPoison);
      const int64_t tiles = (c.tokens + kGemmFloatTileTokens - 1) / kGemmFloatTileTokens;
      InterleaveRowsForGemm(x.data(), 0, 1, &xi);  // in two calls, as threads would
      InterleaveRowsForGemm(x.data(), 1, tiles, &xi);
      for (int64_t t = 0; t < tiles * kGemmFloatTileTokens; ++t) {
        for (int64_t j = 0; j < c.k; ++j) {
          const float value = xi.values[((t / kGemmFloatTileTokens) * c.k + j) * kGemmFloatTileTokens +
                                        t % kGemmFloatTileTokens];
          ASSERT_EQ(value, t < c.tokens ? x[t * c.k + j] : 0.0f) << "token " << t << " value " << j;
        }
      }
      const int64_t ldy = c.rows + 3;  // columns past `rows` must stay untouched
      constexpr float kUntouched = 12345.0f;
      std::vector<float> y(c.tokens * ldy, kUntouched);
      ScratchVector<float> scratch((c.rows + 12) * (c.tokens + 32) + 12 * 256 + 16, kPoison);
      // `next` only prefetches: any address will do.
      const float* products = GemmFloat(dtype, w.bytes.data(), w.row_bytes, c.rows, w.bytes.data(), c.rows, xi,
                                        &scratch);
      const bool ran = products != nullptr;
      ASSERT_EQ(ran, HasGemmFloat());
      if (ran) {
        const int64_t ldc = xi.padded_tokens();
        ASSERT_EQ(ldc, tiles * kGemmFloatTileTokens);
        TransposeProducts(products, ldc, c.rows, c.tokens, y.data(), ldy);
      }
      for (int64_t t = 0; t < c.tokens; ++t) {
        for (int64_t r = 0; r < ldy; ++r) {
          const float got = y[t * ldy + r];
          if (!ran || r >= c.rows) {
            EXPECT_EQ(got, kUntouched) << "token " << t << " column " << r;
            continue;
          }
          float expected = 0.0f;
          for (int64_t j = 0; j < c.k; ++j) expected = std::fma(w.values[r * c.k + j], x[t * c.k + j], expected);
          ASSERT_EQ(got, expected) << "token " << t << " row " << r;
        }
      }
    }
  }
  // A quantized weight is not its business.
  InterleavedRows xi;
  xi.Resize(2, 32);
  ScratchVector<float> scratch;
  const Matrix q = MakeMatrix(DType::kQ8_0, 1, 32, 1);
  EXPECT_EQ(GemmFloat(DType::kQ8_0, q.bytes.data(), q.row_bytes, 1, nullptr, 0, xi, &scratch), nullptr);
}

TEST_P(SimdTest, PackedGemvMatchesDotRows) {
  const bool available = SimdTargetName() == "AVX3_DL";
  for (DType dtype : {DType::kQ8_0, DType::kQ4_0}) {
    for (int64_t rows : {1, 15, 16, 17, 37, 64, 120, 233}) {  // 233: 8 + 4 + 2 + 1 strips
      for (int64_t k : {32, 288, 2048}) {
        SCOPED_TRACE(std::string(DTypeName(dtype)) + " rows=" + std::to_string(rows) + " k=" + std::to_string(k));
        const Matrix w = MakeMatrix(dtype, rows, k, 5 * rows + k);
        const int64_t strips = (rows + kPackedStripRows - 1) / kPackedStripRows;
        // The packed copy is the file's size, padded to whole strips.
        ASSERT_EQ(PackedStripBytes(dtype, k), kPackedStripRows * w.row_bytes);
        std::vector<uint8_t> packed(strips * PackedStripBytes(dtype, k), 0xEE);
        ASSERT_EQ(PackForGemv(dtype, w.bytes.data(), w.row_bytes, k, rows, packed.data()), available);
        const std::vector<float> x = RandomValues(k, rows + 3 * k);
        QuantizedVector xq;
        QuantizeForDot(dtype, x.data(), k, &xq);
        std::vector<float> expected(rows), got(rows + 5, 777.0f);
        DotRows(dtype, w.bytes.data(), w.row_bytes, k, nullptr, &xq, rows, expected.data());
        ASSERT_EQ(DotPackedRows(dtype, packed.data(), xq, rows, got.data()), available);
        if (!available) continue;
        for (int64_t r = 0; r < rows; ++r) {
          double magnitude = 0;
          for (int64_t j = 0; j < k; ++j) magnitude += std::fabs(double{w.values[r * k + j]} * xq.scale[j / 32] * xq.q[j]);
          EXPECT_NEAR(got[r], expected[r], 1e-6 * magnitude + 1e-7) << "row " << r;
        }
        for (int64_t r = rows; r < rows + 5; ++r) EXPECT_EQ(got[r], 777.0f) << "past the last row";
        // Any strip on its own gives the same values as in the whole run.
        if (strips > 1) {
          const int64_t n = std::min<int64_t>(kPackedStripRows, rows - kPackedStripRows);
          std::vector<float> second(n);
          ASSERT_TRUE(DotPackedRows(dtype, packed.data() + PackedStripBytes(dtype, k), xq, n, second.data()));
          for (int64_t r = 0; r < n; ++r) EXPECT_EQ(second[r], got[kPackedStripRows + r]);
        }
      }
    }
  }
}

TEST_P(SimdTest, AttendMatchesSoftmaxInDoubles) {
  // Head dims for every vector width the kernel picks (16, 8, 4, 1 lanes); key runs shorter and
  // longer than a block, and ones that start past 0 (a sliding window).
  for (int64_t hd : {64, 128, 8, 12, 5}) {
    for (auto [first, last] : {std::pair<int64_t, int64_t>{0, 0}, {0, 63}, {0, 200}, {37, 300}}) {
      SCOPED_TRACE("head_dim " + std::to_string(hd) + " keys " + std::to_string(first) + ".." + std::to_string(last));
      const std::vector<float> q = RandomValues(hd, 1 + hd);
      const std::vector<float> keys = RandomValues((last + 1) * hd, 2 + hd);
      const std::vector<float> values = RandomValues((last + 1) * hd, 3 + hd);
      const float scale = 1.0f / std::sqrt(static_cast<float>(hd)) * 4;  // peaked enough to matter
      std::vector<float> out(hd);
      Attend(q.data(), 1, keys.data(), values.data(), first, last, hd, scale, out.data());
      std::vector<double> score(last + 1);
      double max = -1e300, sum = 0;
      for (int64_t j = first; j <= last; ++j) {
        score[j] = 0;
        for (int64_t i = 0; i < hd; ++i) score[j] += double{q[i]} * keys[j * hd + i];
        score[j] *= scale;
        max = std::max(max, score[j]);
      }
      for (int64_t j = first; j <= last; ++j) sum += std::exp(score[j] - max);
      for (int64_t i = 0; i < hd; ++i) {
        double expected = 0;
        for (int64_t j = first; j <= last; ++j) expected += std::exp(score[j] - max) / sum * values[j * hd + i];
        EXPECT_NEAR(out[i], expected, 2e-6) << "element " << i;
      }
    }
  }
}

// Heads sharing keys (a GQA group; 11 crosses the kernel's 8 heads per pass) take each block in
// turn: every head's output is its output alone, bit for bit.
TEST_P(SimdTest, AttendGroupEqualsEachHeadAlone) {
  for (int64_t hd : {64, 12, 8, 5}) {
    for (int64_t heads : {2, 8, 11}) {
      SCOPED_TRACE("head_dim " + std::to_string(hd) + " heads " + std::to_string(heads));
      const int64_t first = 3, last = 150;
      const std::vector<float> q = RandomValues(heads * hd, 4 + hd);
      const std::vector<float> keys = RandomValues((last + 1) * hd, 5 + hd);
      const std::vector<float> values = RandomValues((last + 1) * hd, 6 + hd);
      const float scale = 0.5f;
      std::vector<float> together(heads * hd), alone(hd);
      Attend(q.data(), heads, keys.data(), values.data(), first, last, hd, scale, together.data());
      for (int64_t h = 0; h < heads; ++h) {
        Attend(q.data() + h * hd, 1, keys.data(), values.data(), first, last, hd, scale, alone.data());
        for (int64_t i = 0; i < hd; ++i) ASSERT_EQ(together[h * hd + i], alone[i]) << "head " << h << " element " << i;
      }
    }
  }
}

// A block of prompt tokens at once: every (token, head) row against softmax in doubles over the
// keys it may see (causal, and a sliding window's first keys), on the AVX-512 targets; elsewhere
// AttendTokens declines and computes nothing.
TEST_P(SimdTest, AttendTokensMatchesSoftmaxInDoubles) {
  struct Case {
    int64_t tokens, heads, head_dim, position, window;
  };
  // Rows (tokens x heads) short of a 16-row vector and of a 32-row tile, and a full 64; head_dim
  // 64, 128 and 24 (not a multiple of 16); contexts within one block of 32 keys and over several;
  // windows that cut blocks, and one whose middle blocks no row masks.
  for (Case c : {Case{8, 8, 64, 0, 0}, Case{5, 6, 128, 70, 0}, Case{21, 3, 24, 3, 0}, Case{64, 1, 16, 100, 20},
                 Case{16, 4, 64, 40, 33}, Case{2, 2, 8, 0, 1}, Case{16, 4, 64, 100, 70}}) {
    SCOPED_TRACE(absl::StrCat("tokens ", c.tokens, " heads ", c.heads, " head_dim ", c.head_dim, " position ",
                              c.position, " window ", c.window));
    const int64_t hd = c.head_dim, context = c.position + c.tokens, stride = c.heads * hd + 8;  // padded rows
    const std::vector<float> q = RandomValues(c.tokens * stride, 7 + hd);
    const std::vector<float> keys = RandomValues(context * hd, 8 + hd);
    const std::vector<float> values = RandomValues(context * hd, 9 + hd);
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd)) * 4;
    std::vector<int64_t> first(c.tokens);
    for (int64_t t = 0; t < c.tokens; ++t) {
      first[t] = c.window > 0 ? std::max<int64_t>(0, c.position + t - c.window + 1) : 0;
    }
    std::vector<float> out(c.tokens * stride, 777.0f);
    const bool ran = AttendTokens(q.data(), stride, c.tokens, c.heads, keys.data(), values.data(), first.data(),
                                  c.position, hd, scale, out.data(), stride);
    ASSERT_EQ(ran, SimdTargetName().rfind("AVX3", 0) == 0);
    if (!ran) {
      for (float v : out) ASSERT_EQ(v, 777.0f);
      continue;
    }
    for (int64_t t = 0; t < c.tokens; ++t) {
      const int64_t last = c.position + t;
      for (int64_t h = 0; h < c.heads; ++h) {
        const float* qr = q.data() + t * stride + h * hd;
        std::vector<double> score(last + 1);
        double max = -1e300, sum = 0;
        for (int64_t j = first[t]; j <= last; ++j) {
          score[j] = 0;
          for (int64_t i = 0; i < hd; ++i) score[j] += double{qr[i]} * keys[j * hd + i];
          score[j] *= scale;
          max = std::max(max, score[j]);
        }
        for (int64_t j = first[t]; j <= last; ++j) sum += std::exp(score[j] - max);
        for (int64_t i = 0; i < hd; ++i) {
          double expected = 0;
          for (int64_t j = first[t]; j <= last; ++j) expected += std::exp(score[j] - max) / sum * values[j * hd + i];
          ASSERT_NEAR(out[t * stride + h * hd + i], expected, 2e-6) << "token " << t << " head " << h << " element " << i;
        }
      }
      for (int64_t i = c.heads * hd; i < stride; ++i) ASSERT_EQ(out[t * stride + i], 777.0f) << "past the heads";
    }
  }
}

// AttendTokens writes its output over its queries when asked (q == out), and declines shapes it
// has no kernel for, leaving the output alone.
TEST_P(SimdTest, AttendTokensInPlaceAndDeclines) {
  const int64_t tokens = 12, heads = 4, hd = 64, position = 30, stride = heads * hd;
  const std::vector<float> q = RandomValues(tokens * stride, 21);
  const std::vector<float> keys = RandomValues((position + tokens) * hd, 22);
  const std::vector<float> values = RandomValues((position + tokens) * hd, 23);
  const std::vector<int64_t> first(tokens, 0);
  std::vector<float> apart(q.size()), in_place = q;
  const bool ran = AttendTokens(q.data(), stride, tokens, heads, keys.data(), values.data(), first.data(), position,
                                hd, 0.125f, apart.data(), stride);
  ASSERT_EQ(ran, HasAttendTokens(hd));
  ASSERT_EQ(ran, SimdTargetName().rfind("AVX3", 0) == 0);
  ASSERT_EQ(AttendTokens(in_place.data(), stride, tokens, heads, keys.data(), values.data(), first.data(), position,
                         hd, 0.125f, in_place.data(), stride),
            ran);
  if (ran) {
    EXPECT_EQ(in_place, apart);
  }
  // Too many rows (65), head_dims not a multiple of 8 or over the limit.
  std::vector<float> out(5 * 13 * 136, 777.0f);
  const std::vector<float> big_q = RandomValues(out.size(), 24);
  const std::vector<float> big_cache = RandomValues(100 * 136, 25);
  const std::vector<int64_t> zeros(13, 0);
  for (auto [t, h, d] : {std::tuple<int64_t, int64_t, int64_t>{13, 5, 64}, {4, 4, 20}, {4, 4, 136}}) {
    EXPECT_FALSE(AttendTokens(big_q.data(), h * d, t, h, big_cache.data(), big_cache.data(), zeros.data(), 0, d, 1.0f,
                              out.data(), h * d))
        << t << " tokens " << h << " heads head_dim " << d;
  }
  EXPECT_FALSE(HasAttendTokens(20));
  EXPECT_FALSE(HasAttendTokens(136));
  for (float v : out) ASSERT_EQ(v, 777.0f);
}

// gate_up_swiglu applies Swiglu along a token's row (T = 1) or along a row's tokens (prefill), so
// an element's result must not depend on where it falls in the call: the tail is no exception.
TEST_P(SimdTest, SwigluDoesNotDependOnTheElementsPlace) {
  constexpr int64_t kN = 1001;  // no multiple of any vector width
  std::vector<float> gate = RandomValues(kN, 11), up = RandomValues(kN, 12);
  for (float& g : gate) g *= 12.0f;  // exp over [-12, 12]
  std::vector<float> whole(kN), alone(1), silu(kN);
  Swiglu(gate.data(), up.data(), kN, whole.data());
  Swiglu(gate.data(), nullptr, kN, silu.data());
  for (int64_t i = 0; i < kN; ++i) {
    Swiglu(gate.data() + i, up.data() + i, 1, alone.data());
    ASSERT_EQ(whole[i], alone[0]) << "element " << i;
    Swiglu(gate.data() + i, nullptr, 1, alone.data());
    ASSERT_EQ(silu[i], alone[0]) << "element " << i;
    const double expected = gate[i] / (1.0 + std::exp(-static_cast<double>(gate[i])));
    ASSERT_NEAR(silu[i], expected, 1e-6 * (1.0 + std::fabs(expected))) << "element " << i;
    ASSERT_NEAR(whole[i], expected * up[i], 1e-6 * (1.0 + std::fabs(expected * up[i]))) << "element " << i;
  }
}

TEST_P(SimdTest, StreamReadSumsEveryWord) {
  std::vector<uint64_t> words(1000);
  uint64_t expected = 0;
  for (size_t i = 0; i < words.size(); ++i) expected += words[i] = i * 2654435761u;
  EXPECT_EQ(StreamRead(words.data(), words.size() * 8), expected);
}

std::string TargetTestName(const ::testing::TestParamInfo<int64_t>& info) { return SimdTargetName(info.param); }

INSTANTIATE_TEST_SUITE_P(Targets, SimdTest, ::testing::ValuesIn(SimdTargets()), TargetTestName);

TEST(PackedWeights, OneCopyPerWeightWhileAPlanHoldsIt) {
  const Matrix w = MakeMatrix(DType::kQ4_0, 40, 64, 1);
  const CpuTensor weight{DType::kQ4_0, {40, 64}, const_cast<uint8_t*>(w.bytes.data())};
  std::set<std::shared_ptr<const void>> plan;
  std::shared_ptr<const PackedWeight> first = PackedForGemv(weight, 40, 64, &plan);
  if (!HasGemmQuant()) {
    EXPECT_EQ(first, nullptr) << "packed without a packed kernel";
    return;
  }
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(plan.size(), 1u);
  EXPECT_EQ(first->strip_bytes, 16 * w.row_bytes);
  const PackedWeight* raw = first.get();
  first.reset();
  // Binding again (capture, eager steps, another session) finds the copy the plan holds.
  EXPECT_EQ(PackedForGemv(weight, 40, 64, &plan).get(), raw);
  EXPECT_EQ(PackedForGemv(weight, 40, 64, nullptr).get(), raw);
  EXPECT_EQ(plan.size(), 1u);
  // Float weights are read in place.
  std::vector<float> f(4 * 64, 1.0f);
  EXPECT_EQ(PackedForGemv(CpuTensor{DType::kF32, {4, 64}, reinterpret_cast<uint8_t*>(f.data())}, 4, 64, &plan), nullptr);
}

TEST(Simd, BestTargetIsChosenByDefault) {
  ASSERT_FALSE(SimdTargets().empty());
  EXPECT_EQ(SimdTargetName(), SimdTargetName(SimdTargets().front()));
}

}  // namespace
}  // namespace anvil::cpu
