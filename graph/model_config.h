// Model hyper-parameters and tokenizer data carried by a model file (IR mirror of the proto).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace anvil {

struct RopeScalingConfig {
  std::string type;  // "" = none, "llama3"
  double factor = 0;
  double low_freq_factor = 0;
  double high_freq_factor = 0;
  int64_t original_max_position = 0;
  friend bool operator==(const RopeScalingConfig&, const RopeScalingConfig&) = default;
};

struct ModelConfig {
  std::string family;  // llama, qwen2, qwen3, mistral; empty for hand-written graphs
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;
  int64_t head_dim = 0;
  double rope_theta = 10000.0;
  std::string rope_layout = "interleaved";  // or "half"
  RopeScalingConfig rope_scaling;
  double rms_norm_eps = 1e-5;
  bool qk_norm = false;
  bool attention_bias = false;
  int64_t sliding_window = 0;
  bool tie_embeddings = false;
  std::vector<int64_t> bos_ids;
  std::vector<int64_t> eos_ids;
  int64_t max_context = 0;
  friend bool operator==(const ModelConfig&, const ModelConfig&) = default;
};

// Token types (GGUF's codes), per piece.
enum TokenType : int32_t {
  kTokenNormal = 1,
  kTokenUnknown = 2,
  kTokenControl = 3,      // BOS, EOS, chat markers: carry no text when decoded
  kTokenUserDefined = 4,  // matched verbatim in text before normalization
  kTokenUnused = 5,
  kTokenByte = 6,         // <0xXX>
};

struct TokenizerData {
  std::string type;  // "llama2c", "spm" (score-ranked SentencePiece BPE), "bpe" (merge-ranked)
  std::vector<std::string> pieces;
  std::vector<float> scores;
  std::vector<std::string> merges;    // bpe: "left right", highest priority first
  std::vector<int32_t> token_types;   // empty: all normal (control/user-defined found by id)
  int64_t bos_id = -1;
  int64_t eos_id = -1;
  int64_t unk_id = -1;
  bool add_bos = false;
  bool add_eos = false;
  int64_t max_piece_length = 0;
  std::string pretokenizer_regex;
  bool byte_level = false;
  bool byte_fallback = false;
  std::string normalizer;  // "", "nfc", "spm"
  bool ignore_merges = false;
  friend bool operator==(const TokenizerData&, const TokenizerData&) = default;
};

}  // namespace anvil
