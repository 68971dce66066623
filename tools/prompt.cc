#include "tools/prompt.h"

#include "absl/strings/str_cat.h"
#include "models/tokenizer/tokenizer.h"
#include "tools/flags.h"

namespace anvil::cli {

absl::StatusOr<std::vector<int32_t>> ResolvePrompt(const Model& model, const std::string& text, const std::string& ids_text) {
  if (!text.empty() && !ids_text.empty()) return absl::InvalidArgumentError("give -p or --prompt-ids, not both");
  std::vector<int32_t> ids;
  if (!ids_text.empty()) {
    auto parsed = ParseIntList(ids_text);
    if (!parsed.ok()) return absl::InvalidArgumentError(absl::StrCat("--prompt-ids: ", parsed.status().message()));
    for (int64_t id : *parsed) {
      if (id < 0 || id >= model.config.vocab_size) {
        return absl::OutOfRangeError(absl::StrCat("--prompt-ids: token id ", id, " is outside the vocabulary (",
                                                  model.config.vocab_size, " tokens)"));
      }
      ids.push_back(static_cast<int32_t>(id));
    }
    if (ids.empty()) return absl::InvalidArgumentError("--prompt-ids is empty");
    return ids;
  }
  if (!model.tokenizer) {
    return absl::FailedPreconditionError(absl::StrCat(model.source_path, " has no tokenizer; use --prompt-ids"));
  }
  auto tokenizer = CreateTokenizer(*model.tokenizer);
  if (!tokenizer.ok()) return tokenizer.status();
  return (*tokenizer)->Encode(text, /*add_bos=*/true);
}

}  // namespace anvil::cli
