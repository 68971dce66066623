// An independent forward pass of a Llama-family model in double precision, written from the model
// definitions (Hugging Face modeling_llama / qwen2 / qwen3 / mistral), sharing no code with the
// executors or the op reference kernels. Importer tests compare imported models against it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "graph/model_config.h"

namespace anvil::testing {

// Weights by Hugging Face name, as f32 values in PyTorch layout.
using HfWeights = std::map<std::string, std::vector<float>>;

// Logits [tokens.size()][vocab]: token t at position t, half-layout RoPE, causal attention.
std::vector<std::vector<double>> ReferenceForward(const ModelConfig& config, const HfWeights& weights,
                                                  const std::vector<int32_t>& tokens);

}  // namespace anvil::testing
