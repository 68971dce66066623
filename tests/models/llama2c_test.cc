// The llama2.c importer and its BPE tokenizer, including bad files.
#include "models/importers/llama2c.h"

#include <fstream>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "models/tokenizer/tokenizer.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::ReadFile;
using ::anvil::testing::SharedPath;
using ::anvil::testing::TempDir;
using ::anvil::testing::WriteFile;

std::unique_ptr<Tokenizer> Tok512() {
  auto data = ReadLlama2cTokenizer(SharedPath("models/tok512.bin"), 512);
  EXPECT_TRUE(data.ok()) << data.status();
  auto t = CreateTokenizer(*data);
  EXPECT_TRUE(t.ok()) << t.status();
  return std::move(*t);
}

TEST(Llama2cTokenizerTest, EncodesLikeLlama2c) {
  auto tok = Tok512();
  // Expected ids from an independent re-implementation of run.c's encode().
  EXPECT_EQ(*tok->Encode("Once upon a time", true), (std::vector<int32_t>{1, 403, 407, 261, 378}));
  EXPECT_EQ(*tok->Encode("Hello world!", true), (std::vector<int32_t>{1, 346, 306, 414, 263, 304, 341, 443}));
  // Byte fallback: the snowman's three UTF-8 bytes become byte tokens (byte + 3).
  EXPECT_EQ(*tok->Encode("caf\xc3\xa9 \xe2\x98\x83", true),
            (std::vector<int32_t>{1, 280, 412, 431, 485, 410, 229, 155, 134}));
  EXPECT_EQ(*tok->Encode("", true), (std::vector<int32_t>{1}));
  EXPECT_EQ(*tok->Encode("", false), (std::vector<int32_t>{}));
}

TEST(Llama2cTokenizerTest, DecodesLikeLlama2c) {
  auto tok = Tok512();
  // After BOS the leading space of a piece is dropped; byte pieces decode to their byte.
  EXPECT_EQ(tok->Decode(1, 403), "Once");
  EXPECT_EQ(tok->Decode(403, 407), " upon");
  EXPECT_EQ(tok->Decode(0, 13), "\n");  // <0x0A>
  EXPECT_EQ(tok->DecodeAll({1, 403, 407, 261, 378}), "Once upon a time");
  const std::string snowman = "caf\xc3\xa9 \xe2\x98\x83";
  EXPECT_EQ(tok->DecodeAll(*tok->Encode(snowman, true)), snowman);
  EXPECT_EQ(tok->Decode(0, 9999), "");
}

TEST(Llama2cTokenizerTest, DisplayFilterDropsControlBytesOnly) {
  EXPECT_TRUE(IsDisplayable("a"));
  EXPECT_TRUE(IsDisplayable("\n"));
  EXPECT_TRUE(IsDisplayable("\xe2"));  // part of a UTF-8 character
  EXPECT_FALSE(IsDisplayable(std::string(1, '\x01')));
  EXPECT_FALSE(IsDisplayable(""));
}

TEST(Llama2cImportTest, ImportsStories260K) {
  auto model = ImportLlama2c(SharedPath("models/stories260K.bin"), SharedPath("models/tok512.bin"));
  ASSERT_TRUE(model.ok()) << model.status();
  const ModelConfig& c = model->config;
  EXPECT_EQ(c.hidden_size, 64);
  EXPECT_EQ(c.intermediate_size, 172);
  EXPECT_EQ(c.num_layers, 5);
  EXPECT_EQ(c.num_heads, 8);
  EXPECT_EQ(c.num_kv_heads, 4);
  EXPECT_EQ(c.vocab_size, 512);
  EXPECT_EQ(c.max_context, 512);
  EXPECT_TRUE(c.tie_embeddings);
  EXPECT_EQ(c.rope_layout, "interleaved");
  ASSERT_TRUE(model->tokenizer.has_value());
  EXPECT_EQ(model->tokenizer->pieces.size(), 512u);
  // Tied: the LM head reads the embedding table itself.
  const Graph& g = model->graph;
  const Node& head = g.node(*g.FindNode("logits"));
  EXPECT_EQ(g.value(head.inputs[1]).name, "token_embd.weight");
}

TEST(Llama2cImportTest, TruncatedCheckpoint) {
  const std::string path = TempDir() + "/short.bin";
  WriteFile(path, ReadFile(SharedPath("models/stories260K.bin")).substr(0, 5000));
  auto model = ImportLlama2c(path, SharedPath("models/tok512.bin"));
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().message(),
            path + ": truncated: the header describes more weights than the 5000-byte file holds");
  WriteFile(path, "abc");
  EXPECT_EQ(ImportLlama2c(path, SharedPath("models/tok512.bin")).status().message(),
            path + ": truncated: 3 bytes is shorter than the 28-byte llama2.c header");
}

TEST(Llama2cImportTest, ImplausibleHeader) {
  const std::string path = TempDir() + "/bad.bin";
  std::string bytes = ReadFile(SharedPath("models/stories260K.bin"));
  const int32_t heads = 7;  // 64 is not a multiple of 7
  std::memcpy(bytes.data() + 12, &heads, 4);
  WriteFile(path, bytes);
  EXPECT_EQ(ImportLlama2c(path, SharedPath("models/tok512.bin")).status().message(),
            path + ": header dim 64 is not a multiple of n_heads 7; is this a llama2.c checkpoint?");
  const int32_t layers = -3;
  std::memcpy(bytes.data() + 8, &layers, 4);
  std::memcpy(bytes.data() + 12, "\x08\0\0\0", 4);
  WriteFile(path, bytes);
  EXPECT_EQ(ImportLlama2c(path, SharedPath("models/tok512.bin")).status().message(),
            path + " (llama2.c header): config: num_layers = -3 must be in 1..1024");
}

TEST(Llama2cImportTest, WrongOrDamagedTokenizer) {
  auto small = ReadLlama2cTokenizer(SharedPath("models/tok512.bin"), 100);
  ASSERT_FALSE(small.ok());
  EXPECT_TRUE(absl::EndsWith(small.status().message(),
                             "holds more than 100 pieces (the model's vocab size); is it this model's tokenizer?"));
  const std::string path = TempDir() + "/tok.bin";
  WriteFile(path, ReadFile(SharedPath("models/tok512.bin")).substr(0, 3000));
  auto cut = ReadLlama2cTokenizer(path, 512);
  ASSERT_FALSE(cut.ok());
  EXPECT_TRUE(absl::StrContains(cut.status().message(), "past the end of the file") ||
              absl::StrContains(cut.status().message(), "truncated at piece"))
      << cut.status();
}

}  // namespace
}  // namespace anvil
