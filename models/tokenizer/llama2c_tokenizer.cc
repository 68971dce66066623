#include "models/tokenizer/llama2c_tokenizer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace anvil {
namespace {

// Length of the UTF-8 sequence starting with byte `c` (1 for ASCII and stray bytes), at most 4.
int Utf8Length(unsigned char c) {
  if (c >= 0xf0) return 4;
  if (c >= 0xe0) return 3;
  if (c >= 0xc0) return 2;
  return 1;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Tokenizer>> Llama2cTokenizer::Create(const TokenizerData& data) {
  if (data.scores.size() != data.pieces.size()) {
    return absl::InvalidArgumentError("llama2c tokenizer: needs one score per piece");
  }
  std::unique_ptr<Llama2cTokenizer> t(new Llama2cTokenizer());
  t->pieces_ = data.pieces;
  t->scores_ = data.scores;
  t->bos_id_ = static_cast<int32_t>(data.bos_id);
  t->eos_id_ = static_cast<int32_t>(data.eos_id);
  for (size_t i = 0; i < t->pieces_.size(); ++i) t->ids_.try_emplace(t->pieces_[i], static_cast<int32_t>(i));
  for (int b = 0; b < 256; ++b) t->byte_ids_[b] = t->Lookup(absl::StrFormat("<0x%02X>", b));
  return std::unique_ptr<Tokenizer>(std::move(t));
}

int32_t Llama2cTokenizer::Lookup(absl::string_view piece) const {
  auto it = ids_.find(piece);
  return it == ids_.end() ? -1 : it->second;
}

absl::StatusOr<std::vector<int32_t>> Llama2cTokenizer::Encode(absl::string_view text, bool add_bos) const {
  std::vector<int32_t> tokens;
  if (add_bos) tokens.push_back(bos_id_);
  const size_t first = tokens.size();
  if (!text.empty()) {
    const int32_t space = Lookup(" ");
    if (space >= 0) tokens.push_back(space);
  }
  for (size_t i = 0; i < text.size();) {
    size_t n = std::min<size_t>(Utf8Length(static_cast<unsigned char>(text[i])), text.size() - i);
    // Stop a code point early at a byte that is not a continuation byte.
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) {
        n = k;
        break;
      }
    }
    const absl::string_view cp = text.substr(i, n);
    const int32_t id = Lookup(cp);
    if (id >= 0) {
      tokens.push_back(id);
    } else {
      for (unsigned char byte : cp) {
        if (byte_ids_[byte] < 0) {
          return absl::InvalidArgumentError(absl::StrFormat("text has byte 0x%02X, which the vocabulary cannot encode", byte));
        }
        tokens.push_back(byte_ids_[byte]);
      }
    }
    i += n;
  }
  // Merge the best-scoring adjacent pair until none merges.
  std::string merged;
  while (true) {
    float best_score = -1e10f;
    int32_t best_id = -1;
    size_t best_at = 0;
    for (size_t i = first; i + 1 < tokens.size(); ++i) {
      merged = pieces_[tokens[i]];
      merged += pieces_[tokens[i + 1]];
      const int32_t id = Lookup(merged);
      if (id >= 0 && scores_[id] > best_score) {
        best_score = scores_[id];
        best_id = id;
        best_at = i;
      }
    }
    if (best_id < 0) break;
    tokens[best_at] = best_id;
    tokens.erase(tokens.begin() + static_cast<std::ptrdiff_t>(best_at) + 1);
  }
  return tokens;
}

std::string Llama2cTokenizer::Decode(int32_t previous, int32_t id) const {
  // Control tokens (BOS "\n<s>\n", EOS) carry no text.
  if (id < 0 || id >= static_cast<int32_t>(pieces_.size()) || id == bos_id_ || id == eos_id_) return "";
  absl::string_view piece = pieces_[id];
  if (previous == bos_id_ && !piece.empty() && piece[0] == ' ') piece.remove_prefix(1);
  unsigned int byte;
  if (piece.size() == 6 && piece.substr(0, 3) == "<0x" && piece[5] == '>' &&
      std::sscanf(std::string(piece).c_str(), "<0x%02X>", &byte) == 1) {
    return std::string(1, static_cast<char>(byte));
  }
  return std::string(piece);
}

}  // namespace anvil
