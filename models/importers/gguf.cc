#include "models/importers/gguf.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status.h"
#include "models/importers/gguf_reader.h"
#include "models/importers/weights.h"
#include "models/llama_family.h"

namespace anvil {
namespace {

using gguf::Value;

// Pre-tokenizer regexes of the byte-level BPE vocabularies GGUF files name in tokenizer.ggml.pre.
const char* PreTokenizerRegex(const std::string& pre) {
  static const char* kGpt2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
  static const char* kLlama3 =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  static const char* kQwen2 =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
  if (pre.empty() || pre == "default" || pre == "gpt-2" || pre == "gpt2") return kGpt2;
  if (pre == "llama3" || pre == "llama-bpe" || pre == "smaug-bpe") return kLlama3;
  if (pre == "qwen2") return kQwen2;
  return nullptr;
}

class Metadata {
 public:
  Metadata(const gguf::File& file, std::string path) : file_(file), path_(std::move(path)) {}

  absl::StatusOr<int64_t> Int(const std::string& key) const {
    const Value* v = file_.Find(key);
    if (v == nullptr) return absl::InvalidArgumentError(absl::StrCat(path_, ": metadata '", key, "' is missing"));
    if (!v->is_integer()) return absl::InvalidArgumentError(absl::StrCat(path_, ": metadata '", key, "' is not an integer"));
    return v->AsInt();
  }
  int64_t IntOr(const std::string& key, int64_t fallback) const {
    const Value* v = file_.Find(key);
    return v != nullptr && v->is_integer() ? v->AsInt() : fallback;
  }
  double DoubleOr(const std::string& key, double fallback) const {
    const Value* v = file_.Find(key);
    return v != nullptr && v->is_number() ? v->AsDouble() : fallback;
  }
  std::string StringOr(const std::string& key, const std::string& fallback) const {
    const Value* v = file_.Find(key);
    return v != nullptr && v->AsString() != nullptr ? *v->AsString() : fallback;
  }
  // An array of `count` elements (or any count when count < 0).
  absl::StatusOr<const gguf::Array*> Array(const std::string& key, int64_t count) const {
    const Value* v = file_.Find(key);
    if (v == nullptr || v->AsArray() == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ": metadata '", key, "' is missing or not an array"));
    }
    if (count >= 0 && static_cast<int64_t>(v->AsArray()->size()) != count) {
      return absl::InvalidArgumentError(absl::StrCat(path_, ": metadata '", key, "' has ", v->AsArray()->size(),
                                                     " entries, expected ", count));
    }
    return v->AsArray();
  }

 private:
  const gguf::File& file_;
  std::string path_;
};

absl::StatusOr<TokenizerData> ReadVocabulary(const Metadata& m, const std::string& path) {
  TokenizerData t;
  const std::string model = m.StringOr("tokenizer.ggml.model", "");
  ANVIL_ASSIGN_OR_RETURN(const gguf::Array* tokens, m.Array("tokenizer.ggml.tokens", -1));
  const int64_t n = static_cast<int64_t>(tokens->size());
  for (int64_t i = 0; i < n; ++i) {
    const std::string* piece = (*tokens)[i].AsString();
    if (piece == nullptr) return absl::InvalidArgumentError(absl::StrCat(path, ": tokenizer.ggml.tokens[", i, "] is not a string"));
    t.pieces.push_back(*piece);
  }
  if (auto types = m.Array("tokenizer.ggml.token_type", n); types.ok()) {
    for (size_t i = 0; i < (*types)->size(); ++i) {
      const Value& v = (**types)[i];
      const int64_t type = v.is_integer() ? v.AsInt() : -1;
      if (type < 0 || type > kTokenByte) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": tokenizer.ggml.token_type[", i, "] is not a token type (0 to 6)"));
      }
      t.token_types.push_back(static_cast<int32_t>(type));
    }
  }
  auto id = [&](const std::string& key) -> absl::StatusOr<int64_t> {
    const int64_t v = m.IntOr(key, -1);
    if (v >= n || v < -1 || v == 0xffffffffLL) {
      return v == 0xffffffffLL ? int64_t{-1}
                               : absl::StatusOr<int64_t>(absl::InvalidArgumentError(
                                     absl::StrCat(path, ": ", key, " = ", v, " is outside the vocabulary (", n, " pieces)")));
    }
    return v;
  };
  ANVIL_ASSIGN_OR_RETURN(t.bos_id, id("tokenizer.ggml.bos_token_id"));
  ANVIL_ASSIGN_OR_RETURN(t.eos_id, id("tokenizer.ggml.eos_token_id"));
  ANVIL_ASSIGN_OR_RETURN(t.unk_id, id("tokenizer.ggml.unknown_token_id"));
  if (model == "llama") {
    t.type = "spm";
    ANVIL_ASSIGN_OR_RETURN(const gguf::Array* scores, m.Array("tokenizer.ggml.scores", n));
    for (size_t i = 0; i < scores->size(); ++i) {
      const Value& v = (*scores)[i];
      if (!v.is_number()) return absl::InvalidArgumentError(absl::StrCat(path, ": tokenizer.ggml.scores[", i, "] is not a number"));
      t.scores.push_back(static_cast<float>(v.AsDouble()));
    }
    t.add_bos = m.IntOr("tokenizer.ggml.add_bos_token", 1) != 0;
    t.add_eos = m.IntOr("tokenizer.ggml.add_eos_token", 0) != 0;
    t.byte_fallback = true;
    t.normalizer = "spm";
    return t;
  }
  if (model == "gpt2") {
    t.type = "bpe";
    t.byte_level = true;
    ANVIL_ASSIGN_OR_RETURN(const gguf::Array* merges, m.Array("tokenizer.ggml.merges", -1));
    for (size_t i = 0; i < merges->size(); ++i) {
      const std::string* merge = (*merges)[i].AsString();
      if (merge == nullptr) return absl::InvalidArgumentError(absl::StrCat(path, ": tokenizer.ggml.merges[", i, "] is not a string"));
      t.merges.push_back(*merge);
    }
    const std::string pre = m.StringOr("tokenizer.ggml.pre", "default");
    const char* regex = PreTokenizerRegex(pre);
    if (regex == nullptr) {
      return absl::UnimplementedError(absl::StrCat(path, ": pre-tokenizer '", pre,
                                                   "' is not supported (known: default, gpt2, llama3, llama-bpe, qwen2)"));
    }
    t.pretokenizer_regex = regex;
    t.ignore_merges = pre == "llama3" || pre == "llama-bpe";
    t.add_bos = m.IntOr("tokenizer.ggml.add_bos_token", 0) != 0;
    t.add_eos = m.IntOr("tokenizer.ggml.add_eos_token", 0) != 0;
    return t;
  }
  return absl::UnimplementedError(absl::StrCat(path, ": tokenizer model '", model, "' is not supported (llama, gpt2)"));
}

}  // namespace

absl::StatusOr<Model> ImportGguf(const std::string& path) {
  ANVIL_ASSIGN_OR_RETURN(gguf::File file, gguf::ReadFile(path));
  const Metadata m(file, path);
  const std::string arch = m.StringOr("general.architecture", "");
  static const std::set<std::string> kArchitectures = {"llama", "mistral", "qwen2", "qwen3"};
  if (!kArchitectures.count(arch)) {
    return absl::UnimplementedError(absl::StrCat(path, ": architecture '", arch, "' is not supported (llama, mistral, qwen2, qwen3)"));
  }
  WeightMap weights;
  for (const gguf::TensorInfo& t : file.tensors) {
    if (weights.count(t.name)) return absl::InvalidArgumentError(absl::StrCat(path, ": tensor '", t.name, "' appears twice"));
    if (t.name == "rope_freqs.weight") {
      return absl::UnimplementedError(absl::StrCat(path, ": per-frequency RoPE factors (rope_freqs.weight) are not supported"));
    }
    weights[t.name] = WeightTensor{t.dtype, t.dims, TensorData::View(file.mapping, file.TensorBytes(t), t.bytes)};
  }
  ModelConfig c;
  c.family = arch;
  const std::string p = arch + ".";
  ANVIL_ASSIGN_OR_RETURN(c.hidden_size, m.Int(p + "embedding_length"));
  ANVIL_ASSIGN_OR_RETURN(c.intermediate_size, m.Int(p + "feed_forward_length"));
  ANVIL_ASSIGN_OR_RETURN(c.num_layers, m.Int(p + "block_count"));
  ANVIL_ASSIGN_OR_RETURN(c.num_heads, m.Int(p + "attention.head_count"));
  c.num_kv_heads = m.IntOr(p + "attention.head_count_kv", c.num_heads);
  c.head_dim = m.IntOr(p + "attention.key_length", c.num_heads > 0 ? c.hidden_size / c.num_heads : 0);
  c.max_context = m.IntOr(p + "context_length", 2048);
  c.rope_theta = m.DoubleOr(p + "rope.freq_base", 10000.0);
  c.rms_norm_eps = m.DoubleOr(p + "attention.layer_norm_rms_epsilon", 1e-5);
  c.sliding_window = m.IntOr(p + "attention.sliding_window", 0);
  c.rope_layout = arch == "qwen2" || arch == "qwen3" ? "half" : "interleaved";
  const int64_t rotary = m.IntOr(p + "rope.dimension_count", c.head_dim);
  if (rotary != c.head_dim) {
    return absl::UnimplementedError(absl::StrCat(path, ": partial RoPE (", rotary, " of ", c.head_dim, " dims) is not supported"));
  }
  if (const std::string scaling = m.StringOr(p + "rope.scaling.type", "none"); scaling != "none") {
    return absl::UnimplementedError(absl::StrCat(path, ": RoPE scaling '", scaling, "' is not supported"));
  }
  c.tie_embeddings = !weights.count("output.weight");
  c.attention_bias = weights.count("blk.0.attn_q.bias") > 0;
  c.qk_norm = weights.count("blk.0.attn_q_norm.weight") > 0;
  std::optional<TokenizerData> vocabulary;
  if (file.Find("tokenizer.ggml.tokens") != nullptr) {
    ANVIL_ASSIGN_OR_RETURN(vocabulary, ReadVocabulary(m, path));
  }
  c.vocab_size = m.IntOr(p + "vocab_size", vocabulary ? static_cast<int64_t>(vocabulary->pieces.size()) : 0);
  if (auto embd = weights.find("token_embd.weight"); c.vocab_size == 0 && embd != weights.end()) c.vocab_size = embd->second.dims[0];
  if (vocabulary && vocabulary->bos_id >= 0) c.bos_ids = {vocabulary->bos_id};
  if (vocabulary && vocabulary->eos_id >= 0) c.eos_ids = {vocabulary->eos_id};
  if (const int64_t eot = m.IntOr("tokenizer.ggml.eot_token_id", -1); eot >= 0 && eot < c.vocab_size && eot != 0xffffffffLL) {
    c.eos_ids.push_back(eot);
  }
  // Norm weights and biases run as f32 whatever the file stores.
  ANVIL_RETURN_IF_ERROR(ConvertSmallTensorsToF32(weights), path);
  ANVIL_ASSIGN_OR_RETURN(Model model, BuildLlamaModel(c, std::move(weights)), path);
  model.producer = "anvil convert gguf";
  model.graph.name = arch;
  model.tokenizer = std::move(vocabulary);
  model.metadata.emplace_back("source", absl::StrCat("GGUF v", file.version, " ", m.StringOr("general.name", "")));
  return model;
}

}  // namespace anvil
