#include "models/synthetic.h"

#include <cmath>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status.h"
#include "models/llama_family.h"
#include "ops/dequantize.h"

namespace anvil {
namespace {

// A failed allocation leaves the tensor empty and records the error in `status`.
WeightTensor RandomWeight(std::vector<int64_t> dims, DType dtype, float scale, float offset, std::mt19937_64& rng,
                          absl::Status* status) {
  const int64_t cols = dims.back();
  const int64_t rows = NumElements(dims) / cols;
  std::uniform_real_distribution<float> dist(-scale, scale);
  std::vector<float> row(cols);
  AlignedBuffer bytes(RowBytes(dtype, cols) * rows);
  if (!bytes.ok()) {
    status->Update(absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", bytes.size(), " B of weights")));
    return WeightTensor{dtype, std::move(dims), TensorData()};
  }
  for (int64_t r = 0; r < rows; ++r) {
    for (float& v : row) v = offset + dist(rng);
    QuantizeRow(dtype, row.data(), cols, bytes.data() + r * RowBytes(dtype, cols));
  }
  return WeightTensor{dtype, std::move(dims), TensorData::Owned(std::move(bytes))};
}

}  // namespace

absl::StatusOr<Model> BuildSyntheticModel(const ModelConfig& c, DType weight_dtype, uint64_t seed) {
  ANVIL_RETURN_IF_ERROR(ValidateLlamaConfig(c));
  if (!IsFloat(weight_dtype) && !IsQuantized(weight_dtype)) {
    return absl::InvalidArgumentError(absl::StrCat("weights cannot be ", DTypeName(weight_dtype)));
  }
  std::mt19937_64 rng(seed);
  const int64_t D = c.hidden_size, F = c.intermediate_size, V = c.vocab_size;
  const int64_t q = c.num_heads * c.head_dim, kv = c.num_kv_heads * c.head_dim;
  const float dense = 1.0f / std::sqrt(static_cast<float>(D));
  WeightMap w;
  absl::Status allocated;
  auto matrix = [&](const std::string& name, std::vector<int64_t> dims) {
    const float scale = 1.0f / std::sqrt(static_cast<float>(dims.back()));
    w[name] = RandomWeight(std::move(dims), weight_dtype, scale, 0, rng, &allocated);
  };
  auto norm = [&](const std::string& name, int64_t n) { w[name] = RandomWeight({n}, DType::kF32, 0.1f, 1.0f, rng, &allocated); };
  auto bias = [&](const std::string& name, int64_t n) { w[name] = RandomWeight({n}, DType::kF32, dense, 0, rng, &allocated); };
  w["token_embd.weight"] = RandomWeight({V, D}, weight_dtype, 1.0f, 0, rng, &allocated);
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = absl::StrCat("blk.", l, ".");
    norm(p + "attn_norm.weight", D);
    matrix(p + "attn_q.weight", {q, D});
    matrix(p + "attn_k.weight", {kv, D});
    matrix(p + "attn_v.weight", {kv, D});
    if (c.attention_bias) {
      bias(p + "attn_q.bias", q);
      bias(p + "attn_k.bias", kv);
      bias(p + "attn_v.bias", kv);
    }
    if (c.qk_norm) {
      norm(p + "attn_q_norm.weight", c.head_dim);
      norm(p + "attn_k_norm.weight", c.head_dim);
    }
    matrix(p + "attn_output.weight", {D, q});
    norm(p + "ffn_norm.weight", D);
    matrix(p + "ffn_gate.weight", {F, D});
    matrix(p + "ffn_up.weight", {F, D});
    matrix(p + "ffn_down.weight", {D, F});
  }
  norm("output_norm.weight", D);
  if (!c.tie_embeddings) matrix("output.weight", {V, D});
  ANVIL_RETURN_IF_ERROR(allocated);
  ANVIL_ASSIGN_OR_RETURN(Model model, BuildLlamaModel(c, std::move(w)));
  model.producer = absl::StrCat("anvil synthetic (seed ", seed, ")");
  return model;
}

namespace {

struct Preset {
  const char* name;
  const char* family;
  int64_t vocab, hidden, ffn, layers, heads, kv_heads, head_dim, context;
  double theta;
  bool tied, qk_norm, llama3_scaling;
};

constexpr Preset kPresets[] = {
    {"tinyllama-1.1b", "llama", 32000, 2048, 5632, 22, 32, 4, 64, 2048, 10000, false, false, false},
    {"llama-3.2-1b", "llama", 128256, 2048, 8192, 16, 32, 8, 64, 131072, 500000, true, false, true},
    {"qwen3-0.6b", "qwen3", 151936, 1024, 3072, 28, 16, 8, 128, 40960, 1000000, true, true, false},
    {"stories15m", "llama", 32000, 288, 768, 6, 6, 6, 48, 256, 10000, true, false, false},
    {"stories260k", "llama", 512, 64, 172, 5, 8, 4, 8, 512, 10000, true, false, false},
};

}  // namespace

std::vector<std::string> SyntheticPresetNames() {
  std::vector<std::string> names;
  for (const Preset& p : kPresets) names.push_back(p.name);
  return names;
}

absl::StatusOr<ModelConfig> SyntheticPreset(const std::string& name) {
  for (const Preset& p : kPresets) {
    if (name != p.name) continue;
    ModelConfig c;
    c.family = p.family;
    c.vocab_size = p.vocab;
    c.hidden_size = p.hidden;
    c.intermediate_size = p.ffn;
    c.num_layers = p.layers;
    c.num_heads = p.heads;
    c.num_kv_heads = p.kv_heads;
    c.head_dim = p.head_dim;
    c.max_context = p.context;
    c.rope_theta = p.theta;
    c.rope_layout = std::string(p.family) == "llama" && !p.llama3_scaling ? "interleaved" : "half";
    c.rms_norm_eps = p.qk_norm ? 1e-6 : 1e-5;
    c.tie_embeddings = p.tied;
    c.qk_norm = p.qk_norm;
    if (p.llama3_scaling) c.rope_scaling = {"llama3", 32, 1, 4, 8192};
    c.bos_ids = {1};
    c.eos_ids = {2};
    return c;
  }
  return absl::NotFoundError(absl::StrCat("unknown preset '", name, "' (known: ", absl::StrJoin(SyntheticPresetNames(), ", "), ")"));
}

}  // namespace anvil
