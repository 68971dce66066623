// Tokenizers: text <-> token ids, built from the TokenizerData a model file carries.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "graph/model_config.h"

namespace anvil {

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Token ids of `text`, with the beginning-of-sequence id first when `add_bos`.
  virtual absl::StatusOr<std::vector<int32_t>> Encode(absl::string_view text, bool add_bos) const = 0;
  // The bytes token `id` contributes when it follows `previous` (-1: nothing before it). Control
  // tokens (BOS, EOS) and ids outside the vocabulary yield an empty string.
  virtual std::string Decode(int32_t previous, int32_t id) const = 0;
  virtual int64_t vocab_size() const = 0;
  virtual int32_t bos_id() const = 0;

  // The text of a whole sequence (the first id decoded with previous = -1).
  std::string DecodeAll(absl::Span<const int32_t> ids) const;
};

// Makes the tokenizer `data.type` names ("llama2c", "spm", "bpe").
absl::StatusOr<std::unique_ptr<Tokenizer>> CreateTokenizer(const TokenizerData& data);

// Whether a decoded piece should reach a terminal: a lone ASCII control byte other than
// whitespace is dropped (what llama2.c's safe_printf does); UTF-8 bytes pass through.
bool IsDisplayable(absl::string_view piece);

}  // namespace anvil
