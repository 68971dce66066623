// Score-ranked SentencePiece BPE: llama2.c's tokenizer.bin (type "llama2c", spaces are " ") and
// GGUF's "llama" vocabularies (type "spm", spaces are U+2581). Encoding prepends a space
// (add_space_prefix), splits the text into UTF-8 code points (unknown ones fall back to <0xXX>
// byte pieces), then repeatedly merges the adjacent pair whose merged piece has the highest score.
// Decoding maps the space symbol back to " ", byte pieces to their byte, control tokens to
// nothing, and drops the leading space of the first piece after BOS (or at the start).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "models/tokenizer/tokenizer.h"

namespace anvil {

class SpmTokenizer : public Tokenizer {
 public:
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Create(const TokenizerData& data);

  absl::StatusOr<std::vector<int32_t>> Encode(absl::string_view text, bool add_bos) const override;
  std::string Decode(int32_t previous, int32_t id) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(pieces_.size()); }
  int32_t bos_id() const override { return bos_id_; }

 private:
  SpmTokenizer() = default;
  int32_t Lookup(absl::string_view piece) const;
  bool IsControl(int32_t id) const;

  std::string space_;  // " " (llama2c) or "\xe2\x96\x81" (spm)
  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  std::vector<int32_t> types_;
  absl::flat_hash_map<std::string, int32_t> ids_;
  int32_t byte_ids_[256];  // id of "<0xXX>" per byte, or -1
  int32_t bos_id_ = -1, eos_id_ = -1, unk_id_ = -1;
  bool add_eos_ = false;
};

}  // namespace anvil
