// Merge-ranked BPE (type "bpe"), as Hugging Face `tokenizers` runs it for byte-level vocabularies
// (GPT-2, Llama 3, Qwen) and SentencePiece-converted ones (Llama 2 tokenizer.json).
//
// Encode(text):
//   1. Added tokens (token_types control or user-defined) are found verbatim in the raw text,
//      leftmost first, the longest at a position winning; each becomes its own id.
//   2. Every stretch of text between them is normalized ("nfc": Unicode NFC; "spm": U+2581
//      prepended and every " " replaced by U+2581) and split into pre-tokens by
//      `pretokenizer_regex` (matches and the gaps between them both become pre-tokens; without a
//      regex the whole stretch is one pre-token).
//   3. Each pre-token starts as one symbol per character: with `byte_level`, per byte, spelled in
//      GPT-2's byte-to-unicode alphabet; otherwise per UTF-8 code point, a code point without a
//      piece becoming its "<0xXX>" byte pieces (byte_fallback), else unk_id, else an error.
//      With `ignore_merges`, a pre-token that is itself a piece is emitted as is.
//   4. The adjacent pair with the lowest merge rank (then the leftmost) is merged until no pair
//      has a rank.
// Decode(previous, id): control tokens yield ""; user-defined tokens their text; byte-level pieces
// their raw bytes; otherwise U+2581 becomes " " ("spm"), "<0xXX>" its byte, and the leading space
// of the first piece (previous < 0 or BOS) is dropped ("spm").
//
// Thread safety: a created tokenizer is immutable; Encode and Decode may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "models/tokenizer/tokenizer.h"

namespace re2 {
class RE2;
}

namespace anvil {

class BpeTokenizer : public Tokenizer {
 public:
  // Fails when a merge names a piece that is not in the vocabulary (or merges into one that is
  // not), when the pre-tokenizer regex does not compile, or on an unknown normalizer.
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Create(const TokenizerData& data);
  ~BpeTokenizer() override;

  absl::StatusOr<std::vector<int32_t>> Encode(absl::string_view text, bool add_bos) const override;
  std::string Decode(int32_t previous, int32_t id) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(pieces_.size()); }
  int32_t bos_id() const override { return bos_id_; }

 private:
  struct Merge {
    int32_t rank;    // position in the merge list: lower merges first
    int32_t result;  // id of the merged piece
  };

  // Token ids of one pre-token while it is merged (most are short: no heap allocation).
  using Symbols = absl::InlinedVector<int32_t, 32>;

  BpeTokenizer() = default;
  absl::Status BuildMerges(const std::vector<std::string>& merges);
  int32_t Lookup(absl::string_view piece) const;
  // Normalizes, pre-tokenizes and encodes text that holds no added token.
  absl::Status EncodeText(absl::string_view text, std::vector<int32_t>* ids) const;
  // Encodes one pre-token.
  absl::Status EncodeWord(absl::string_view word, std::vector<int32_t>* ids) const;
  // Appends the initial symbols of `word` (before merging).
  absl::Status InitialSymbols(absl::string_view word, Symbols* symbols) const;
  // Applies the ranked merges to `symbols` in place.
  void MergeSymbols(Symbols* symbols) const;

  std::vector<std::string> pieces_;
  std::vector<int32_t> types_;
  absl::flat_hash_map<absl::string_view, int32_t> ids_;  // views into pieces_, which never changes
  absl::flat_hash_map<uint64_t, Merge> merges_;          // key: left id << 32 | right id
  // Added tokens by their first byte, longest first: the candidates for a verbatim match.
  std::vector<std::vector<int32_t>> added_by_first_byte_;
  std::unique_ptr<re2::RE2> pretokenizer_;
  int whitespace_group_ = -1;  // capture group of the rewritten `\s+(?!\S)|\s+`, or -1
  int32_t byte_symbol_[256];   // byte_level: id of the piece spelling each byte; else "<0xXX>"
  std::string normalizer_;
  bool byte_level_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  int32_t bos_id_ = -1, eos_id_ = -1, unk_id_ = -1;
  bool add_bos_ = false, add_eos_ = false;
};

}  // namespace anvil
