// Fuzzes llama2.c import (`anvil convert llama2c CKPT --tokenizer TOK`): the checkpoint header,
// weight sizes against the file, tokenizer.bin entries, then the vocabulary as a tokenizer.
// An input holds both files (fuzz_util.h SplitPair: a uint32 length of the checkpoint first).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "models/importers/llama2c.h"
#include "models/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace anvil;
  const auto [checkpoint_bytes, tokenizer_bytes] = fuzz::SplitPair(fuzz::AsView(data, size));
  const std::string checkpoint = fuzz::WriteScratchFile("model.bin", checkpoint_bytes);
  const std::string tokenizer_path = fuzz::WriteScratchFile("tokenizer.bin", tokenizer_bytes);
  auto model = ImportLlama2c(checkpoint, tokenizer_path);
  fuzz::CheckErrorNamesFile(model.status(), fuzz::ScratchDir());

  // The tokenizer alone, with the vocabulary size the checkpoint header states (32 without one).
  int64_t vocab = 32;
  if (checkpoint_bytes.size() >= 28) {
    int32_t header_vocab;
    std::memcpy(&header_vocab, checkpoint_bytes.data() + 20, 4);
    vocab = std::llabs(static_cast<int64_t>(header_vocab));
  }
  auto vocabulary = ReadLlama2cTokenizer(tokenizer_path, vocab);
  fuzz::CheckErrorNamesFile(vocabulary.status(), tokenizer_path);
  if (!vocabulary.ok()) return 0;
  auto tokenizer = CreateTokenizer(*vocabulary);
  if (!tokenizer.ok()) return 0;
  for (const char* text : {"Once upon a time", "the hat \xe2\x98\x83\xff"}) {
    auto ids = (*tokenizer)->Encode(text, true);
    if (ids.ok()) (void)(*tokenizer)->DecodeAll(*ids);
  }
  return 0;
}
