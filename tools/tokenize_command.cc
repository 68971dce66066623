// anvil tokenize: text -> token ids (or ids -> text) with a model's tokenizer or a Hugging Face
// tokenizer folder, for checking tokenizers against other implementations (like llama-tokenize).
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "graph/model_io.h"
#include "models/tokenizer/hf_tokenizer.h"
#include "models/tokenizer/tokenizer.h"
#include "ops/registry.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace anvil::cli {

int TokenizeCommand(int argc, char** argv) {
  std::string source, decode;
  bool no_special = false, pieces = false;
  FlagSet flags("anvil tokenize -m FILE.graph|TOKENIZER_DIR [flags] TEXT",
                "Prints the token ids of TEXT on one line, space-separated: with the tokenizer stored in a\n"
                "model file, or one read from a folder holding tokenizer.json (and tokenizer_config.json).\n"
                "By default the special tokens the tokenizer adds (e.g. BOS) are included.\n"
                "With --decode IDS it prints the text of comma-separated ids instead.");
  flags.String("model", &source, "a model file with a tokenizer, or a Hugging Face tokenizer folder", 'm');
  flags.Bool("no-special", &no_special, "do not add BOS/EOS (special tokens written in TEXT are still recognized)");
  flags.Bool("pieces", &pieces, "print one token per line: its id and the text it stands for");
  flags.String("decode", &decode, "comma-separated ids to turn back into text");
  auto args = flags.Parse(argc, argv, 2);
  if (!args.ok()) return UsageError("tokenize", std::string(args.status().message()));
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (source.empty()) return UsageError("tokenize", "-m FILE.graph|TOKENIZER_DIR is required");
  if (decode.empty() && args->size() != 1) return UsageError("tokenize", "expects one TEXT argument (quote it)");
  TokenizerData data;
  if (std::filesystem::is_directory(source)) {
    auto read = ReadHfTokenizer(source);
    if (!read.ok()) return Fail(read.status());
    data = std::move(*read);
  } else {
    auto model = LoadModel(source, Ops());
    if (!model.ok()) return Fail(model.status());
    if (!model->tokenizer) return Fail(absl::FailedPreconditionError(source + " has no tokenizer"));
    data = std::move(*model->tokenizer);
  }
  auto tokenizer = CreateTokenizer(data);
  if (!tokenizer.ok()) return Fail(tokenizer.status());
  if (!decode.empty()) {
    auto ids = ParseIntList(decode);
    if (!ids.ok()) return UsageError("tokenize", "--decode: " + std::string(ids.status().message()));
    std::vector<int32_t> list;
    for (int64_t id : *ids) {
      if (id < 0 || id >= (*tokenizer)->vocab_size()) {
        return Fail(absl::OutOfRangeError("--decode: token id " + std::to_string(id) + " is outside the vocabulary (" +
                                          std::to_string((*tokenizer)->vocab_size()) + " tokens)"));
      }
      list.push_back(static_cast<int32_t>(id));
    }
    const std::string text = (*tokenizer)->DecodeAll(list);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::printf("\n");
    return 0;
  }
  auto ids = (*tokenizer)->Encode((*args)[0], !no_special);
  if (!ids.ok()) return Fail(ids.status());
  if (pieces) {
    int32_t previous = -1;
    for (int32_t id : *ids) {
      std::printf("%d\t\"%s\"\n", id, absl::CEscape((*tokenizer)->Decode(previous, id)).c_str());
      previous = id;
    }
  } else {
    std::printf("%s\n", absl::StrJoin(*ids, " ").c_str());
  }
  return 0;
}

}  // namespace anvil::cli
