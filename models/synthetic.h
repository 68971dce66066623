// Seeded random-weight Llama-family models at a given shape: for tests (Qwen2/Qwen3/Mistral/Llama-3
// variants without downloading checkpoints) and for `anvil bench --synthetic`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace anvil {

// Builds a model for `config` whose matmul weights are `weight_dtype` (norms stay f32), drawn
// uniformly from +-1/sqrt(fan_in) with `seed`; norm weights near 1. Includes no tokenizer.
absl::StatusOr<Model> BuildSyntheticModel(const ModelConfig& config, DType weight_dtype, uint64_t seed);

// Named shapes of real models: tinyllama-1.1b, llama-3.2-1b, qwen3-0.6b, stories15m, stories260k.
absl::StatusOr<ModelConfig> SyntheticPreset(const std::string& name);
std::vector<std::string> SyntheticPresetNames();

}  // namespace anvil
