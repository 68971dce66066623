// Hugging Face checkpoints: the stories260K copy in ../shared and one built here from the
// llama2.c file (Q/K rows permuted the way HF conversion does) reproduce the golden run; random
// Qwen2 (bias, bf16), Qwen3 (QK-norm, head_dim != hidden / heads, f16), Mistral (sliding window
// shorter than the sequence) and Llama-3 (rope scaling, tied) checkpoints match an independent
// double-precision forward pass; malformed files give errors naming the field.
#include <cmath>
#include <filesystem>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/half.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "graph/passes/pipeline.h"
#include "gtest/gtest.h"
#include "models/importers/hf.h"
#include "models/importers/safetensors.h"
#include "nlohmann/json.hpp"
#include "ops/dequantize.h"
#include "ops/registry.h"
#include "tests/models/reference_forward.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::HfWeights;
using ::anvil::testing::SharedPath;
using ::anvil::testing::TempDir;
using ::anvil::testing::WriteFile;

// Logits of every position when `tokens` are fed one at a time.
std::vector<std::vector<float>> RunTokens(Model model, const std::vector<int32_t>& tokens) {
  EXPECT_TRUE(OptimizeModel(model, Ops()).ok());
  auto session = Session::Create(std::make_shared<const Model>(std::move(model)), MakeCpuExecutor(Ops()),
                                 {.capacity = static_cast<int64_t>(tokens.size()) + 4});
  EXPECT_TRUE(session.ok()) << session.status();
  std::vector<std::vector<float>> all;
  for (int32_t id : tokens) {
    auto out = (*session)->Decode(id);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) break;
    all.emplace_back(out->logits.begin(), out->logits.end());
  }
  return all;
}

float GoldenWorst(Model model) {
  const auto& golden = ::anvil::testing::Stories260kGolden();
  const std::vector<std::vector<float>> logits = RunTokens(std::move(model), golden.input_ids);
  float worst = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    const auto best = std::max_element(logits[i].begin(), logits[i].end()) - logits[i].begin();
    EXPECT_EQ(best, golden.next_ids[i]) << "step " << i;
    for (size_t j = 0; j < 512; ++j) worst = std::max(worst, std::fabs(logits[i][j] - golden.logits[i * 512 + j]));
  }
  EXPECT_EQ(logits.size(), 256u);
  return worst;
}

TEST(HfImportTest, SharedStories260kCopyReproducesTheGoldenRun) {
  auto model = ImportHf(SharedPath("models/stories260K-hf"));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->config.rope_layout, "half");
  EXPECT_TRUE(model->config.tie_embeddings);
  EXPECT_LE(GoldenWorst(std::move(*model)), 1e-4f);
}

// HF conversion's permute: rows of each head reordered from interleaved pairs to halves.
std::vector<float> PermuteForHalfRope(const float* w, int64_t heads, int64_t rows, int64_t cols) {
  std::vector<float> out(rows * cols);
  const int64_t head_dim = rows / heads;
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = 0; i < head_dim / 2; ++i) {
      for (int64_t pair = 0; pair < 2; ++pair) {
        const int64_t from = h * head_dim + 2 * i + pair;           // interleaved row
        const int64_t to = h * head_dim + pair * head_dim / 2 + i;  // half-layout row
        std::copy(w + from * cols, w + (from + 1) * cols, out.begin() + to * cols);
      }
    }
  }
  return out;
}

WeightTensor F32Tensor(std::vector<int64_t> dims, const std::vector<float>& values) {
  std::vector<uint8_t> bytes(values.size() * 4);
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return WeightTensor{DType::kF32, std::move(dims), TensorData::Owned(std::move(bytes))};
}

TEST(HfImportTest, CheckpointBuiltFromTheLlama2cFileReproducesTheGoldenRun) {
  // Read llama2.c's layout directly (7 int32 header, then the tensors in order).
  const std::string bin = ::anvil::testing::ReadFile(SharedPath("models/stories260K.bin"));
  const float* f = reinterpret_cast<const float*>(bin.data() + 28);
  const int64_t D = 64, F = 172, L = 5, H = 8, Hkv = 4, V = 512, hd = 8;
  std::map<std::string, WeightTensor> st;
  auto take = [&](int64_t count) {
    std::vector<float> v(f, f + count);
    f += count;
    return v;
  };
  st["model.embed_tokens.weight"] = F32Tensor({V, D}, take(V * D));
  std::vector<std::vector<float>> blocks[9];
  const int64_t sizes[9] = {D, D * D, Hkv * hd * D, Hkv * hd * D, D * D, D, F * D, D * F, F * D};
  for (int k = 0; k < 9; ++k) {
    for (int64_t l = 0; l < L; ++l) blocks[k].push_back(take(sizes[k]));
  }
  const std::vector<float> final_norm = take(D);
  for (int64_t l = 0; l < L; ++l) {
    const std::string p = absl::StrCat("model.layers.", l, ".");
    st[p + "input_layernorm.weight"] = F32Tensor({D}, blocks[0][l]);
    st[p + "self_attn.q_proj.weight"] = F32Tensor({D, D}, PermuteForHalfRope(blocks[1][l].data(), H, D, D));
    st[p + "self_attn.k_proj.weight"] = F32Tensor({Hkv * hd, D}, PermuteForHalfRope(blocks[2][l].data(), Hkv, Hkv * hd, D));
    st[p + "self_attn.v_proj.weight"] = F32Tensor({Hkv * hd, D}, blocks[3][l]);
    st[p + "self_attn.o_proj.weight"] = F32Tensor({D, D}, blocks[4][l]);
    st[p + "post_attention_layernorm.weight"] = F32Tensor({D}, blocks[5][l]);
    st[p + "mlp.gate_proj.weight"] = F32Tensor({F, D}, blocks[6][l]);
    st[p + "mlp.down_proj.weight"] = F32Tensor({D, F}, blocks[7][l]);
    st[p + "mlp.up_proj.weight"] = F32Tensor({F, D}, blocks[8][l]);
  }
  st["model.norm.weight"] = F32Tensor({D}, final_norm);
  const std::string dir = TempDir();
  ASSERT_TRUE(WriteSafetensors(dir + "/model.safetensors", st).ok());
  WriteFile(dir + "/config.json", R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 172,
    "num_hidden_layers": 5, "num_attention_heads": 8, "num_key_value_heads": 4, "vocab_size": 512,
    "max_position_embeddings": 512, "rms_norm_eps": 1e-05, "tie_word_embeddings": true})");
  auto model = ImportHf(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_LE(GoldenWorst(std::move(*model)), 1e-4f);
}

struct RandomCheckpoint {
  std::string name;
  std::string config_json;
  DType dtype;
};

// Writes random weights for `config` under HF names in `dtype`; returns them as f32 for the
// reference (after rounding to the stored dtype).
HfWeights WriteRandomCheckpoint(const ModelConfig& c, DType dtype, const std::string& dir, uint64_t seed) {
  std::mt19937_64 rng(seed);
  HfWeights f32;
  std::map<std::string, WeightTensor> st;
  auto add = [&](const std::string& name, std::vector<int64_t> dims, float scale, float offset) {
    std::uniform_real_distribution<float> dist(-scale, scale);
    std::vector<float> values(NumElements(dims));
    for (float& v : values) v = offset + dist(rng);
    std::vector<uint8_t> bytes(RowBytes(dtype, values.size()));
    QuantizeRow(dtype, values.data(), static_cast<int64_t>(values.size()), bytes.data());
    DequantizeRow(dtype, bytes.data(), static_cast<int64_t>(values.size()), values.data());  // what the file holds
    f32[name] = values;
    st[name] = WeightTensor{dtype, std::move(dims), TensorData::Owned(std::move(bytes))};
  };
  const int64_t D = c.hidden_size, F = c.intermediate_size, q = c.num_heads * c.head_dim, kv = c.num_kv_heads * c.head_dim;
  add("model.embed_tokens.weight", {c.vocab_size, D}, 1.0f, 0);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = absl::StrCat("model.layers.", l, ".");
    add(p + "input_layernorm.weight", {D}, 0.1f, 1);
    add(p + "self_attn.q_proj.weight", {q, D}, 1 / std::sqrt(float(D)), 0);
    add(p + "self_attn.k_proj.weight", {kv, D}, 1 / std::sqrt(float(D)), 0);
    add(p + "self_attn.v_proj.weight", {kv, D}, 1 / std::sqrt(float(D)), 0);
    if (c.attention_bias) {
      add(p + "self_attn.q_proj.bias", {q}, 0.2f, 0);
      add(p + "self_attn.k_proj.bias", {kv}, 0.2f, 0);
      add(p + "self_attn.v_proj.bias", {kv}, 0.2f, 0);
    }
    if (c.qk_norm) {
      add(p + "self_attn.q_norm.weight", {c.head_dim}, 0.1f, 1);
      add(p + "self_attn.k_norm.weight", {c.head_dim}, 0.1f, 1);
    }
    add(p + "self_attn.o_proj.weight", {D, q}, 1 / std::sqrt(float(q)), 0);
    add(p + "post_attention_layernorm.weight", {D}, 0.1f, 1);
    add(p + "mlp.gate_proj.weight", {F, D}, 1 / std::sqrt(float(D)), 0);
    add(p + "mlp.up_proj.weight", {F, D}, 1 / std::sqrt(float(D)), 0);
    add(p + "mlp.down_proj.weight", {D, F}, 1 / std::sqrt(float(F)), 0);
  }
  add("model.norm.weight", {D}, 0.1f, 1);
  if (!c.tie_embeddings) add("lm_head.weight", {c.vocab_size, D}, 1 / std::sqrt(float(D)), 0);
  EXPECT_TRUE(WriteSafetensors(dir + "/model.safetensors", st).ok());
  return f32;
}

class RandomCheckpointTest : public ::testing::TestWithParam<RandomCheckpoint> {};

TEST_P(RandomCheckpointTest, MatchesAnIndependentDoublePrecisionForwardPass) {
  const RandomCheckpoint& r = GetParam();
  const std::string dir = TempDir();
  WriteFile(dir + "/config.json", r.config_json);
  auto config = ReadHfConfig(r.config_json, "config.json");
  ASSERT_TRUE(config.ok()) << config.status();
  const HfWeights weights = WriteRandomCheckpoint(*config, r.dtype, dir, 1234);
  auto model = ImportHf(dir);
  ASSERT_TRUE(model.ok()) << model.status();
  // Longer than the Mistral window (6), enough to exercise the Llama-3 frequency bands.
  const std::vector<int32_t> tokens = {1, 17, 4, 99, 23, 61, 5, 88, 40, 2, 77, 13, 50, 9};
  const auto expected = ::anvil::testing::ReferenceForward(*config, weights, tokens);
  const auto got = RunTokens(std::move(*model), tokens);
  ASSERT_EQ(got.size(), expected.size());
  double worst = 0;
  for (size_t t = 0; t < got.size(); ++t) {
    for (size_t i = 0; i < got[t].size(); ++i) worst = std::max(worst, std::fabs(got[t][i] - expected[t][i]));
  }
  EXPECT_LE(worst, 1e-4);
  RecordProperty("max_abs_logit_diff", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(
    Families, RandomCheckpointTest,
    ::testing::Values(
        RandomCheckpoint{"qwen2_bias_bf16", R"({"model_type": "qwen2", "hidden_size": 48, "intermediate_size": 64,
            "num_hidden_layers": 2, "num_attention_heads": 6, "num_key_value_heads": 2, "vocab_size": 128,
            "max_position_embeddings": 64, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": false})",
                         DType::kBF16},
        RandomCheckpoint{"qwen3_qk_norm_f16", R"({"model_type": "qwen3", "hidden_size": 48, "intermediate_size": 64,
            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "vocab_size": 128,
            "max_position_embeddings": 64, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "tie_word_embeddings": true})",
                         DType::kF16},
        RandomCheckpoint{"mistral_window", R"({"model_type": "mistral", "hidden_size": 32, "intermediate_size": 48,
            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 1, "vocab_size": 128,
            "max_position_embeddings": 64, "rms_norm_eps": 1e-05, "sliding_window": 6})",
                         DType::kF32},
        RandomCheckpoint{"llama3_scaling_tied", R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
            "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 128,
            "max_position_embeddings": 64, "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": true,
            "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                             "original_max_position_embeddings": 16}})",
                         DType::kF32}),
    [](const ::testing::TestParamInfo<RandomCheckpoint>& info) { return info.param.name; });

TEST(HfImportTest, MalformedConfig) {
  auto error = [](const std::string& json) {
    auto c = ReadHfConfig(json, "config.json");
    return c.ok() ? std::string() : std::string(c.status().message());
  };
  const std::string base = R"("hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 128)";
  EXPECT_EQ(error("{"), "config.json: not a JSON object");
  EXPECT_EQ(error("{" + base + "}"), "config.json: 'model_type' is missing");
  EXPECT_EQ(error(R"({"model_type": "gpt2", )" + base + "}"),
            "config.json: model_type 'gpt2' is not supported (llama, mistral, qwen2, qwen3)");
  EXPECT_EQ(error(R"({"model_type": "llama", "hidden_size": "big", "intermediate_size": 96})"),
            "config.json: 'hidden_size' is not an integer");
  EXPECT_EQ(error(R"({"model_type": "llama", "intermediate_size": 96})"), "config.json: 'hidden_size' is missing");
  EXPECT_EQ(error(R"({"model_type": "llama", )" + base + R"(, "num_key_value_heads": 3})"),
            "config.json: config: num_heads 4 is not a multiple of num_kv_heads 3");
  EXPECT_EQ(error(R"({"model_type": "llama", )" + base + R"(, "rope_scaling": {"rope_type": "yarn"}})"),
            "config.json: rope_scaling type 'yarn' is not supported (llama3)");
  EXPECT_EQ(error(R"({"model_type": "llama", )" + base + R"(, "eos_token_id": [2, "x"]})"),
            "config.json: 'eos_token_id' holds a non-integer");
}

TEST(HfImportTest, MalformedSafetensors) {
  const std::string dir = TempDir();
  const std::string path = dir + "/model.safetensors";
  auto error = [&](const std::string& bytes) {
    WriteFile(path, bytes);
    auto st = ReadSafetensors(path);
    return st.ok() ? std::string() : std::string(st.status().message());
  };
  auto file = [](const std::string& header, size_t data_bytes) {
    std::string out(8, '\0');
    const uint64_t n = header.size();
    std::memcpy(out.data(), &n, 8);
    return out + header + std::string(data_bytes, '\0');
  };
  EXPECT_EQ(error("abc"), path + ": truncated: no safetensors header");
  EXPECT_EQ(error(std::string("\xff\xff\xff\xff\x00\x00\x00\x00", 8) + "{}"),
            path + ": header length 4294967295 does not fit the 10-byte file; not a safetensors file, or truncated");
  EXPECT_EQ(error(file("[1, 2]", 0)), path + ": the header is not a JSON object");
  EXPECT_EQ(error(file(R"({"w": {"dtype": "F32", "shape": [2, 2]}})", 16)), path + ": tensor 'w' needs dtype, shape and data_offsets");
  EXPECT_EQ(error(file(R"({"w": {"dtype": "I8", "shape": [2], "data_offsets": [0, 2]}})", 2)),
            path + ": tensor 'w': dtype I8 is not supported (F32, F16, BF16)");
  EXPECT_EQ(error(file(R"({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}})", 8)),
            path + ": tensor 'w': data_offsets [0, 16) lie outside the 8-byte data; truncated?");
  EXPECT_EQ(error(file(R"({"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}})", 16)),
            path + ": tensor 'w': 12 bytes for shape [2,2] F32 (16 bytes)");
  EXPECT_EQ(error(file(R"({"w": {"dtype": "F32", "shape": [4294967296, 4294967296, 4294967296], "data_offsets": [0, 0]}})", 0)),
            path + ": tensor 'w': element count overflows 64 bits");
  // A folder without weights.
  const std::string empty = TempDir() + "/empty";
  std::filesystem::create_directories(empty);
  WriteFile(empty + "/config.json", R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
    "num_hidden_layers": 1, "num_attention_heads": 4, "vocab_size": 128})");
  auto model = ImportHf(empty);
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().message(), empty + ": no model.safetensors or model.safetensors.index.json");
}

}  // namespace
}  // namespace anvil
