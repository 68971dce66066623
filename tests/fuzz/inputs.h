// Small valid inputs for every loader, built in code and deterministic: the seeds
// tests/fuzz/seeds_test.cc writes for the fuzzers, the fixed source model the capture fuzzer
// replays against, and the starting points of the crafted files in tests/graph/limits_test.cc and
// tests/models/importer_limits_test.cc. No test framework here: the fuzzers link it too.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "models/graph_builder.h"

namespace anvil::fuzz {

// A minimal GGUF (v2/v3) writer for crafted files: values are appended as given, little-endian.
class GgufWriter {
 public:
  // GGUF metadata value types.
  enum Type : uint32_t { kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7, kString = 8, kArray = 9 };

  explicit GgufWriter(uint32_t version = 3);
  GgufWriter& Raw(absl::string_view bytes);
  GgufWriter& U32(uint32_t v);
  GgufWriter& U64(uint64_t v);
  GgufWriter& F32(float v);
  GgufWriter& Str(absl::string_view s);  // uint64 length + bytes
  GgufWriter& KvU32(absl::string_view key, uint32_t v);
  GgufWriter& KvF32(absl::string_view key, float v);
  GgufWriter& KvStr(absl::string_view key, absl::string_view v);
  GgufWriter& KvStrArray(absl::string_view key, const std::vector<std::string>& values);
  GgufWriter& KvF32Array(absl::string_view key, const std::vector<float>& values);
  GgufWriter& KvI32Array(absl::string_view key, const std::vector<int32_t>& values);
  // A tensor info: name, dims in GGUF order (ne, innermost first), ggml type, data offset.
  GgufWriter& Tensor(absl::string_view name, const std::vector<uint64_t>& ne, uint32_t ggml_type, uint64_t offset);
  GgufWriter& PadTo(size_t alignment);
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

// Tiny Llama-family shapes. f32/f16/bf16: hidden 8, 2 heads of 4 dims (1 kv head), ffn 16, one
// layer, vocab 32, context 64. Quantized weights need rows of 32 values: hidden 32 and ffn 32.
ModelConfig TinyConfig(bool quantized = false);
// Seeded random weights at `config` (models/synthetic): matrices in `dtype`, norms in f32.
absl::StatusOr<Model> TinyModel(const ModelConfig& config, DType dtype);

// A 32-piece score-ranked vocabulary (<unk>, <s>, </s>, then text pieces) with `space` as the
// space symbol: " " for llama2.c's tokenizer.bin, U+2581 for GGUF's "llama" vocabularies.
TokenizerData TinySpmVocabulary(const std::string& space);

// GGUF checkpoints of tiny models.
enum class GgufVariant {
  kLlamaF32,          // llama, f32, "llama" (SentencePiece) vocabulary
  kLlamaQ4NoVocab,    // llama, q4_0, no vocabulary (vocab_size key instead)
  kQwen2Q8Gpt2,       // qwen2 with QKV bias, q8_0, "gpt2" byte-level vocabulary with merges
};
absl::StatusOr<std::string> TinyGguf(GgufVariant variant);

// Tiny model weights under Hugging Face names ("model.layers.0.self_attn.q_proj.weight"), matrices
// in `dtype` (f32, f16 or bf16), for WriteSafetensors.
absl::StatusOr<std::map<std::string, WeightTensor>> TinyHfWeights(DType dtype);

// A llama2.c checkpoint (legacy .bin) of a tiny f32 model and its tokenizer.bin (32 pieces).
absl::StatusOr<std::string> TinyLlama2cCheckpoint(bool tied);
std::string TinyLlama2cTokenizer();

// config.json texts ReadHfConfig accepts: llama (Llama-3 rope_scaling), qwen2, qwen3, mistral.
std::vector<std::string> TinyConfigJsons();

// tokenizer.json texts ReadHfTokenizer and CreateTokenizer accept: byte-level BPE (GPT-2 style,
// NFC, an added special token), SentencePiece-style BPE (Llama 2: Prepend + Replace normalizer,
// byte fallback, TemplateProcessing), and a Split-regex pre-tokenizer with ignore_merges.
std::vector<std::string> TinyTokenizerJsons();

// The model the capture fuzzer loads its captures against (a tiny f32 model, saved with
// SaveModel: deterministic bytes, so the capture seeds name its checksum).
absl::StatusOr<Model> CaptureSourceModel();

}  // namespace anvil::fuzz
