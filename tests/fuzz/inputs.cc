#include "tests/fuzz/inputs.h"

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "base/status.h"
#include "models/synthetic.h"
#include "nlohmann/json.hpp"

namespace anvil::fuzz {
namespace {

using Json = nlohmann::json;

constexpr char kSpmSpace[] = "\xe2\x96\x81";  // U+2581
constexpr uint64_t kGgufAlignment = 32;

uint32_t GgmlType(DType dtype) {
  switch (dtype) {
    case DType::kF32: return 0;
    case DType::kF16: return 1;
    case DType::kQ4_0: return 2;
    case DType::kQ8_0: return 8;
    case DType::kBF16: return 30;
    default: return 0xffffffffu;
  }
}

// GPT-2's bytes_to_unicode: the character byte `b` is spelled with in byte-level vocabularies.
std::string ByteLevelChar(int b) {
  int code = b;
  const bool printable = (b >= '!' && b <= '~') || (b >= 0xa1 && b <= 0xac) || b >= 0xae;
  if (!printable) {
    int extra = 256;
    for (int c = 0; c < b; ++c) {
      if (!((c >= '!' && c <= '~') || (c >= 0xa1 && c <= 0xac) || c >= 0xae)) ++extra;
    }
    code = extra;
  }
  std::string out;
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else {
    out.push_back(static_cast<char>(0xc0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3f)));
  }
  return out;
}

// The initializers of a built model as (name, weight), in the order the builder added them.
std::vector<std::pair<std::string, WeightTensor>> Weights(const Model& model) {
  std::vector<std::pair<std::string, WeightTensor>> out;
  for (ValueId id : model.graph.initializers()) {
    const Value& v = model.graph.value(id);
    std::vector<int64_t> dims;
    for (const Dim& d : v.type.shape) dims.push_back(d.size);
    out.push_back({v.name, WeightTensor{v.type.dtype, std::move(dims), v.data}});
  }
  return out;
}

// The builder's GGUF-style name -> the Hugging Face name.
std::string HfName(const std::string& name) {
  static const std::pair<const char*, const char*> kGlobal[] = {
      {"token_embd.weight", "model.embed_tokens.weight"}, {"output_norm.weight", "model.norm.weight"},
      {"output.weight", "lm_head.weight"}};
  for (const auto& [ours, hf] : kGlobal) {
    if (name == ours) return hf;
  }
  static const std::pair<const char*, const char*> kLayer[] = {
      {"attn_norm.weight", "input_layernorm.weight"},   {"attn_q.weight", "self_attn.q_proj.weight"},
      {"attn_k.weight", "self_attn.k_proj.weight"},     {"attn_v.weight", "self_attn.v_proj.weight"},
      {"attn_q.bias", "self_attn.q_proj.bias"},         {"attn_k.bias", "self_attn.k_proj.bias"},
      {"attn_v.bias", "self_attn.v_proj.bias"},         {"attn_output.weight", "self_attn.o_proj.weight"},
      {"attn_q_norm.weight", "self_attn.q_norm.weight"}, {"attn_k_norm.weight", "self_attn.k_norm.weight"},
      {"ffn_norm.weight", "post_attention_layernorm.weight"}, {"ffn_gate.weight", "mlp.gate_proj.weight"},
      {"ffn_up.weight", "mlp.up_proj.weight"},          {"ffn_down.weight", "mlp.down_proj.weight"}};
  const size_t dot = name.find('.', 4);  // "blk.N.rest"
  const std::string layer = name.substr(4, dot - 4), rest = name.substr(dot + 1);
  for (const auto& [ours, hf] : kLayer) {
    if (rest == ours) return absl::StrCat("model.layers.", layer, ".", hf);
  }
  return name;
}

void AppendF32(std::string* out, float v) { out->append(reinterpret_cast<const char*>(&v), 4); }
void AppendI32(std::string* out, int32_t v) { out->append(reinterpret_cast<const char*>(&v), 4); }

}  // namespace

GgufWriter::GgufWriter(uint32_t version) { Raw("GGUF").U32(version); }
GgufWriter& GgufWriter::Raw(absl::string_view bytes) {
  out_.append(bytes.data(), bytes.size());
  return *this;
}
GgufWriter& GgufWriter::U32(uint32_t v) { return Raw(absl::string_view(reinterpret_cast<const char*>(&v), 4)); }
GgufWriter& GgufWriter::U64(uint64_t v) { return Raw(absl::string_view(reinterpret_cast<const char*>(&v), 8)); }
GgufWriter& GgufWriter::F32(float v) { return Raw(absl::string_view(reinterpret_cast<const char*>(&v), 4)); }
GgufWriter& GgufWriter::Str(absl::string_view s) { return U64(s.size()).Raw(s); }
GgufWriter& GgufWriter::KvU32(absl::string_view key, uint32_t v) { return Str(key).U32(kU32).U32(v); }
GgufWriter& GgufWriter::KvF32(absl::string_view key, float v) { return Str(key).U32(kF32).F32(v); }
GgufWriter& GgufWriter::KvStr(absl::string_view key, absl::string_view v) { return Str(key).U32(kString).Str(v); }
GgufWriter& GgufWriter::KvStrArray(absl::string_view key, const std::vector<std::string>& values) {
  Str(key).U32(kArray).U32(kString).U64(values.size());
  for (const std::string& v : values) Str(v);
  return *this;
}
GgufWriter& GgufWriter::KvF32Array(absl::string_view key, const std::vector<float>& values) {
  Str(key).U32(kArray).U32(kF32).U64(values.size());
  for (float v : values) F32(v);
  return *this;
}
GgufWriter& GgufWriter::KvI32Array(absl::string_view key, const std::vector<int32_t>& values) {
  Str(key).U32(kArray).U32(kI32).U64(values.size());
  for (int32_t v : values) U32(static_cast<uint32_t>(v));
  return *this;
}
GgufWriter& GgufWriter::Tensor(absl::string_view name, const std::vector<uint64_t>& ne, uint32_t ggml_type,
                               uint64_t offset) {
  Str(name).U32(static_cast<uint32_t>(ne.size()));
  for (uint64_t d : ne) U64(d);
  return U32(ggml_type).U64(offset);
}
GgufWriter& GgufWriter::PadTo(size_t alignment) {
  out_.resize((out_.size() + alignment - 1) / alignment * alignment, '\0');
  return *this;
}

ModelConfig TinyConfig(bool quantized) {
  ModelConfig c;
  c.family = "llama";
  c.vocab_size = 32;
  c.hidden_size = quantized ? 32 : 8;
  c.intermediate_size = quantized ? 32 : 16;
  c.num_layers = 1;
  c.num_heads = 2;
  c.num_kv_heads = 1;
  c.head_dim = c.hidden_size / c.num_heads;
  c.max_context = 64;
  c.rope_theta = 10000;
  c.rope_layout = "interleaved";
  c.rms_norm_eps = 1e-5;
  c.tie_embeddings = false;
  c.bos_ids = {1};
  c.eos_ids = {2};
  return c;
}

absl::StatusOr<Model> TinyModel(const ModelConfig& config, DType dtype) {
  return BuildSyntheticModel(config, dtype, /*seed=*/20240601);
}

TokenizerData TinySpmVocabulary(const std::string& space) {
  TokenizerData t;
  t.type = space == " " ? "llama2c" : "spm";
  t.pieces = {"<unk>", "<s>", "</s>", space};
  for (char c = 'a'; c <= 'z'; ++c) t.pieces.push_back(std::string(1, c));
  t.pieces.push_back("he");
  t.pieces.push_back(space + "t");
  for (size_t i = 0; i < t.pieces.size(); ++i) t.scores.push_back(i < 3 ? 0.0f : -static_cast<float>(i));
  t.scores[30] = 1.0f;  // merged pieces outrank single characters
  t.scores[31] = 0.5f;
  t.token_types.assign(t.pieces.size(), kTokenNormal);
  t.token_types[0] = kTokenUnknown;
  t.token_types[1] = t.token_types[2] = kTokenControl;
  t.bos_id = 1;
  t.eos_id = 2;
  t.unk_id = 0;
  t.add_bos = true;
  t.max_piece_length = 5;
  return t;
}

absl::StatusOr<std::string> TinyGguf(GgufVariant variant) {
  ModelConfig c = TinyConfig(variant != GgufVariant::kLlamaF32);
  DType dtype = DType::kF32;
  if (variant == GgufVariant::kLlamaQ4NoVocab) dtype = DType::kQ4_0;
  if (variant == GgufVariant::kQwen2Q8Gpt2) {
    dtype = DType::kQ8_0;
    c.family = "qwen2";
    c.rope_layout = "half";
    c.attention_bias = true;
    c.tie_embeddings = true;
  }
  ANVIL_ASSIGN_OR_RETURN(Model model, TinyModel(c, dtype));
  const std::string& arch = c.family;
  GgufWriter w;
  const auto weights = Weights(model);
  std::vector<std::pair<std::string, std::vector<std::string>>> strings;
  int keys = 10;
  if (variant == GgufVariant::kLlamaF32) keys += 7;
  if (variant == GgufVariant::kLlamaQ4NoVocab) keys += 1;
  if (variant == GgufVariant::kQwen2Q8Gpt2) keys += 5;
  w.U64(weights.size()).U64(keys);
  w.KvStr("general.architecture", arch).KvStr("general.name", "tiny").KvU32("general.alignment", kGgufAlignment);
  w.KvU32(arch + ".embedding_length", c.hidden_size).KvU32(arch + ".feed_forward_length", c.intermediate_size);
  w.KvU32(arch + ".block_count", c.num_layers).KvU32(arch + ".attention.head_count", c.num_heads);
  w.KvU32(arch + ".attention.head_count_kv", c.num_kv_heads).KvU32(arch + ".context_length", c.max_context);
  w.KvF32(arch + ".attention.layer_norm_rms_epsilon", 1e-5f);
  if (variant == GgufVariant::kLlamaF32) {
    const TokenizerData vocab = TinySpmVocabulary(kSpmSpace);
    w.KvStr("tokenizer.ggml.model", "llama").KvStrArray("tokenizer.ggml.tokens", vocab.pieces);
    w.KvF32Array("tokenizer.ggml.scores", vocab.scores).KvI32Array("tokenizer.ggml.token_type", vocab.token_types);
    w.KvU32("tokenizer.ggml.bos_token_id", 1).KvU32("tokenizer.ggml.eos_token_id", 2);
    w.KvU32("tokenizer.ggml.unknown_token_id", 0);
  } else if (variant == GgufVariant::kLlamaQ4NoVocab) {
    w.KvU32(arch + ".vocab_size", c.vocab_size);
  } else {
    // Byte-level pieces: the 26 letters, "Ġ" (space) and a few merges of them.
    std::vector<std::string> tokens;
    for (char ch = 'a'; ch <= 'z'; ++ch) tokens.push_back(std::string(1, ch));
    const std::string space = ByteLevelChar(' ');
    for (const std::string& piece : {space, space + "t", std::string("he"), space + "the", std::string("<|endoftext|>"),
                                     std::string("<|im_end|>")}) {
      tokens.push_back(piece);
    }
    w.KvStr("tokenizer.ggml.model", "gpt2").KvStr("tokenizer.ggml.pre", "qwen2");
    w.KvStrArray("tokenizer.ggml.tokens", tokens);
    std::vector<int32_t> types(tokens.size(), kTokenNormal);
    types[30] = types[31] = kTokenControl;
    w.KvI32Array("tokenizer.ggml.token_type", types);
    w.KvStrArray("tokenizer.ggml.merges", {space + " t", "h e", space + "t he"});
  }
  // Tensor infos, then the data section: every tensor at a multiple of the alignment.
  uint64_t offset = 0;
  for (const auto& [name, t] : weights) {
    std::vector<uint64_t> ne(t.dims.rbegin(), t.dims.rend());
    w.Tensor(name, ne, GgmlType(t.dtype), offset);
    offset = (offset + t.data.size() + kGgufAlignment - 1) / kGgufAlignment * kGgufAlignment;
  }
  w.PadTo(kGgufAlignment);
  for (const auto& [name, t] : weights) {
    w.Raw(absl::string_view(reinterpret_cast<const char*>(t.data.data()), t.data.size())).PadTo(kGgufAlignment);
  }
  return w.str();
}

absl::StatusOr<std::map<std::string, WeightTensor>> TinyHfWeights(DType dtype) {
  ANVIL_ASSIGN_OR_RETURN(Model model, TinyModel(TinyConfig(), dtype));
  std::map<std::string, WeightTensor> out;
  for (auto& [name, t] : Weights(model)) out[HfName(name)] = std::move(t);
  return out;
}

absl::StatusOr<std::string> TinyLlama2cCheckpoint(bool tied) {
  ModelConfig c = TinyConfig();
  c.tie_embeddings = tied;
  ANVIL_ASSIGN_OR_RETURN(Model model, TinyModel(c, DType::kF32));
  std::map<std::string, WeightTensor> w;
  for (auto& [name, t] : Weights(model)) w[name] = std::move(t);
  std::string out;
  for (int64_t v : {c.hidden_size, c.intermediate_size, c.num_layers, c.num_heads, c.num_kv_heads,
                    tied ? c.vocab_size : -c.vocab_size, c.max_context}) {
    AppendI32(&out, static_cast<int32_t>(v));
  }
  auto append = [&](const std::string& name) {
    const TensorData& d = w.at(name).data;
    out.append(reinterpret_cast<const char*>(d.data()), d.size());
  };
  // llama2.c's legacy order: each kind of per-layer weight for all layers back to back.
  append("token_embd.weight");
  for (const char* kind : {"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate",
                           "ffn_down", "ffn_up"}) {
    for (int64_t l = 0; l < c.num_layers; ++l) append(absl::StrCat("blk.", l, ".", kind, ".weight"));
  }
  append("output_norm.weight");
  for (int64_t i = 0; i < c.max_context * c.head_dim; ++i) AppendF32(&out, 0.0f);  // freq_cis (unused)
  if (!tied) append("output.weight");
  return out;
}

std::string TinyLlama2cTokenizer() {
  TokenizerData t = TinySpmVocabulary(" ");
  t.pieces[1] = "\n<s>\n";  // llama2.c's spelling of the control pieces
  t.pieces[2] = "\n</s>\n";
  std::string out;
  AppendI32(&out, 6);
  for (size_t i = 0; i < t.pieces.size(); ++i) {
    AppendF32(&out, t.scores[i]);
    AppendI32(&out, static_cast<int32_t>(t.pieces[i].size()));
    out += t.pieces[i];
  }
  return out;
}

std::vector<std::string> TinyConfigJsons() {
  const Json base = {{"hidden_size", 64},      {"intermediate_size", 96}, {"num_hidden_layers", 2},
                     {"num_attention_heads", 4}, {"num_key_value_heads", 2}, {"vocab_size", 128},
                     {"max_position_embeddings", 256}, {"rms_norm_eps", 1e-6}, {"rope_theta", 10000.0}};
  Json llama = base;
  llama["model_type"] = "llama";
  llama["tie_word_embeddings"] = true;
  llama["bos_token_id"] = 1;
  llama["eos_token_id"] = {2, 3};
  llama["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 32.0}, {"low_freq_factor", 1.0},
                           {"high_freq_factor", 4.0}, {"original_max_position_embeddings", 128}};
  Json qwen2 = base;
  qwen2["model_type"] = "qwen2";
  qwen2["use_sliding_window"] = false;
  qwen2["sliding_window"] = 128;
  qwen2["eos_token_id"] = 5;
  Json qwen3 = base;
  qwen3["model_type"] = "qwen3";
  qwen3["head_dim"] = 32;
  qwen3["attention_bias"] = false;
  Json mistral = base;
  mistral["model_type"] = "mistral";
  mistral["sliding_window"] = 16;
  mistral["rope_scaling"] = nullptr;
  return {llama.dump(2), qwen2.dump(), qwen3.dump(), mistral.dump(1)};
}

std::vector<std::string> TinyTokenizerJsons() {
  std::vector<std::string> out;
  // GPT-2 style byte-level BPE: the 256-character byte alphabet, merges, NFC, a special token.
  {
    Json vocab = Json::object();
    for (int b = 0; b < 256; ++b) vocab[ByteLevelChar(b)] = b;
    const std::string g = ByteLevelChar(' ');
    const std::vector<std::string> merged = {g + "t", "he", g + "the", "in", g + "a", "an", "and"};
    const std::vector<std::string> merges = {g + " t", "h e", g + "t he", "i n", g + " a", "a n", "an d"};
    for (size_t i = 0; i < merged.size(); ++i) vocab[merged[i]] = 256 + i;
    const Json j = {
        {"version", "1.0"},
        {"added_tokens", {{{"id", 263}, {"content", "<|endoftext|>"}, {"special", true}}}},
        {"normalizer", {{"type", "NFC"}}},
        {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
        {"post_processor", nullptr},
        {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"ignore_merges", false}}}};
    out.push_back(j.dump());
  }
  // Llama 2 style: U+2581 normalizer, byte fallback, unk, BOS added by TemplateProcessing.
  {
    Json j = Json::parse(R"({
      "added_tokens": [{"id": 0, "content": "<unk>", "special": true},
                       {"id": 1, "content": "<s>", "special": true},
                       {"id": 2, "content": "</s>", "special": true}],
      "normalizer": {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": "\u2581"},
        {"type": "Replace", "pattern": {"String": " "}, "content": "\u2581"}]},
      "pre_tokenizer": null,
      "post_processor": {"type": "TemplateProcessing", "single": [
        {"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}]},
      "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": true,
                "merges": [["a", "b"], ["\u2581", "a"], ["\u2581a", "b"]]}})");
    Json& vocab = j["model"]["vocab"];
    vocab = Json::object();
    vocab["<unk>"] = 0;
    vocab["<s>"] = 1;
    vocab["</s>"] = 2;
    for (int b = 0; b < 256; ++b) vocab[absl::StrFormat("<0x%02X>", b)] = 3 + b;
    int next = 259;
    for (const char* piece : {"\xe2\x96\x81", "a", "b", "c", "ab", "\xe2\x96\x81" "a", "\xe2\x96\x81" "ab"}) {
      vocab[piece] = next++;
    }
    out.push_back(j.dump(1));
  }
  // A Split regex pre-tokenizer (Llama 3 style, with the \s+(?!\S) lookahead anvil emulates) and
  // ignore_merges over a plain (not byte-level) vocabulary with an unk piece.
  {
    Json j = Json::parse(R"({
      "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "(?i:'s|'t)|\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"},
         "behavior": "Isolated", "invert": false}]},
      "model": {"type": "BPE", "unk_token": "<unk>", "ignore_merges": true,
                "merges": ["h e", "l l", "he ll", "hell o", "1 2", "12 3"]}})");
    Json& vocab = j["model"]["vocab"];
    vocab = Json::object();
    vocab["<unk>"] = 0;
    int next = 1;
    for (const char* piece : {" ", "h", "e", "l", "o", "he", "ll", "hell", "hello", "1", "2", "3", "12", "123"}) {
      vocab[piece] = next++;
    }
    out.push_back(j.dump());
  }
  return out;
}

absl::StatusOr<Model> CaptureSourceModel() { return TinyModel(TinyConfig(), DType::kF32); }

}  // namespace anvil::fuzz
