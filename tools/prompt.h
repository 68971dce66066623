// The prompt a generating command feeds: token ids from --prompt-ids (checked against the
// vocabulary), else the text encoded by the model's tokenizer with BOS prepended.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace anvil::cli {

absl::StatusOr<std::vector<int32_t>> ResolvePrompt(const Model& model, const std::string& text, const std::string& ids_text);

}  // namespace anvil::cli
