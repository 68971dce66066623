#include "models/tokenizer/spm_tokenizer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"

namespace anvil {
namespace {

constexpr char kSpmSpace[] = "\xe2\x96\x81";  // U+2581

// Length of the UTF-8 sequence starting with byte `c` (1 for ASCII and stray bytes), at most 4.
int Utf8Length(unsigned char c) {
  if (c >= 0xf0) return 4;
  if (c >= 0xe0) return 3;
  if (c >= 0xc0) return 2;
  return 1;
}

// "<0x0A>" -> 10; -1 if `piece` is not a byte piece.
int BytePiece(absl::string_view piece) {
  if (piece.size() != 6 || piece.substr(0, 3) != "<0x" || piece[5] != '>') return -1;
  int value = 0;
  for (char c : piece.substr(3, 2)) {
    value <<= 4;
    if (c >= '0' && c <= '9') value |= c - '0';
    else if (c >= 'A' && c <= 'F') value |= c - 'A' + 10;
    else if (c >= 'a' && c <= 'f') value |= c - 'a' + 10;
    else return -1;
  }
  return value;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Tokenizer>> SpmTokenizer::Create(const TokenizerData& data) {
  if (data.scores.size() != data.pieces.size()) {
    return absl::InvalidArgumentError(absl::StrCat(data.type, " tokenizer: needs one score per piece"));
  }
  std::unique_ptr<SpmTokenizer> t(new SpmTokenizer());
  t->space_ = data.type == "llama2c" ? " " : kSpmSpace;
  t->pieces_ = data.pieces;
  t->scores_ = data.scores;
  t->types_ = data.token_types;
  t->bos_id_ = static_cast<int32_t>(data.bos_id);
  t->eos_id_ = static_cast<int32_t>(data.eos_id);
  t->unk_id_ = static_cast<int32_t>(data.unk_id);
  t->add_eos_ = data.add_eos;
  for (size_t i = 0; i < t->pieces_.size(); ++i) t->ids_.try_emplace(t->pieces_[i], static_cast<int32_t>(i));
  for (int b = 0; b < 256; ++b) t->byte_ids_[b] = t->Lookup(absl::StrFormat("<0x%02X>", b));
  return std::unique_ptr<Tokenizer>(std::move(t));
}

int32_t SpmTokenizer::Lookup(absl::string_view piece) const {
  auto it = ids_.find(piece);
  return it == ids_.end() ? -1 : it->second;
}

bool SpmTokenizer::IsControl(int32_t id) const {
  if (id == bos_id_ || id == eos_id_) return true;
  return id >= 0 && id < static_cast<int32_t>(types_.size()) && types_[id] == kTokenControl;
}

absl::StatusOr<std::vector<int32_t>> SpmTokenizer::Encode(absl::string_view raw, bool add_bos) const {
  std::vector<int32_t> tokens;
  if (add_bos && bos_id_ >= 0) tokens.push_back(bos_id_);
  const size_t first = tokens.size();
  std::string text;
  if (!raw.empty()) text = space_ + (space_ == " " ? std::string(raw) : absl::StrReplaceAll(raw, {{" ", space_}}));
  for (size_t i = 0; i < text.size();) {
    size_t n = std::min<size_t>(Utf8Length(static_cast<unsigned char>(text[i])), text.size() - i);
    for (size_t k = 1; k < n; ++k) {  // a code point ends early at a byte that does not continue it
      if ((static_cast<unsigned char>(text[i + k]) & 0xc0) != 0x80) {
        n = k;
        break;
      }
    }
    const absl::string_view cp = absl::string_view(text).substr(i, n);
    if (const int32_t id = Lookup(cp); id >= 0) {
      tokens.push_back(id);
    } else {
      for (unsigned char byte : cp) {
        if (byte_ids_[byte] >= 0) {
          tokens.push_back(byte_ids_[byte]);
        } else if (unk_id_ >= 0) {
          tokens.push_back(unk_id_);
        } else {
          return absl::InvalidArgumentError(absl::StrFormat("text has byte 0x%02X, which the vocabulary cannot encode", byte));
        }
      }
    }
    i += n;
  }
  // Merge the best-scoring adjacent pair until none merges.
  std::string merged;
  while (true) {
    float best_score = -1e30f;
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
  if (add_bos && add_eos_ && eos_id_ >= 0) tokens.push_back(eos_id_);
  return tokens;
}

std::string SpmTokenizer::Decode(int32_t previous, int32_t id) const {
  if (id < 0 || id >= static_cast<int32_t>(pieces_.size()) || IsControl(id)) return "";
  const int byte = BytePiece(pieces_[id]);
  if (byte >= 0) return std::string(1, static_cast<char>(byte));
  std::string piece = space_ == " " ? pieces_[id] : absl::StrReplaceAll(pieces_[id], {{space_, " "}});
  if ((previous < 0 || previous == bos_id_) && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
  return piece;
}

}  // namespace anvil
