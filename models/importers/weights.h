// Helpers importers share for the weights they hand to the Llama-family builder.
#pragma once

#include "absl/status/status.h"
#include "models/llama_family.h"

namespace anvil {

// Norm weights and biases (1-D tensors) stored as f16 or bf16 are converted to f32 (the norm and
// bias inputs of the ops are f32). Matrices keep their dtype.
absl::Status ConvertSmallTensorsToF32(WeightMap& weights);

}  // namespace anvil
