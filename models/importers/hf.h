// Import of Hugging Face checkpoints: a folder with config.json (model_type llama, mistral, qwen2,
// qwen3), model.safetensors or a sharded model.safetensors.index.json, and optionally
// tokenizer.json / tokenizer_config.json. Weights keep their dtype (f32, f16, bf16); RoPE uses
// the half layout Hugging Face checkpoints are written for.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace anvil {

absl::StatusOr<Model> ImportHf(const std::string& dir);

// config.json -> ModelConfig (exposed for tests); `path` names the file in errors.
absl::StatusOr<ModelConfig> ReadHfConfig(const std::string& json_text, const std::string& path);

}  // namespace anvil
