// The llama2.c BPE tokenizer (SentencePiece-style pieces with scores, byte fallback to "<0xXX>"
// pieces): encoding prepends a dummy " " prefix and greedily merges the adjacent pair whose
// merged piece has the highest score; decoding strips the leading space after BOS.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "models/tokenizer/tokenizer.h"

namespace anvil {

class Llama2cTokenizer : public Tokenizer {
 public:
  static absl::StatusOr<std::unique_ptr<Tokenizer>> Create(const TokenizerData& data);

  absl::StatusOr<std::vector<int32_t>> Encode(absl::string_view text, bool add_bos) const override;
  std::string Decode(int32_t previous, int32_t id) const override;
  int64_t vocab_size() const override { return static_cast<int64_t>(pieces_.size()); }
  int32_t bos_id() const override { return bos_id_; }

 private:
  Llama2cTokenizer() = default;
  int32_t Lookup(absl::string_view piece) const;

  std::vector<std::string> pieces_;
  std::vector<float> scores_;
  absl::flat_hash_map<std::string, int32_t> ids_;
  int32_t byte_ids_[256];  // id of "<0xXX>" per byte, or -1
  int32_t bos_id_ = 1;
  int32_t eos_id_ = 2;
};

}  // namespace anvil
