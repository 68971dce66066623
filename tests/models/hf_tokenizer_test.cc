// Hugging Face tokenizer.json vocabularies run by BpeTokenizer, against reference encodings made
// with the `tokenizers` library (../shared/tokenizers/*/reference.json), plus the errors that
// malformed tokenizer.json files give.
#include "models/tokenizer/hf_tokenizer.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "models/tokenizer/tokenizer.h"
#include "nlohmann/json.hpp"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::SharedPath;
using ::anvil::testing::TempDir;
using ::anvil::testing::WriteFile;
using ::testing::HasSubstr;

std::vector<int32_t> Ids(const nlohmann::json& list) {
  std::vector<int32_t> ids;
  for (const auto& id : list) ids.push_back(id.get<int32_t>());
  return ids;
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Load(const std::string& dir) {
  auto data = ReadHfTokenizer(dir);
  if (!data.ok()) return data.status();
  return CreateTokenizer(*data);
}

class ReferenceTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ReferenceTest, EncodesAndDecodesLikeHuggingFace) {
  const std::string dir = SharedPath("tokenizers/" + GetParam());
  auto tokenizer = Load(dir);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  const nlohmann::json reference =
      nlohmann::json::parse(::anvil::testing::ReadFile(dir + "/reference.json"), nullptr, false);
  ASSERT_TRUE(reference.is_object() && reference.contains("cases")) << dir << "/reference.json";
  int passed = 0, total = 0;
  for (const auto& c : reference["cases"]) {
    const std::string text = c["text"].get<std::string>();
    SCOPED_TRACE(absl::StrCat(GetParam(), ": '", text, "'"));
    ++total;
    auto plain = (*tokenizer)->Encode(text, /*add_bos=*/false);
    auto special = (*tokenizer)->Encode(text, /*add_bos=*/true);
    ASSERT_TRUE(plain.ok()) << plain.status();
    ASSERT_TRUE(special.ok()) << special.status();
    const std::vector<int32_t> ids = Ids(c["ids"]);
    const std::string decoded = (*tokenizer)->DecodeAll(ids);
    EXPECT_EQ(*plain, ids);
    EXPECT_EQ(*special, Ids(c["ids_with_special_tokens"]));
    EXPECT_EQ(decoded, c["decoded"].get<std::string>());
    if (*plain == ids && *special == Ids(c["ids_with_special_tokens"]) && decoded == c["decoded"])
      ++passed;
  }
  EXPECT_GT(total, 0);
  RecordProperty("cases_passed", absl::StrCat(passed, "/", total));
  std::printf("%s: %d/%d reference cases pass\n", GetParam().c_str(), passed, total);
}

INSTANTIATE_TEST_SUITE_P(Tokenizers, ReferenceTest,
                         ::testing::Values("qwen3", "llama3", "llama2-spm"), [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

// Loading must stay well under a second for a 151k-piece, 151k-merge vocabulary; the time is
// reported, not asserted (machines differ). Encoding speed is reported too.
TEST(HfTokenizerTest, LoadsQwen3QuicklyAndEncodesFast) {
  const std::string dir = SharedPath("tokenizers/qwen3");
  auto since_ms = [](std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
        .count();
  };
  const auto start = std::chrono::steady_clock::now();
  auto data = ReadHfTokenizer(dir);
  const double read_ms = since_ms(start);
  ASSERT_TRUE(data.ok()) << data.status();
  const auto create_start = std::chrono::steady_clock::now();
  auto tokenizer = CreateTokenizer(*data);
  const double create_ms = since_ms(create_start);
  const double load_ms = since_ms(start);
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  RecordProperty("qwen3_load_ms", absl::StrCat(load_ms));

  const nlohmann::json reference =
      nlohmann::json::parse(::anvil::testing::ReadFile(dir + "/reference.json"), nullptr, false);
  ASSERT_TRUE(reference.is_object());
  std::string corpus;
  while (corpus.size() < (1 << 20)) {
    for (const auto& c : reference["cases"])
      absl::StrAppend(&corpus, c["text"].get<std::string>(), "\n");
  }
  const auto encode_start = std::chrono::steady_clock::now();
  auto ids = (*tokenizer)->Encode(corpus, false);
  const double encode_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - encode_start).count();
  ASSERT_TRUE(ids.ok()) << ids.status();
  // NFC changes the text (one case has a combining accent), so compare by re-encoding.
  auto again = (*tokenizer)->Encode((*tokenizer)->DecodeAll(*ids), false);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *ids);
  const double mb_per_s = static_cast<double>(corpus.size()) / 1e6 / encode_s;
  const double tokens_per_s = static_cast<double>(ids->size()) / encode_s;
  RecordProperty("qwen3_encode_mb_per_s", absl::StrCat(mb_per_s));
  RecordProperty("qwen3_encode_tokens_per_s", absl::StrCat(tokens_per_s));
  std::printf(
      "qwen3: load %.1f ms (read %.1f + create %.1f); encode %.2f MB/s, %.0f tokens/s (%zu bytes "
      "-> %zu tokens)\n",
      load_ms, read_ms, create_ms, mb_per_s, tokens_per_s, corpus.size(), ids->size());
}

// Special tokens in the text are matched verbatim, before normalization and pre-tokenization.
TEST(HfTokenizerTest, MatchesAddedTokensInText) {
  auto tokenizer = Load(SharedPath("tokenizers/qwen3"));
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  auto ids = (*tokenizer)->Encode("<|im_start|>user\nHi<|im_end|><think>", false);
  ASSERT_TRUE(ids.ok()) << ids.status();
  ASSERT_GE(ids->size(), 4u);
  EXPECT_EQ(ids->front(), 151644);             // <|im_start|>
  EXPECT_EQ((*ids)[ids->size() - 2], 151645);  // <|im_end|>
  EXPECT_EQ(ids->back(), 151667);              // <think> (user defined: decodes to its text)
  EXPECT_EQ((*tokenizer)->DecodeAll(*ids), "user\nHi<think>");
}

TEST(HfTokenizerTest, ReadsSpecialTokensAndSettings) {
  auto qwen = ReadHfTokenizer(SharedPath("tokenizers/qwen3"));
  ASSERT_TRUE(qwen.ok()) << qwen.status();
  EXPECT_EQ(qwen->pieces.size(), 151669u);
  EXPECT_EQ(qwen->bos_id, -1);
  EXPECT_EQ(qwen->eos_id, 151645);  // <|im_end|>
  EXPECT_FALSE(qwen->add_bos);
  EXPECT_EQ(qwen->normalizer, "nfc");
  EXPECT_TRUE(qwen->byte_level);
  EXPECT_FALSE(qwen->ignore_merges);
  EXPECT_EQ(qwen->token_types[151643], kTokenControl);      // <|endoftext|>
  EXPECT_EQ(qwen->token_types[151667], kTokenUserDefined);  // <think>

  auto llama3 = ReadHfTokenizer(SharedPath("tokenizers/llama3"));
  ASSERT_TRUE(llama3.ok()) << llama3.status();
  EXPECT_EQ(llama3->bos_id, 128000);
  EXPECT_FALSE(llama3->add_bos);  // its post-processor adds nothing and the config does not ask
  EXPECT_TRUE(llama3->ignore_merges);
  EXPECT_EQ(llama3->normalizer, "");

  auto llama2 = ReadHfTokenizer(SharedPath("tokenizers/llama2-spm"));
  ASSERT_TRUE(llama2.ok()) << llama2.status();
  EXPECT_EQ(llama2->bos_id, 1);
  EXPECT_EQ(llama2->eos_id, 2);
  EXPECT_EQ(llama2->unk_id, 0);
  EXPECT_TRUE(llama2->add_bos);
  EXPECT_FALSE(llama2->add_eos);
  EXPECT_EQ(llama2->normalizer, "spm");
  EXPECT_TRUE(llama2->pretokenizer_regex.empty());
  EXPECT_TRUE(llama2->byte_fallback);
  EXPECT_EQ(llama2->token_types[3], kTokenByte);  // <0x00>
}

// Byte-level vocabularies encode any bytes, ill-formed UTF-8 included, and decode them back.
TEST(HfTokenizerTest, ByteLevelRoundTripsIllFormedUtf8) {
  auto tokenizer = Load(SharedPath("tokenizers/qwen3"));
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  const std::string text = "ok \xff\xfe \xe2\x82 end\x80";
  auto ids = (*tokenizer)->Encode(text, false);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ((*tokenizer)->DecodeAll(*ids), text);
}

// A tokenizer.json with the given model part (and an optional normalizer) in a fresh directory.
std::string WriteTokenizer(const std::string& model, const std::string& extra = "") {
  const std::string dir = TempDir();
  WriteFile(dir + "/tokenizer.json", absl::StrCat("{", extra, "\"model\": ", model, "}"));
  return dir;
}

constexpr char kTinyVocab[] = R"("vocab": {"a": 0, "b": 1, "ab": 2})";

TEST(HfTokenizerTest, ReadsBothMergeFormats) {
  for (const char* merges : {R"(["a b"])", R"([["a", "b"]])"}) {
    auto data = ReadHfTokenizer(WriteTokenizer(
        absl::StrCat(R"({"type": "BPE", )", kTinyVocab, ", \"merges\": ", merges, "}")));
    ASSERT_TRUE(data.ok()) << data.status();
    EXPECT_EQ(data->merges, std::vector<std::string>{"a b"});
    auto tokenizer = CreateTokenizer(*data);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
    auto ids = (*tokenizer)->Encode("abba", false);
    ASSERT_TRUE(ids.ok()) << ids.status();
    EXPECT_EQ(*ids, (std::vector<int32_t>{2, 1, 0}));
  }
}

struct MalformedCase {
  const char* name;
  std::string tokenizer_json;
  std::string expected_error;
};

TEST(HfTokenizerTest, MalformedFilesGiveErrorsNamingFileAndField) {
  const std::string model =
      absl::StrCat(R"({"type": "BPE", )", kTinyVocab, R"(, "merges": ["a b"]})");
  const std::vector<MalformedCase> cases = {
      {"bad json", R"({"model": {"type": "BPE", )", "tokenizer.json: not valid JSON"},
      {"not an object", "[1, 2]", "tokenizer.json: not a JSON object"},
      {"missing model", R"({"normalizer": null})",
       "tokenizer.json: model is missing or not an object"},
      {"wrong merges entry",
       absl::StrCat(R"({"model": {"type": "BPE", )", kTinyVocab, R"(, "merges": ["a b", 7]}})"),
       "tokenizer.json: model.merges[1] is not a string or a pair"},
      {"merge without space",
       absl::StrCat(R"({"model": {"type": "BPE", )", kTinyVocab, R"(, "merges": ["ab"]}})"),
       "tokenizer.json: model.merges[0] 'ab' has no space"},
      {"unknown normalizer",
       absl::StrCat(R"({"normalizer": {"type": "NFKC"}, "model": )", model, "}"),
       "tokenizer.json: normalizer 'NFKC' is not supported"},
      {"unknown pre-tokenizer",
       absl::StrCat(R"({"pre_tokenizer": {"type": "Metaspace"}, "model": )", model, "}"),
       "tokenizer.json: pre_tokenizer 'Metaspace' is not supported"},
      {"vocab id gap", R"({"model": {"type": "BPE", "vocab": {"a": 0, "c": 2}, "merges": []}})",
       "tokenizer.json: model.vocab has no piece with id 1"},
      {"duplicate id", R"({"model": {"type": "BPE", "vocab": {"a": 0, "c": 0}, "merges": []}})",
       "tokenizer.json: model.vocab gives id 0 to both 'a' and 'c'"},
      {"negative id", R"({"model": {"type": "BPE", "vocab": {"a": -1}, "merges": []}})",
       "tokenizer.json: model.vocab['a'] is not an id in [0, 2^24)"},
      {"huge id", R"({"model": {"type": "BPE", "vocab": {"a": 99999999}, "merges": []}})",
       "tokenizer.json: model.vocab['a'] is not an id in [0, 2^24)"},
      {"vocab value an object",
       R"({"model": {"type": "BPE", "vocab": {"a": {"id": 0}}, "merges": []}})",
       "tokenizer.json: model.vocab['a'] is not an id in [0, 2^24)"},
      {"merges not a list",
       absl::StrCat(R"({"model": {"type": "BPE", )", kTinyVocab, R"(, "merges": "a b"}})"),
       "tokenizer.json: model.merges is not a list"},
      {"merge triple",
       absl::StrCat(R"({"model": {"type": "BPE", )", kTinyVocab,
                    R"(, "merges": [["a", "b", "c"]]}})"),
       "tokenizer.json: model.merges[0] is not a string or a pair"},
      {"vocab not an object", R"({"model": {"type": "BPE", "vocab": [], "merges": []}})",
       "tokenizer.json: model.vocab is missing or not an object"},
      {"added token without content",
       absl::StrCat(R"({"added_tokens": [{"id": 3}], "model": )", model, "}"),
       "tokenizer.json: added_tokens[0] needs an id and a content string"},
      {"other model", R"({"model": {"type": "WordPiece", "vocab": {}}})",
       "tokenizer.json: model.type 'WordPiece' is not supported"},
      {"byte_fallback not a bool",
       absl::StrCat(R"({"model": {"type": "BPE", "byte_fallback": "yes", )", kTinyVocab, "}}"),
       "tokenizer.json: model.byte_fallback is not true or false"},
      {"unknown unk",
       absl::StrCat(R"({"model": {"type": "BPE", "unk_token": "<unk>", )", kTinyVocab, "}}"),
       "tokenizer.json: model.unk_token '<unk>' is not in the vocabulary"},
  };
  for (const MalformedCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string dir = TempDir();
    WriteFile(dir + "/tokenizer.json", c.tokenizer_json);
    auto data = ReadHfTokenizer(dir);
    ASSERT_FALSE(data.ok());
    EXPECT_THAT(std::string(data.status().message()), HasSubstr(c.expected_error));
  }
}

TEST(HfTokenizerTest, MissingFileAndBadConfigAreErrors) {
  EXPECT_FALSE(ReadHfTokenizer(TempDir() + "/nowhere").ok());
  const std::string dir = TempDir();
  WriteFile(dir + "/tokenizer.json",
            absl::StrCat(R"({"model": {"type": "BPE", )", kTinyVocab, "}}"));
  WriteFile(dir + "/tokenizer_config.json", R"({"bos_token": "<s>"})");
  auto data = ReadHfTokenizer(dir);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()),
              HasSubstr("tokenizer_config.json: bos_token '<s>' is not in the vocabulary"));
  WriteFile(dir + "/tokenizer_config.json", R"({"eos_token": {"text": "b"}})");
  data = ReadHfTokenizer(dir);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()),
              HasSubstr("tokenizer_config.json: eos_token is not a string"));
  WriteFile(dir + "/tokenizer_config.json", R"({"add_bos_token": 1})");
  data = ReadHfTokenizer(dir);
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()),
              HasSubstr("tokenizer_config.json: add_bos_token is not true or false"));
}

TEST(HfTokenizerTest, MergeOfUnknownPiecesFailsAtCreate) {
  auto data = ReadHfTokenizer(
      WriteTokenizer(absl::StrCat(R"({"type": "BPE", )", kTinyVocab, R"(, "merges": ["a c"]})")));
  ASSERT_TRUE(data.ok()) << data.status();
  auto tokenizer = CreateTokenizer(*data);
  ASSERT_FALSE(tokenizer.ok());
  EXPECT_THAT(std::string(tokenizer.status().message()), HasSubstr("merge 0 'a c'"));
}

}  // namespace
}  // namespace anvil
