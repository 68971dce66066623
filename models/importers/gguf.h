// Import of GGUF checkpoints (llama.cpp's format): llama, mistral, qwen2 and qwen3 architectures,
// tensors in f32, f16, bf16, q8_0 and q4_0 copied as they are (no re-quantization), and the
// embedded vocabulary ("llama" SentencePiece or "gpt2" byte-level BPE).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace anvil {

// GGUF's llama and mistral Q/K weights are laid out for interleaved RoPE (llama.cpp's convert
// permutes Hugging Face weights); qwen2/qwen3 use the half layout unpermuted.
absl::StatusOr<Model> ImportGguf(const std::string& path);

}  // namespace anvil
