// Fuzzes Hugging Face tokenizer.json vocabularies end to end: ReadHfTokenizer on a folder holding
// the input as tokenizer.json, then (when it reads) CreateTokenizer -- merges, RE2 pre-tokenizer,
// added tokens -- and encoding and decoding a few fixed strings, as `anvil tokenize DIR` does.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "models/tokenizer/hf_tokenizer.h"
#include "models/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace anvil;
  const std::string file = fuzz::WriteScratchFile("tokenizer/tokenizer.json", fuzz::AsView(data, size));
  const std::string dir = file.substr(0, file.rfind('/'));
  auto vocabulary = ReadHfTokenizer(dir);
  fuzz::CheckErrorNamesFile(vocabulary.status(), dir);
  if (!vocabulary.ok()) return 0;
  auto tokenizer = CreateTokenizer(*vocabulary);
  if (!tokenizer.ok()) return 0;
  for (const char* text : {"Hello world! 123", "caf\xc3\xa9 \xe2\x98\x83 <|endoftext|> <s>", "  a\tb\n\xff\xfe\x80 ab"}) {
    for (bool add_bos : {false, true}) {
      auto ids = (*tokenizer)->Encode(text, add_bos);
      if (ids.ok()) (void)(*tokenizer)->DecodeAll(*ids);
    }
  }
  // Every id (and a few outside the vocabulary) decodes without reading out of bounds.
  const int64_t vocab = (*tokenizer)->vocab_size();
  for (int32_t id = -2; id < static_cast<int32_t>(std::min<int64_t>(vocab, 1024)) + 2; ++id) {
    (void)(*tokenizer)->Decode(-1, id);
    (void)(*tokenizer)->Decode(id, id);
  }
  return 0;
}
