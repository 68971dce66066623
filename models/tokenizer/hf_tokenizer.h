// Reads a Hugging Face `tokenizers` vocabulary (tokenizer.json, plus tokenizer_config.json when
// present) into TokenizerData of type "bpe", the form BpeTokenizer runs and model files carry.
//
// Supported: model BPE (vocab, merges as "a b" strings or [a, b] pairs, byte_fallback,
// ignore_merges, unk_token); added_tokens (special -> control, else user defined); normalizer
// null, NFC, or Prepend("▁") + Replace(" " -> "▁") (Llama 2's, read as "spm"); pre_tokenizer null,
// Split(Regex, Isolated) and/or ByteLevel (use_regex true means GPT-2's regex); BOS/EOS from
// tokenizer_config.json's bos_token/eos_token, whether to add them from
// add_bos_token/add_eos_token, defaulting to what a TemplateProcessing post-processor adds (else
// false). Anything else is an error naming the file and field.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "graph/model_config.h"

namespace anvil {

// Reads `dir`/tokenizer.json and the optional `dir`/tokenizer_config.json. Ids must run from 0
// without gaps over model.vocab and added_tokens together (at most 2^24 of them).
absl::StatusOr<TokenizerData> ReadHfTokenizer(const std::string& dir);

}  // namespace anvil
