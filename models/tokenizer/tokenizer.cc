#include "models/tokenizer/tokenizer.h"

#include "absl/strings/str_cat.h"
#include "models/tokenizer/bpe_tokenizer.h"
#include "models/tokenizer/spm_tokenizer.h"

namespace anvil {

std::string Tokenizer::DecodeAll(absl::Span<const int32_t> ids) const {
  std::string text;
  int32_t previous = -1;
  for (int32_t id : ids) {
    text += Decode(previous, id);
    previous = id;
  }
  return text;
}

bool IsDisplayable(absl::string_view piece) {
  if (piece.size() != 1) return !piece.empty();
  const unsigned char c = static_cast<unsigned char>(piece[0]);
  if (c >= 0x80) return true;
  return (c >= 0x20 && c != 0x7f) || c == '\n' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

absl::StatusOr<std::unique_ptr<Tokenizer>> CreateTokenizer(const TokenizerData& data) {
  if (data.type == "llama2c" || data.type == "spm") return SpmTokenizer::Create(data);
  if (data.type == "bpe") return BpeTokenizer::Create(data);
  return absl::UnimplementedError(absl::StrCat("tokenizer type '", data.type, "' is not supported"));
}

}  // namespace anvil
