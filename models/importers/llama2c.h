// Import of llama2.c checkpoints (legacy `.bin`: 7 int32 header, then f32 weights) and their
// `tokenizer.bin` vocabularies.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace anvil {

// Reads a llama2.c checkpoint and its tokenizer into a Llama model (interleaved RoPE, theta 1e4,
// eps 1e-5). The weights stay views of the checkpoint's mapping until the model is saved.
absl::StatusOr<Model> ImportLlama2c(const std::string& checkpoint_path, const std::string& tokenizer_path);

// Reads a llama2.c `tokenizer.bin` holding `vocab_size` pieces: int32 max_token_length, then per
// piece float32 score, int32 length, bytes. BOS = 1, EOS = 2.
absl::StatusOr<TokenizerData> ReadLlama2cTokenizer(const std::string& path, int64_t vocab_size);

}  // namespace anvil
