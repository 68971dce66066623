// Every reference kernel against values worked out by hand.
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "models/graph_builder.h"
#include "ops/dequantize.h"
#include "ops/registry.h"
#include "ops/rope/rope.h"

namespace anvil {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::Pointwise;

// A host tensor with its own storage.
struct Buffer {
  DType dtype = DType::kF32;
  std::vector<int64_t> dims;
  std::vector<uint8_t> bytes;
  HostTensor view() { return HostTensor{dtype, dims, bytes.data()}; }
  std::vector<float> floats() const {
    std::vector<float> v(bytes.size() / 4);
    std::memcpy(v.data(), bytes.data(), bytes.size());
    return v;
  }
};

Buffer F(std::vector<int64_t> dims, std::vector<float> values) {
  Buffer b{DType::kF32, std::move(dims), std::vector<uint8_t>(values.size() * 4)};
  std::memcpy(b.bytes.data(), values.data(), b.bytes.size());
  return b;
}

Buffer I(std::vector<int64_t> dims, std::vector<int32_t> values) {
  Buffer b{DType::kI32, std::move(dims), std::vector<uint8_t>(values.size() * 4)};
  std::memcpy(b.bytes.data(), values.data(), b.bytes.size());
  return b;
}

Buffer Encoded(DType dtype, std::vector<int64_t> dims, const std::vector<float>& values) {
  Buffer b{dtype, dims, std::vector<uint8_t>(RowBytes(dtype, dims.back()) * (values.size() / dims.back()))};
  for (size_t r = 0; r < values.size() / dims.back(); ++r) {
    QuantizeRow(dtype, values.data() + r * dims.back(), dims.back(), b.bytes.data() + r * RowBytes(dtype, dims.back()));
  }
  return b;
}

Buffer Zeros(std::vector<int64_t> dims, DType dtype = DType::kF32) {
  return Buffer{dtype, dims, std::vector<uint8_t>(NumElements(dims) * 4)};
}

// Runs op `op`'s reference kernel; `outputs` are preallocated (aliased outputs point at inputs).
absl::Status RunRef(const std::string& op, Attributes attrs, std::vector<Buffer*> inputs, std::vector<Buffer*> outputs,
                 int64_t position = 0) {
  Node node;
  node.name = "n";
  node.op = op;
  node.attrs = std::move(attrs);
  RefKernelContext ctx{node, {}, {}, position};
  for (Buffer* b : inputs) ctx.inputs.push_back(b ? b->view() : HostTensor{});
  for (Buffer* b : outputs) ctx.outputs.push_back(b->view());
  return Ops().Find(op)->reference(ctx);
}

TEST(ReferenceTest, AddAndMulBroadcast) {
  Buffer a = F({2, 2}, {1, 2, 3, 4}), b = F({2}, {10, 20}), y = Zeros({2, 2});
  ASSERT_TRUE(RunRef("add", {}, {&a, &b}, {&y}).ok());
  EXPECT_THAT(y.floats(), ElementsAre(11, 22, 13, 24));
  Buffer c = F({2, 2}, {2, 2, 2, 2});
  ASSERT_TRUE(RunRef("mul", {}, {&a, &c}, {&y}).ok());
  EXPECT_THAT(y.floats(), ElementsAre(2, 4, 6, 8));
}

TEST(ReferenceTest, SiluAndSwiglu) {
  Buffer x = F({3}, {0, 1, -1}), y = Zeros({3});
  ASSERT_TRUE(RunRef("silu", {}, {&x}, {&y}).ok());
  EXPECT_THAT(y.floats(), Pointwise(FloatNear(1e-7), std::vector<float>{0, 0.7310585786f, -0.2689414214f}));
  Buffer g = F({1}, {2}), u = F({1}, {3}), s = Zeros({1});
  ASSERT_TRUE(RunRef("swiglu", {}, {&g, &u}, {&s}).ok());
  EXPECT_NEAR(s.floats()[0], 1.7615941560 * 3, 1e-6);
}

TEST(ReferenceTest, RmsNormAndPerHead) {
  // mean(9, 16) = 12.5, rms = 3.5355339
  Buffer x = F({1, 2}, {3, 4}), w = F({2}, {1, 2}), y = Zeros({1, 2});
  ASSERT_TRUE(RunRef("rms_norm", Attrs({{"eps", 1e-12}}), {&x, &w}, {&y}).ok());
  EXPECT_THAT(y.floats(), Pointwise(FloatNear(1e-6), std::vector<float>{0.8485281f, 2.2627417f}));
  // Per head on [T=1, H=2, hd=2]: each head normalized on its own.
  Buffer heads = F({1, 2, 2}, {3, 4, 1, 1}), y2 = Zeros({1, 2, 2});
  ASSERT_TRUE(RunRef("rms_norm", Attrs({{"eps", 1e-12}}), {&heads, &w}, {&y2}).ok());
  EXPECT_THAT(y2.floats(), Pointwise(FloatNear(1e-6), std::vector<float>{0.8485281f, 2.2627417f, 1, 2}));
  Buffer sum = Zeros({1, 2});
  Buffer b = F({1, 2}, {0, 0});
  ASSERT_TRUE(RunRef("add_rms_norm", Attrs({{"eps", 1e-12}}), {&x, &b, &w}, {&sum, &y}).ok());
  EXPECT_THAT(sum.floats(), ElementsAre(3, 4));
  EXPECT_THAT(y.floats(), Pointwise(FloatNear(1e-6), std::vector<float>{0.8485281f, 2.2627417f}));
}

TEST(ReferenceTest, LinearWithBias) {
  Buffer x = F({1, 2}, {1, 2}), w = F({3, 2}, {1, 0, 0, 1, 1, 1}), bias = F({3}, {0.5, 0, 0}), y = Zeros({1, 3});
  ASSERT_TRUE(RunRef("linear", {}, {&x, &w, &bias}, {&y}).ok());
  EXPECT_THAT(y.floats(), ElementsAre(1.5, 2, 3));
}

TEST(ReferenceTest, LinearOnEveryWeightDType) {
  // Values every encoding holds exactly: q8_0 with max |x| = 127 has scale 1; q4_0 with a -8 in
  // the block has scale 1 and codes -8..7; f16/bf16 hold small integers.
  std::vector<float> row(32);
  for (int i = 0; i < 32; ++i) row[i] = static_cast<float>(i % 16) - 8;  // -8..7
  std::vector<float> q8_row = row;
  q8_row[5] = 127;
  std::vector<float> ones(32, 1.0f);
  for (DType dtype : {DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0}) {
    const std::vector<float>& r = dtype == DType::kQ8_0 ? q8_row : row;
    Buffer w = Encoded(dtype, {1, 32}, r), x = F({1, 32}, ones), y = Zeros({1, 1});
    ASSERT_TRUE(RunRef("linear", {}, {&x, &w}, {&y}).ok());
    double expected = 0;
    for (float v : r) expected += v;
    EXPECT_EQ(y.floats()[0], expected) << DTypeName(dtype);
  }
}

TEST(ReferenceTest, GateUpSwiglu) {
  // W = [gate row; up row]; x = [1, 1] -> gate 2, up 3 -> silu(2) * 3.
  Buffer x = F({1, 2}, {1, 1}), w = F({2, 2}, {1, 1, 1, 2}), y = Zeros({1, 1});
  ASSERT_TRUE(RunRef("gate_up_swiglu", {}, {&x, &w}, {&y}).ok());
  EXPECT_NEAR(y.floats()[0], 1.7615941560 * 3, 1e-6);
}

TEST(ReferenceTest, EmbeddingAndOutOfRangeId) {
  Buffer table = F({3, 2}, {0, 1, 10, 11, 20, 21}), ids = I({2}, {2, 0}), y = Zeros({2, 2});
  ASSERT_TRUE(RunRef("embedding", {}, {&table, &ids}, {&y}).ok());
  EXPECT_THAT(y.floats(), ElementsAre(20, 21, 0, 1));
  Buffer bad = I({1}, {3});
  absl::Status s = RunRef("embedding", {}, {&table, &bad}, {&y});
  EXPECT_EQ(s.message(), "token id 3 is outside the vocabulary (3 tokens)");
}

TEST(ReferenceTest, SplitReshapeTakeLastArgmax) {
  Buffer x = F({2, 5}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}), a = Zeros({2, 2}), b = Zeros({2, 3});
  ASSERT_TRUE(RunRef("split", Attrs({{"sizes", std::vector<int64_t>{2, 3}}}), {&x}, {&a, &b}).ok());
  EXPECT_THAT(a.floats(), ElementsAre(1, 2, 6, 7));
  EXPECT_THAT(b.floats(), ElementsAre(3, 4, 5, 8, 9, 10));
  Buffer last = Zeros({1, 5});
  ASSERT_TRUE(RunRef("take_last", {}, {&x}, {&last}).ok());
  EXPECT_THAT(last.floats(), ElementsAre(6, 7, 8, 9, 10));
  Buffer scores = F({2, 4}, {1, 3, 3, 2, -5, -1, -2, -1}), ids = Zeros({2}, DType::kI32);
  ids.dtype = DType::kI32;
  ASSERT_TRUE(RunRef("argmax", {}, {&scores}, {&ids}).ok());
  int32_t got[2];
  std::memcpy(got, ids.bytes.data(), 8);
  EXPECT_EQ(got[0], 1);  // the first of two equal maxima
  EXPECT_EQ(got[1], 1);
}

TEST(ReferenceTest, RopeBothLayouts) {
  // head_dim 4, theta 1e4: freqs 1 and 0.01; position 1 (P = 1, t = 0).
  Buffer x = F({1, 1, 4}, {1, 0, 1, 0}), y = Zeros({1, 1, 4});
  ASSERT_TRUE(RunRef("rope", Attrs({{"theta", 10000.0}, {"layout", std::string("interleaved")}}), {&x}, {&y}, 1).ok());
  EXPECT_THAT(y.floats(), Pointwise(FloatNear(1e-7), std::vector<float>{std::cos(1.0f), std::sin(1.0f),
                                                                        std::cos(0.01f), std::sin(0.01f)}));
  Buffer h = F({1, 1, 4}, {1, 1, 0, 0});
  ASSERT_TRUE(RunRef("rope", Attrs({{"theta", 10000.0}, {"layout", std::string("half")}}), {&h}, {&y}, 1).ok());
  EXPECT_THAT(y.floats(), Pointwise(FloatNear(1e-7), std::vector<float>{std::cos(1.0f), std::cos(0.01f),
                                                                        std::sin(1.0f), std::sin(0.01f)}));
  // Position 0 is the identity; dims past rotary_dim pass through.
  Buffer z = F({1, 1, 6}, {1, 2, 3, 4, 5, 6}), zy = Zeros({1, 1, 6});
  ASSERT_TRUE(RunRef("rope", Attrs({{"theta", 10000.0}, {"rotary_dim", int64_t{4}}}), {&z}, {&zy}, 0).ok());
  EXPECT_THAT(zy.floats(), ElementsAre(1, 2, 3, 4, 5, 6));
}

TEST(ReferenceTest, Llama3RopeScaling) {
  RopeAttrs a;
  a.theta = 500000;
  a.scaling_factor = 8;
  a.low_freq_factor = 1;
  a.high_freq_factor = 4;
  a.original_max_position = 8192;
  const std::vector<double> f = RopeFrequencies(a, 128);
  // Highest frequency (wavelength 2*pi < 8192/4) is kept; lowest (wavelength > 8192) is divided
  // by the factor; one in between is blended.
  EXPECT_DOUBLE_EQ(f[0], 1.0);
  EXPECT_DOUBLE_EQ(f[63], std::pow(500000.0, -126.0 / 128) / 8);
  const double raw = std::pow(500000.0, -2.0 * 32 / 128);  // wavelength ~ 4443: between 2048 and 8192
  const double smooth = (8192 / (2 * M_PI / raw) - 1) / (4 - 1);
  ASSERT_GT(smooth, 0);
  ASSERT_LT(smooth, 1);
  EXPECT_DOUBLE_EQ(f[32], (1 - smooth) * raw / 8 + smooth * raw);
}

TEST(ReferenceTest, KvCacheWriteAndOverflow) {
  // Cache [Hkv=1, C=4, hd=2]; write T=2 tokens at P=1 -> rows 1 and 2.
  Buffer cache = Zeros({1, 4, 2}), x = F({2, 1, 2}, {1, 2, 3, 4});
  ASSERT_TRUE(RunRef("kv_cache_write", {}, {&x, &cache}, {&cache}, 1).ok());
  EXPECT_THAT(cache.floats(), ElementsAre(0, 0, 1, 2, 3, 4, 0, 0));
  absl::Status s = RunRef("kv_cache_write", {}, {&x, &cache}, {&cache}, 3);
  EXPECT_EQ(s.message(), "KV cache overflow: positions 3..4 do not fit the cache capacity of 4 tokens");
}

TEST(ReferenceTest, AttentionCausalGqaAndWindow) {
  // One kv head of dim 2 shared by two query heads. Rows: k0 = 0, k1 = (sqrt(2) ln 3, 0);
  // v0 = (4, 0), v1 = (0, 8). Token 1 with q = (1, 0) scores (0, ln 3) -> weights (1/4, 3/4).
  const float s = static_cast<float>(std::sqrt(2.0) * std::log(3.0));
  Buffer k = F({1, 2, 2}, {0, 0, s, 0}), v = F({1, 2, 2}, {4, 0, 0, 8});
  Buffer q = F({2, 2, 2}, {1, 0, 0, 1, 1, 0, 0, 0}), y = Zeros({2, 4});
  ASSERT_TRUE(RunRef("attention", {}, {&q, &k, &v}, {&y}, 0).ok());
  // Token 0 sees only row 0 (both heads -> v0); token 1 head 0 -> (1, 6), head 1 (q = 0) -> mean.
  EXPECT_THAT(y.floats(), Pointwise(FloatNear(1e-6), std::vector<float>{4, 0, 4, 0, 1, 6, 2, 4}));
  // Window 1: each token sees only its own row.
  ASSERT_TRUE(RunRef("attention", Attrs({{"sliding_window", int64_t{1}}}), {&q, &k, &v}, {&y}, 0).ok());
  EXPECT_THAT(y.floats(), Pointwise(FloatNear(1e-6), std::vector<float>{4, 0, 4, 0, 0, 8, 0, 8}));
}

TEST(ReferenceTest, SplitRopeKvWriteEqualsTheOpsItReplaces) {
  // H = 2, Hkv = 1, hd = 4, T = 1 at P = 2; no QK-norm.
  Attributes a = Attrs({{"num_heads", int64_t{2}}, {"num_kv_heads", int64_t{1}}, {"head_dim", int64_t{4}},
                        {"theta", 10000.0}, {"layout", std::string("half")}});
  std::vector<float> qkv_values(16);
  for (int i = 0; i < 16; ++i) qkv_values[i] = 0.1f * (i + 1);
  Buffer qkv = F({1, 16}, qkv_values), kc = Zeros({1, 4, 4}), vc = Zeros({1, 4, 4}), q = Zeros({1, 2, 4});
  ASSERT_TRUE(RunRef("split_rope_kv_write", a, {&qkv, &kc, &vc, nullptr, nullptr}, {&q, &kc, &vc}, 2).ok());
  Buffer q_in = F({1, 2, 4}, std::vector<float>(qkv_values.begin(), qkv_values.begin() + 8)), q_ref = Zeros({1, 2, 4});
  Buffer k_in = F({1, 1, 4}, std::vector<float>(qkv_values.begin() + 8, qkv_values.begin() + 12)), k_ref = Zeros({1, 1, 4});
  Attributes rope = Attrs({{"theta", 10000.0}, {"layout", std::string("half")}});
  ASSERT_TRUE(RunRef("rope", rope, {&q_in}, {&q_ref}, 2).ok());
  ASSERT_TRUE(RunRef("rope", rope, {&k_in}, {&k_ref}, 2).ok());
  EXPECT_EQ(q.floats(), q_ref.floats());
  const std::vector<float> k_cache = kc.floats(), v_cache = vc.floats();
  EXPECT_EQ(std::vector<float>(k_cache.begin() + 8, k_cache.begin() + 12), k_ref.floats());
  EXPECT_EQ(std::vector<float>(v_cache.begin() + 8, v_cache.begin() + 12),
            std::vector<float>(qkv_values.begin() + 12, qkv_values.end()));
}

TEST(DequantizeTest, QuantizedBlockLayouts) {
  // q8_0: f16 scale then 32 int8; q4_0: f16 scale then 16 bytes (low nibble j, high nibble j+16).
  std::vector<float> values(32);
  for (int i = 0; i < 32; ++i) values[i] = static_cast<float>(i % 16) - 8;
  std::vector<uint8_t> q4(18);
  QuantizeRow(DType::kQ4_0, values.data(), 32, q4.data());
  EXPECT_EQ(q4[0], 0x00);  // scale 1.0 = f16 0x3c00, little-endian
  EXPECT_EQ(q4[1], 0x3c);
  EXPECT_EQ(q4[2], 0x00);  // value 0 (-8 -> code 0) low, value 16 (-8 -> 0) high
  EXPECT_EQ(q4[3], 0x11);
  std::vector<float> back(32);
  DequantizeRow(DType::kQ4_0, q4.data(), 32, back.data());
  EXPECT_EQ(back, values);
}

}  // namespace
}  // namespace anvil
