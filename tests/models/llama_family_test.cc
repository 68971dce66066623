// The Llama-family builder and the optimizer on every variant: random-weight Llama (tied), Qwen2
// (QKV bias), Qwen3 (QK-norm, head_dim != hidden / heads) and Mistral (sliding window shorter
// than the sequence) fuse as expected and compute what the unfused graph computes.
#include "executors/cpu/cpu_executor.h"
#include "executors/reference/reference_executor.h"
#include "executors/session.h"
#include "graph/passes/pipeline.h"
#include "gtest/gtest.h"
#include "models/llama_family.h"
#include "models/synthetic.h"
#include "ops/registry.h"

namespace anvil {
namespace {

struct Variant {
  std::string name;
  ModelConfig config;
};

ModelConfig Base() {
  ModelConfig c;
  c.family = "llama";
  c.vocab_size = 97;
  c.hidden_size = 48;
  c.intermediate_size = 80;
  c.num_layers = 3;
  c.num_heads = 6;
  c.num_kv_heads = 2;
  c.head_dim = 8;
  c.max_context = 64;
  c.rope_layout = "half";
  return c;
}

std::vector<Variant> Variants() {
  Variant llama{"llama3_tied", Base()};
  llama.config.tie_embeddings = true;
  llama.config.rope_theta = 500000;
  llama.config.rope_scaling = {"llama3", 8, 1, 4, 16};
  Variant qwen2{"qwen2_bias", Base()};
  qwen2.config.family = "qwen2";
  qwen2.config.attention_bias = true;
  Variant qwen3{"qwen3_qk_norm", Base()};
  qwen3.config.family = "qwen3";
  qwen3.config.qk_norm = true;
  qwen3.config.head_dim = 16;  // 6 heads x 16 != hidden 48
  Variant mistral{"mistral_window", Base()};
  mistral.config.family = "mistral";
  mistral.config.sliding_window = 5;
  mistral.config.rope_layout = "interleaved";
  return {llama, qwen2, qwen3, mistral};
}

class LlamaFamilyTest : public ::testing::TestWithParam<Variant> {};

std::vector<float> Generate12(std::shared_ptr<const Model> model, std::shared_ptr<Executor> executor,
                       const std::vector<int32_t>& prompt, std::vector<int32_t>* ids) {
  auto session = Session::Create(model, executor);
  EXPECT_TRUE(session.ok()) << session.status();
  std::vector<float> all;
  auto out = (*session)->Prefill(prompt);
  EXPECT_TRUE(out.ok()) << out.status();
  for (int step = 0; step < 12 && out.ok(); ++step) {
    all.insert(all.end(), out->logits.begin(), out->logits.end());
    ids->push_back(out->next_id);
    out = (*session)->Decode(out->next_id);
  }
  return all;
}

double MaxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
  double m = a.size() == b.size() ? 0 : 1e9;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) m = std::max(m, static_cast<double>(std::fabs(a[i] - b[i])));
  return m;
}

TEST_P(LlamaFamilyTest, FusesAndMatchesTheUnfusedGraph) {
  const ModelConfig& c = GetParam().config;
  auto built = BuildSyntheticModel(c, DType::kF32, 7);
  ASSERT_TRUE(built.ok()) << built.status();
  Model optimized = *built;
  auto reports = OptimizeModel(optimized, Ops(), {.verify_each = true});
  ASSERT_TRUE(reports.ok()) << reports.status();
  std::map<std::string, int64_t> ops;
  for (NodeId n : optimized.graph.order()) ++ops[optimized.graph.node(n).op];
  EXPECT_EQ(ops["split_rope_kv_write"], c.num_layers);
  EXPECT_EQ(ops["add_rms_norm"], 2 * c.num_layers);
  EXPECT_EQ(ops["gate_up_swiglu"], c.num_layers);
  EXPECT_EQ(ops["linear"], 3 * c.num_layers + 1);  // qkv, output, down per layer; the LM head
  EXPECT_EQ(ops.count("rope"), 0u);
  EXPECT_EQ(ops.count("kv_cache_write"), 0u);
  EXPECT_EQ(ops.count("rms_norm"), 1u);  // the first layer's norm reads the embedding, no add
  EXPECT_TRUE(optimized.graph.memory_in_place);

  // 9 prompt tokens in one prefill, then 11 decode steps: longer than the Mistral window.
  const std::vector<int32_t> prompt = {1, 5, 17, 33, 2, 64, 90, 12, 40};
  auto plain = std::make_shared<const Model>(std::move(*built));
  auto fused = std::make_shared<const Model>(std::move(optimized));
  std::vector<int32_t> plain_ids, fused_ids, reference_ids;
  const std::vector<float> a = Generate12(plain, MakeCpuExecutor(Ops()), prompt, &plain_ids);
  const std::vector<float> b = Generate12(fused, MakeCpuExecutor(Ops()), prompt, &fused_ids);
  const std::vector<float> r = Generate12(fused, MakeReferenceExecutor(Ops()), prompt, &reference_ids);
  EXPECT_LE(MaxAbsDiff(a, b), 1e-5);
  EXPECT_EQ(plain_ids, fused_ids);
  EXPECT_LE(MaxAbsDiff(b, r), 1e-4);
  EXPECT_EQ(fused_ids, reference_ids);
}

INSTANTIATE_TEST_SUITE_P(Variants, LlamaFamilyTest, ::testing::ValuesIn(Variants()),
                         [](const ::testing::TestParamInfo<Variant>& info) { return info.param.name; });

TEST(LlamaFamilyBuilderTest, MissingAndMisshapedWeightsAreNamed) {
  ModelConfig c = Base();
  auto model = BuildSyntheticModel(c, DType::kF32, 1);
  ASSERT_TRUE(model.ok());
  // Rebuild from the model's own weights with one removed / one reshaped.
  WeightMap weights;
  for (ValueId id : model->graph.initializers()) {
    const Value& v = model->graph.value(id);
    std::vector<int64_t> dims;
    for (const Dim& d : v.type.shape) dims.push_back(d.size);
    weights[v.name] = WeightTensor{v.type.dtype, dims, v.data};
  }
  WeightMap missing = weights;
  missing.erase("blk.1.ffn_up.weight");
  EXPECT_EQ(BuildLlamaModel(c, missing).status().message(), "weight 'blk.1.ffn_up.weight' is missing");
  WeightMap wrong = weights;
  wrong["blk.2.attn_k.weight"].dims = {48, 16};
  EXPECT_EQ(BuildLlamaModel(c, wrong).status().message(), "weight 'blk.2.attn_k.weight' has shape [48,16], expected [16,48]");
  WeightMap extra = weights;
  extra["blk.0.mystery.weight"] = weights["output_norm.weight"];
  EXPECT_EQ(BuildLlamaModel(c, extra).status().message(), "weights not used by the model: blk.0.mystery.weight");
  c.num_kv_heads = 4;
  EXPECT_EQ(BuildLlamaModel(c, weights).status().message(), "config: num_heads 6 is not a multiple of num_kv_heads 4");
}

}  // namespace
}  // namespace anvil
