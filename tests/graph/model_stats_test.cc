// inspect's figures, checked against hand counts for the toy model.
#include "graph/model_stats.h"

#include "graph/model_io.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

TEST(ModelStatsTest, ToyLlamaFigures) {
  auto model = LoadModel(::anvil::testing::SourcePath("tests/data/toy_llama.pbtxt"), Ops());
  ASSERT_TRUE(model.ok()) << model.status();
  auto stats = ComputeModelStats(*model, Ops(), 32);
  ASSERT_TRUE(stats.ok()) << stats.status();
  // vocab 16, hidden 8, heads 2 x 4, kv 1 x 4, ffn 12, 2 layers, tied embeddings.
  const int64_t per_layer = 8 + 64 + 32 + 32 + 64 + 8 + 3 * 96;
  EXPECT_EQ(stats->params, 16 * 8 + 2 * per_layer + 8);
  EXPECT_EQ(stats->weight_bytes, static_cast<uint64_t>(stats->params) * 4);
  EXPECT_EQ(stats->op_histogram.at("linear"), 2 * 7 + 1);
  EXPECT_EQ(stats->op_histogram.at("kv_cache_write"), 4);
  EXPECT_EQ(stats->nodes, 45);
  // K and V, 1 kv head x 4 dims x 4 bytes, 2 layers.
  EXPECT_EQ(stats->kv_bytes_per_token, 2u * 2 * 4 * 4);
  EXPECT_EQ(stats->kv_bytes_at_context, 32u * 64);
  // Weights read per token: every matmul weight once (the tied head reads the whole table) plus
  // one embedding row; norms are not counted as matmul traffic.
  const double matmul_weights = 2 * (64 + 32 + 32 + 64 + 3 * 96) + 16 * 8;
  EXPECT_DOUBLE_EQ(stats->weight_bytes_per_token, 4 * (matmul_weights + 8));
  // 2 flops per matmul weight; attention adds 4 * H * hd * rows; the rest is elementwise work.
  EXPECT_GT(stats->flops_per_token_first, 2 * matmul_weights);
  EXPECT_NEAR(stats->flops_per_token_last - stats->flops_per_token_first, 2 * 4.0 * 2 * 4 * 31, 1e-6);
}

}  // namespace
}  // namespace anvil
