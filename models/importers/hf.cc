#include "models/importers/hf.h"

#include <filesystem>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "base/mapped_file.h"
#include "base/status.h"
#include "models/importers/json_limits.h"
#include "models/importers/safetensors.h"
#include "models/importers/weights.h"
#include "models/llama_family.h"
#include "models/tokenizer/hf_tokenizer.h"
#include "nlohmann/json.hpp"

namespace anvil {
namespace {

using Json = nlohmann::json;

// bos_token_id / eos_token_id lists: real configs give one to a handful.
constexpr size_t kMaxSpecialIds = 64;

// Typed reads of config.json fields; a field of the wrong type is an error naming it.
class Fields {
 public:
  Fields(const Json& j, std::string path) : j_(j), path_(std::move(path)) {}

  absl::StatusOr<int64_t> Int(const char* key) const {
    if (!j_.contains(key)) return absl::InvalidArgumentError(absl::StrCat(path_, ": '", key, "' is missing"));
    return IntOr(key, 0);
  }
  absl::StatusOr<int64_t> IntOr(const char* key, int64_t fallback) const {
    if (!j_.contains(key) || j_[key].is_null()) return fallback;
    if (!j_[key].is_number_integer()) return absl::InvalidArgumentError(absl::StrCat(path_, ": '", key, "' is not an integer"));
    return j_[key].get<int64_t>();
  }
  absl::StatusOr<double> DoubleOr(const char* key, double fallback) const {
    if (!j_.contains(key) || j_[key].is_null()) return fallback;
    if (!j_[key].is_number()) return absl::InvalidArgumentError(absl::StrCat(path_, ": '", key, "' is not a number"));
    return j_[key].get<double>();
  }
  absl::StatusOr<bool> BoolOr(const char* key, bool fallback) const {
    if (!j_.contains(key) || j_[key].is_null()) return fallback;
    if (!j_[key].is_boolean()) return absl::InvalidArgumentError(absl::StrCat(path_, ": '", key, "' is not true/false"));
    return j_[key].get<bool>();
  }
  // An id or a list of ids (bos_token_id / eos_token_id), each in [0, vocab_size).
  absl::StatusOr<std::vector<int64_t>> Ids(const char* key, int64_t vocab_size) const {
    std::vector<int64_t> ids;
    if (!j_.contains(key) || j_[key].is_null()) return ids;
    const Json& v = j_[key];
    if (!v.is_number_integer() && !v.is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ": '", key, "' is not an id or a list of ids"));
    }
    if (v.is_array() && v.size() > kMaxSpecialIds) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ": '", key, "' lists ", v.size(), " ids (at most ",
                                                     kMaxSpecialIds, ")"));
    }
    for (const Json& id : v.is_array() ? v : Json::array({v})) {
      if (!id.is_number_integer()) return absl::InvalidArgumentError(absl::StrCat(path_, ": '", key, "' holds a non-integer"));
      // Unsigned values above INT64_MAX are out of range too (get<int64_t> would wrap them).
      const bool in_range = id.is_number_unsigned() ? id.get<uint64_t>() < static_cast<uint64_t>(vocab_size)
                                                    : id.get<int64_t>() >= 0 && id.get<int64_t>() < vocab_size;
      if (!in_range) {
        return absl::InvalidArgumentError(absl::StrCat(path_, ": '", key, "' holds id ", id.dump(),
                                                       ", outside the vocabulary (vocab_size ", vocab_size, ")"));
      }
      ids.push_back(id.get<int64_t>());
    }
    return ids;
  }

 private:
  const Json& j_;
  std::string path_;
};

// Hugging Face tensor name -> the builder's GGUF-style name ("" = not a weight we use).
absl::StatusOr<std::string> MapName(const std::string& name) {
  static const std::pair<const char*, const char*> kGlobal[] = {
      {"model.embed_tokens.weight", "token_embd.weight"}, {"model.norm.weight", "output_norm.weight"},
      {"lm_head.weight", "output.weight"}};
  for (const auto& [hf, ours] : kGlobal) {
    if (name == hf) return std::string(ours);
  }
  static const std::pair<const char*, const char*> kLayer[] = {
      {"input_layernorm.weight", "attn_norm.weight"},    {"self_attn.q_proj.weight", "attn_q.weight"},
      {"self_attn.k_proj.weight", "attn_k.weight"},       {"self_attn.v_proj.weight", "attn_v.weight"},
      {"self_attn.q_proj.bias", "attn_q.bias"},           {"self_attn.k_proj.bias", "attn_k.bias"},
      {"self_attn.v_proj.bias", "attn_v.bias"},           {"self_attn.o_proj.weight", "attn_output.weight"},
      {"self_attn.q_norm.weight", "attn_q_norm.weight"},  {"self_attn.k_norm.weight", "attn_k_norm.weight"},
      {"post_attention_layernorm.weight", "ffn_norm.weight"}, {"mlp.gate_proj.weight", "ffn_gate.weight"},
      {"mlp.up_proj.weight", "ffn_up.weight"},            {"mlp.down_proj.weight", "ffn_down.weight"}};
  if (absl::StartsWith(name, "model.layers.")) {
    const std::string rest = name.substr(13);
    const size_t dot = rest.find('.');
    int64_t layer;
    if (dot != std::string::npos && absl::SimpleAtoi(rest.substr(0, dot), &layer)) {
      const std::string suffix = rest.substr(dot + 1);
      if (suffix == "self_attn.rotary_emb.inv_freq") return std::string();
      for (const auto& [hf, ours] : kLayer) {
        if (suffix == hf) return absl::StrCat("blk.", layer, ".", ours);
      }
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "' is not part of a Llama-family model"));
}

}  // namespace

absl::StatusOr<ModelConfig> ReadHfConfig(const std::string& text, const std::string& path) {
  ANVIL_RETURN_IF_ERROR(CheckJsonDepth(text, path));
  const Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": not a JSON object"));
  const Fields f(j, path);
  if (!j.contains("model_type") || !j["model_type"].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": 'model_type' is missing"));
  }
  ModelConfig c;
  c.family = j["model_type"].get<std::string>();
  static const std::set<std::string> kTypes = {"llama", "mistral", "qwen2", "qwen3"};
  if (!kTypes.count(c.family)) {
    return absl::UnimplementedError(absl::StrCat(path, ": model_type '", c.family, "' is not supported (llama, mistral, qwen2, qwen3)"));
  }
  ANVIL_ASSIGN_OR_RETURN(c.hidden_size, f.Int("hidden_size"));
  ANVIL_ASSIGN_OR_RETURN(c.intermediate_size, f.Int("intermediate_size"));
  ANVIL_ASSIGN_OR_RETURN(c.num_layers, f.Int("num_hidden_layers"));
  ANVIL_ASSIGN_OR_RETURN(c.num_heads, f.Int("num_attention_heads"));
  ANVIL_ASSIGN_OR_RETURN(c.num_kv_heads, f.IntOr("num_key_value_heads", c.num_heads));
  ANVIL_ASSIGN_OR_RETURN(c.vocab_size, f.Int("vocab_size"));
  if (c.num_heads <= 0) return absl::InvalidArgumentError(absl::StrCat(path, ": 'num_attention_heads' must be positive"));
  ANVIL_ASSIGN_OR_RETURN(c.head_dim, f.IntOr("head_dim", c.hidden_size / c.num_heads));
  ANVIL_ASSIGN_OR_RETURN(c.max_context, f.IntOr("max_position_embeddings", 2048));
  ANVIL_ASSIGN_OR_RETURN(c.rms_norm_eps, f.DoubleOr("rms_norm_eps", 1e-6));
  ANVIL_ASSIGN_OR_RETURN(c.rope_theta, f.DoubleOr("rope_theta", 10000.0));
  ANVIL_ASSIGN_OR_RETURN(c.tie_embeddings, f.BoolOr("tie_word_embeddings", false));
  // Qwen2 projections always carry a bias; Llama and Mistral say so in attention_bias.
  ANVIL_ASSIGN_OR_RETURN(c.attention_bias, f.BoolOr("attention_bias", c.family == "qwen2"));
  c.qk_norm = c.family == "qwen3";
  if (c.family == "mistral") {
    ANVIL_ASSIGN_OR_RETURN(c.sliding_window, f.IntOr("sliding_window", 0));
  } else if (c.family == "qwen2" || c.family == "qwen3") {
    ANVIL_ASSIGN_OR_RETURN(bool windowed, f.BoolOr("use_sliding_window", false));
    if (windowed) {
      ANVIL_ASSIGN_OR_RETURN(c.sliding_window, f.IntOr("sliding_window", 0));
    }
  }
  c.rope_layout = "half";
  if (j.contains("rope_scaling") && !j["rope_scaling"].is_null()) {
    const Json& s = j["rope_scaling"];
    if (!s.is_object()) return absl::InvalidArgumentError(absl::StrCat(path, ": 'rope_scaling' is not an object"));
    const Fields sf(s, absl::StrCat(path, ": rope_scaling"));
    const std::string type = s.contains("rope_type") && s["rope_type"].is_string() ? s["rope_type"].get<std::string>()
                             : s.contains("type") && s["type"].is_string()      ? s["type"].get<std::string>()
                                                                                  : "";
    if (type != "llama3") {
      return absl::UnimplementedError(absl::StrCat(path, ": rope_scaling type '", type, "' is not supported (llama3)"));
    }
    c.rope_scaling.type = "llama3";
    ANVIL_ASSIGN_OR_RETURN(c.rope_scaling.factor, sf.DoubleOr("factor", 8));
    ANVIL_ASSIGN_OR_RETURN(c.rope_scaling.low_freq_factor, sf.DoubleOr("low_freq_factor", 1));
    ANVIL_ASSIGN_OR_RETURN(c.rope_scaling.high_freq_factor, sf.DoubleOr("high_freq_factor", 4));
    ANVIL_ASSIGN_OR_RETURN(c.rope_scaling.original_max_position, sf.IntOr("original_max_position_embeddings", 8192));
  }
  ANVIL_RETURN_IF_ERROR(ValidateLlamaConfig(c), path);
  ANVIL_ASSIGN_OR_RETURN(c.bos_ids, f.Ids("bos_token_id", c.vocab_size));
  ANVIL_ASSIGN_OR_RETURN(c.eos_ids, f.Ids("eos_token_id", c.vocab_size));
  return c;
}

absl::StatusOr<Model> ImportHf(const std::string& dir) {
  const std::string config_path = dir + "/config.json";
  ANVIL_ASSIGN_OR_RETURN(std::string config_text, ReadFileToString(config_path));
  ANVIL_ASSIGN_OR_RETURN(ModelConfig config, ReadHfConfig(config_text, config_path));

  // The weight files: one model.safetensors, or the shards an index names.
  std::vector<std::string> files;
  const std::string index_path = dir + "/model.safetensors.index.json";
  if (std::filesystem::exists(dir + "/model.safetensors")) {
    files.push_back(dir + "/model.safetensors");
  } else if (std::filesystem::exists(index_path)) {
    ANVIL_ASSIGN_OR_RETURN(std::string index_text, ReadFileToString(index_path));
    ANVIL_RETURN_IF_ERROR(CheckJsonDepth(index_text, index_path));
    const Json index = Json::parse(index_text, nullptr, false);
    if (index.is_discarded() || !index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(index_path, ": needs a 'weight_map' object"));
    }
    std::set<std::string> shards;
    for (const auto& [name, file] : index["weight_map"].items()) {
      if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(index_path, ": weight_map['", name, "'] is not a file name in the folder"));
      }
      shards.insert(file.get<std::string>());
    }
    for (const std::string& shard : shards) files.push_back(dir + "/" + shard);
  } else {
    return absl::NotFoundError(absl::StrCat(dir, ": no model.safetensors or model.safetensors.index.json"));
  }
  WeightMap weights;
  std::vector<SafetensorsFile> mapped;
  for (const std::string& file : files) {
    ANVIL_ASSIGN_OR_RETURN(SafetensorsFile st, ReadSafetensors(file));
    for (auto& [name, tensor] : st.tensors) {
      ANVIL_ASSIGN_OR_RETURN(std::string ours, MapName(name), file);
      if (ours.empty()) continue;
      if (ours == "output.weight" && config.tie_embeddings) continue;  // the tied head reads token_embd
      if (!weights.emplace(ours, tensor).second) {
        return absl::InvalidArgumentError(absl::StrCat(file, ": tensor '", name, "' appears twice"));
      }
    }
    mapped.push_back(std::move(st));
  }
  ANVIL_RETURN_IF_ERROR(ConvertSmallTensorsToF32(weights), dir);
  ANVIL_ASSIGN_OR_RETURN(Model model, BuildLlamaModel(config, std::move(weights)), dir);
  model.producer = "anvil convert hf";
  model.graph.name = config.family;
  if (std::filesystem::exists(dir + "/tokenizer.json")) {
    ANVIL_ASSIGN_OR_RETURN(model.tokenizer, ReadHfTokenizer(dir));
  }
  model.metadata.emplace_back("source", "Hugging Face checkpoint");
  return model;
}

}  // namespace anvil
