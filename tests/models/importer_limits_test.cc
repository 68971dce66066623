// Limits of the importers, each with a crafted file built from a valid tiny one
// (tests/fuzz/inputs.h): GGUF metadata and tensor infos, safetensors headers, config.json,
// tokenizer.json and tokenizer_config.json, llama2.c checkpoints and tokenizer.bin. Every error
// names the file and what was wrong; nothing is allocated from a number before it is checked.
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "models/importers/gguf.h"
#include "models/importers/gguf_reader.h"
#include "models/importers/hf.h"
#include "models/importers/llama2c.h"
#include "models/importers/safetensors.h"
#include "models/tokenizer/hf_tokenizer.h"
#include "nlohmann/json.hpp"
#include "tests/fuzz/inputs.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::fuzz::GgufWriter;
using ::anvil::testing::TempDir;
using ::anvil::testing::WriteFile;
using ::testing::HasSubstr;

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

// Overwrites the 4 bytes `skip` bytes after the end of the GGUF key string `key` in `bytes`.
void PatchAfterKey(std::string& bytes, const std::string& key, size_t skip, uint32_t value) {
  const size_t at = bytes.find(key);
  ASSERT_NE(at, std::string::npos) << key;
  std::memcpy(bytes.data() + at + key.size() + skip, &value, 4);
}

class GgufLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = TempDir() + "/m.gguf"; }
  // The ImportGguf error for `bytes` ("" if it imports), the path prefix checked and removed.
  std::string Error(const std::string& bytes) {
    WriteFile(path_, bytes);
    auto model = ImportGguf(path_);
    if (model.ok()) return "";
    const std::string message(model.status().message());
    EXPECT_TRUE(absl::StartsWith(message, path_)) << message;
    return message.substr(std::min(message.size(), path_.size()));
  }
  std::string Tiny() {
    auto bytes = fuzz::TinyGguf(fuzz::GgufVariant::kLlamaF32);
    EXPECT_TRUE(bytes.ok()) << bytes.status();
    return bytes.ok() ? *bytes : "";
  }
  std::string path_;
};

TEST_F(GgufLimitsTest, TinyFileImports) { EXPECT_EQ(Error(Tiny()), ""); }

// Array elements cost a Value (~48 bytes) each whatever their size in the file: the metadata as a
// whole holds at most 2^23, refused before anything is reserved.
TEST_F(GgufLimitsTest, ArrayElementBudget) {
  const uint64_t count = (uint64_t{1} << 23) + 1;
  GgufWriter w;
  w.U64(0).U64(1).Str("big").U32(GgufWriter::kArray).U32(0).U64(count);  // uint8 elements
  EXPECT_EQ(Error(w.str() + std::string(count, '\0')),
            ": key 'big': array of 8388609 elements brings the metadata over 8388608 array elements in all");
}

TEST_F(GgufLimitsTest, ArraysAndStrings) {
  GgufWriter nested;  // array of arrays of arrays
  nested.U64(0).U64(1).Str("n").U32(GgufWriter::kArray).U32(GgufWriter::kArray).U64(1);
  nested.U32(GgufWriter::kArray).U64(1).U32(0).U64(1).Raw(std::string(1, '\0'));
  EXPECT_EQ(Error(nested.str()), ": key 'n': arrays nested too deep");
  GgufWriter strings;  // a string array whose count cannot fit the bytes left
  strings.U64(0).U64(1).Str("s").U32(GgufWriter::kArray).U32(GgufWriter::kString).U64(100).Raw(std::string(799, '\0'));
  EXPECT_EQ(Error(strings.str()), ": key 's': array of 100 elements does not fit the file");
  GgufWriter value;  // a string value longer than the file
  value.U64(0).U64(1).Str("v").U32(GgufWriter::kString).U64(1000).Raw("abc");
  EXPECT_EQ(Error(value.str()), ": truncated in metadata value at byte 45");
  GgufWriter element;  // an array of an unknown element type
  element.U64(0).U64(1).Str("e").U32(GgufWriter::kArray).U32(77).U64(1);
  EXPECT_EQ(Error(element.str()), ": key 'e': unknown array element type 77");
}

TEST_F(GgufLimitsTest, TensorInfos) {
  GgufWriter name;
  name.U64(1).U64(0).U64(uint64_t{1} << 25);
  EXPECT_EQ(Error(name.str()), ": tensor name: string length 33554432 is implausible");
  GgufWriter dim;
  dim.U64(1).U64(0).Tensor("w", {(uint64_t{1} << 40) + 1}, 0, 0);
  EXPECT_EQ(Error(dim.str()), ": tensor 'w' dim 0 = 1099511627777 is implausible");
  GgufWriter big;  // 2^40 f32 values: 4 TiB named by a file of a hundred bytes
  big.U64(1).U64(0).Tensor("w", {uint64_t{1} << 20, uint64_t{1} << 20}, 0, 0).PadTo(32);
  EXPECT_EQ(Error(big.str()),
            ": tensor 'w' (4398046511104 bytes at offset 0) lies outside the data section (0 bytes); truncated?");
  GgufWriter offset;
  offset.U64(1).U64(0).Tensor("w", {8}, 0, uint64_t{1} << 63).PadTo(32);
  EXPECT_THAT(Error(offset.str() + std::string(32, '\0')), HasSubstr("lies outside the data section (32 bytes)"));
  GgufWriter twice;
  twice.U64(2).U64(1).KvStr("general.architecture", "llama").Tensor("w", {8}, 0, 0).Tensor("w", {8}, 0, 32).PadTo(32);
  EXPECT_EQ(Error(twice.str() + std::string(64, '\0')), ": tensor 'w' appears twice");
}

// Vocabulary arrays: element types and ids are checked before they are used.
TEST_F(GgufLimitsTest, Vocabulary) {
  std::string bytes = Tiny();
  // key string, then the value type (array) and the element type (i32 -> f32: not integers).
  PatchAfterKey(bytes, "tokenizer.ggml.token_type", 4, GgufWriter::kF32);
  EXPECT_EQ(Error(bytes), ": tokenizer.ggml.token_type[0] is not a token type (0 to 6)");
  bytes = Tiny();
  PatchAfterKey(bytes, "tokenizer.ggml.token_type", 16, 99);  // after type, element type, count
  EXPECT_EQ(Error(bytes), ": tokenizer.ggml.token_type[0] is not a token type (0 to 6)");
  bytes = Tiny();
  PatchAfterKey(bytes, "tokenizer.ggml.bos_token_id", 4, 32);
  EXPECT_EQ(Error(bytes), ": tokenizer.ggml.bos_token_id = 32 is outside the vocabulary (32 pieces)");
}

// Hyper-parameters from metadata go through the Llama-family config checks.
TEST_F(GgufLimitsTest, HyperParameters) {
  std::string bytes = Tiny();
  PatchAfterKey(bytes, "llama.block_count", 4, 5000);
  EXPECT_EQ(Error(bytes), ": config: num_layers = 5000 must be in 1..1024");
  bytes = Tiny();
  PatchAfterKey(bytes, "llama.embedding_length", 4, 0x7fffffff);
  EXPECT_EQ(Error(bytes), ": config: hidden_size = 2147483647 must be in 1..65536");
  bytes = Tiny();
  PatchAfterKey(bytes, "llama.attention.head_count", 4, 0);
  EXPECT_EQ(Error(bytes), ": config: num_heads = 0 must be in 1..1024");
}

class SafetensorsLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = TempDir() + "/model.safetensors"; }
  std::string Error(const std::string& header, size_t data_bytes = 0) {
    std::string bytes(8, '\0');
    const uint64_t n = header.size();
    std::memcpy(bytes.data(), &n, 8);
    WriteFile(path_, bytes + header + std::string(data_bytes, '\0'));
    auto file = ReadSafetensors(path_);
    if (file.ok()) return "";
    const std::string message(file.status().message());
    EXPECT_TRUE(absl::StartsWith(message, path_)) << message;
    return message.substr(std::min(message.size(), path_.size()));
  }
  std::string path_;
};

TEST_F(SafetensorsLimitsTest, JsonNesting) {
  EXPECT_EQ(Error(absl::StrCat(R"({"__metadata__": {"x": )", Nested(62), "}}")), "");
  EXPECT_EQ(Error(absl::StrCat(R"({"__metadata__": {"x": )", Nested(100000), "}}")),
            ": header: JSON nests deeper than 64 levels (at byte 85)");
  // Brackets inside strings do not count.
  EXPECT_EQ(Error(absl::StrCat(R"({"__metadata__": {"x": ")", std::string(1000, '['), R"("}})")), "");
}

TEST_F(SafetensorsLimitsTest, ShapesAndOffsets) {
  EXPECT_EQ(Error(R"({"w": {"dtype": "F32", "shape": [2, 1099511627777], "data_offsets": [0, 0]}})"),
            ": tensor 'w': shape[1] = 1099511627777 is not a dim in [0, 2^40]");
  EXPECT_EQ(Error(R"({"w": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 0]}})"),
            ": tensor 'w': shape[0] = -1 is not a dim in [0, 2^40]");
  EXPECT_EQ(Error(R"({"w": {"dtype": "F32", "shape": ["2"], "data_offsets": [0, 0]}})"),
            ": tensor 'w': shape[0] = (string) is not a dim in [0, 2^40]");
  EXPECT_EQ(Error(R"({"w": {"dtype": "F32", "shape": [1,1,1,1,1,1,1,1,1], "data_offsets": [0, 4]}})", 4),
            ": tensor 'w': shape is not a list of up to 8 dims");
  EXPECT_EQ(Error(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [8, 4]}})", 8),
            ": tensor 'w': data_offsets [8, 4) lie outside the 8-byte data; truncated?");
  EXPECT_EQ(Error(R"({"w": {"dtype": "F32", "shape": [1], "data_offsets": [0, -4]}})", 8),
            ": tensor 'w': data_offsets must be [begin, end]");
  // Bytes beyond the file, from a shape that fits 64 bits.
  EXPECT_EQ(Error(R"({"w": {"dtype": "F32", "shape": [1048576, 1048576], "data_offsets": [0, 4398046511104]}})", 16),
            ": tensor 'w': data_offsets [0, 4398046511104) lie outside the 16-byte data; truncated?");
}

TEST_F(SafetensorsLimitsTest, HeaderLength) {
  std::string bytes(8, '\0');
  const uint64_t n = 100'000'001;
  std::memcpy(bytes.data(), &n, 8);
  WriteFile(path_, bytes + "{}");
  auto file = ReadSafetensors(path_);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().message(),
            path_ + ": header length 100000001 does not fit the 10-byte file; not a safetensors file, or truncated");
}

TEST(ConfigJsonLimitsTest, NestingAndSizes) {
  const std::string base = R"("model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
    "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 128)";
  auto error = [](const std::string& text) {
    auto config = ReadHfConfig(text, "dir/config.json");
    return config.ok() ? std::string() : std::string(config.status().message());
  };
  EXPECT_EQ(error(absl::StrCat("{", base, "}")), "");
  EXPECT_EQ(error(absl::StrCat("{", base, R"(, "x": )", Nested(200000), "}")),
            "dir/config.json: JSON nests deeper than 64 levels (at byte 209)");
  EXPECT_EQ(error(R"({"model_type": "llama", "hidden_size": 1099511627776, "intermediate_size": 96,
    "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 128})"),
            "dir/config.json: config: hidden_size = 1099511627776 must be in 1..65536");
  EXPECT_EQ(error(absl::StrCat("{", base, R"(, "num_hidden_layers": -2})")),
            "dir/config.json: config: num_layers = -2 must be in 1..1024");
  EXPECT_EQ(error(absl::StrCat("{", base, R"(, "max_position_embeddings": 9223372036854775807})")),
            "dir/config.json: config: max_context = 9223372036854775807 must be in 1..16777216");
  EXPECT_EQ(error(R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
    "num_hidden_layers": 2, "num_attention_heads": 0, "vocab_size": 128})"),
            "dir/config.json: 'num_attention_heads' must be positive");
}

TEST(ConfigJsonLimitsTest, SpecialIds) {
  const std::string base = R"({"model_type": "llama", "hidden_size": 64, "intermediate_size": 96,
    "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 128)";
  auto error = [&](const std::string& ids) {
    auto config = ReadHfConfig(absl::StrCat(base, ", ", ids, "}"), "config.json");
    return config.ok() ? std::string() : std::string(config.status().message());
  };
  EXPECT_EQ(error(R"("eos_token_id": [1, 127])"), "");
  EXPECT_EQ(error(R"("eos_token_id": 128)"), "config.json: 'eos_token_id' holds id 128, outside the vocabulary (vocab_size 128)");
  EXPECT_EQ(error(R"("bos_token_id": -1)"), "config.json: 'bos_token_id' holds id -1, outside the vocabulary (vocab_size 128)");
  EXPECT_EQ(error(R"("bos_token_id": 18446744073709551615)"),
            "config.json: 'bos_token_id' holds id 18446744073709551615, outside the vocabulary (vocab_size 128)");
  nlohmann::json many = nlohmann::json::array();
  for (int i = 0; i < 65; ++i) many.push_back(1);
  EXPECT_EQ(error(absl::StrCat(R"("eos_token_id": )", many.dump())), "config.json: 'eos_token_id' lists 65 ids (at most 64)");
}

class TokenizerJsonLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = TempDir(); }
  std::string Error(const std::string& tokenizer_json, const std::string& config_json = "") {
    WriteFile(dir_ + "/tokenizer.json", tokenizer_json);
    if (!config_json.empty()) WriteFile(dir_ + "/tokenizer_config.json", config_json);
    auto data = ReadHfTokenizer(dir_);
    if (data.ok()) return "";
    const std::string message(data.status().message());
    EXPECT_TRUE(absl::StartsWith(message, dir_ + "/tokenizer")) << message;
    return message.substr(std::min(message.size(), dir_.size() + 1));
  }
  std::string dir_;
};

TEST_F(TokenizerJsonLimitsTest, JsonNesting) {
  const std::string model = R"("model": {"type": "BPE", "vocab": {"a": 0}, "merges": []})";
  EXPECT_EQ(Error(absl::StrCat("{", model, R"(, "x": )", Nested(62), "}")), "");
  EXPECT_EQ(Error(absl::StrCat("{", model, R"(, "x": )", Nested(100000), "}")),
            "tokenizer.json: JSON nests deeper than 64 levels");
  EXPECT_EQ(Error(absl::StrCat("{", model, "}"), absl::StrCat(R"({"x": )", Nested(1000), "}")),
            "tokenizer_config.json: JSON nests deeper than 64 levels (at byte 69)");
}

// Ids must run from 0 without gaps: one far id in a tiny file is refused before any table is
// sized by it.
TEST_F(TokenizerJsonLimitsTest, FarIdsAreGaps) {
  EXPECT_EQ(Error(R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 16777215}, "merges": []}})"),
            "tokenizer.json: model.vocab has no piece with id 1 (ids must run from 0 to 16777215 without gaps, "
            "added_tokens included)");
  EXPECT_EQ(Error(R"({"added_tokens": [{"id": 16777000, "content": "<x>"}],
                      "model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}})"),
            "tokenizer.json: model.vocab has no piece with id 2 (ids must run from 0 to 16777000 without gaps, "
            "added_tokens included)");
  EXPECT_EQ(Error(R"({"model": {"type": "BPE", "vocab": {"a": 16777216}, "merges": []}})"),
            "tokenizer.json: model.vocab['a'] is not an id in [0, 2^24)");
  EXPECT_EQ(Error(R"({"added_tokens": [{"id": 16777216, "content": "<x>"}],
                      "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})"),
            "tokenizer.json: added_tokens[0].id is not an id in [0, 2^24)");
}

class Llama2cLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir();
    auto checkpoint = fuzz::TinyLlama2cCheckpoint(/*tied=*/true);
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    checkpoint_ = *checkpoint;
  }
  // The ImportLlama2c error with header field `field` (0..6) set to `value`.
  std::string HeaderError(int field, int32_t value) {
    std::string bytes = checkpoint_;
    std::memcpy(bytes.data() + 4 * field, &value, 4);
    return Error(bytes, fuzz::TinyLlama2cTokenizer());
  }
  std::string Error(const std::string& checkpoint, const std::string& tokenizer) {
    WriteFile(dir_ + "/model.bin", checkpoint);
    WriteFile(dir_ + "/tokenizer.bin", tokenizer);
    auto model = ImportLlama2c(dir_ + "/model.bin", dir_ + "/tokenizer.bin");
    if (model.ok()) return "";
    const std::string message(model.status().message());
    EXPECT_TRUE(absl::StartsWith(message, dir_ + "/")) << message;
    return message.substr(std::min(message.size(), dir_.size() + 1));
  }
  std::string dir_, checkpoint_;
};

TEST_F(Llama2cLimitsTest, TinyCheckpointImports) { EXPECT_EQ(Error(checkpoint_, fuzz::TinyLlama2cTokenizer()), ""); }

TEST_F(Llama2cLimitsTest, HeaderFields) {
  EXPECT_EQ(HeaderError(0, -8), "model.bin (llama2.c header): config: hidden_size = -8 must be in 1..65536");
  EXPECT_EQ(HeaderError(1, 0x7fffffff), "model.bin (llama2.c header): config: intermediate_size = 2147483647 must be in 1..262144");
  EXPECT_EQ(HeaderError(2, 0), "model.bin (llama2.c header): config: num_layers = 0 must be in 1..1024");
  EXPECT_EQ(HeaderError(3, -2), "model.bin: header dim 8 is not a multiple of n_heads -2; is this a llama2.c checkpoint?");
  EXPECT_EQ(HeaderError(4, 3), "model.bin (llama2.c header): config: num_heads 2 is not a multiple of num_kv_heads 3");
  EXPECT_EQ(HeaderError(5, INT32_MIN), "model.bin (llama2.c header): config: vocab_size = 2147483648 must be in 1..16777216");
  EXPECT_EQ(HeaderError(6, 0x7fffffff), "model.bin (llama2.c header): config: max_context = 2147483647 must be in 1..16777216");
}

// Sizes the header implies are checked against the file before any weight is taken.
TEST_F(Llama2cLimitsTest, WeightsBeyondTheFile) {
  const std::string truncated = "model.bin: truncated: the header describes more weights than the ";
  EXPECT_EQ(HeaderError(2, 1024), absl::StrCat(truncated, checkpoint_.size(), "-byte file holds"));
  EXPECT_EQ(HeaderError(5, 1 << 24), absl::StrCat(truncated, checkpoint_.size(), "-byte file holds"));
  EXPECT_EQ(HeaderError(6, 1 << 24), absl::StrCat(truncated, checkpoint_.size(), "-byte file holds"));
  EXPECT_EQ(Error(checkpoint_.substr(0, checkpoint_.size() - 4), fuzz::TinyLlama2cTokenizer()),
            absl::StrCat(truncated, checkpoint_.size() - 4, "-byte file holds"));
}

TEST_F(Llama2cLimitsTest, TokenizerEntries) {
  const std::string tokenizer = fuzz::TinyLlama2cTokenizer();
  auto with = [&](size_t offset, int32_t value) {
    std::string bytes = tokenizer;
    std::memcpy(bytes.data() + offset, &value, 4);
    return Error(checkpoint_, bytes);
  };
  EXPECT_EQ(with(0, 0), "tokenizer.bin: max_token_length 0 is implausible; is this a llama2.c tokenizer.bin?");
  EXPECT_EQ(with(0, 1 << 20), "tokenizer.bin: max_token_length 1048576 is implausible; is this a llama2.c tokenizer.bin?");
  // Piece 0 ("<unk>"): score at 4, length at 8.
  EXPECT_EQ(with(8, -1), "tokenizer.bin: piece 0 has length -1 past the end of the file");
  EXPECT_EQ(with(8, 7), "tokenizer.bin: piece 0 has length 7 (max_token_length is 6)");
  EXPECT_EQ(with(0, 1 << 16), "");  // a larger max is fine; then a length past the end:
  std::string bytes = tokenizer;
  const int32_t max = 1 << 16, length = 60000;
  std::memcpy(bytes.data(), &max, 4);
  std::memcpy(bytes.data() + 8, &length, 4);
  EXPECT_EQ(Error(checkpoint_, bytes), "tokenizer.bin: piece 0 has length 60000 past the end of the file");
  EXPECT_EQ(Error(checkpoint_, tokenizer.substr(0, tokenizer.size() - 2)),
            "tokenizer.bin: piece 31 has length 2 past the end of the file");
  EXPECT_EQ(Error(checkpoint_, tokenizer + "x"),
            "tokenizer.bin: holds more than 32 pieces (the model's vocab size); is it this model's tokenizer?");
}

// ReadLlama2cTokenizer on its own: the vocabulary size a caller passes is checked, and nothing
// is reserved beyond what the file can hold.
TEST_F(Llama2cLimitsTest, TokenizerVocabularySize) {
  const std::string path = dir_ + "/tokenizer.bin";
  WriteFile(path, fuzz::TinyLlama2cTokenizer());
  EXPECT_EQ(ReadLlama2cTokenizer(path, -1).status().message(), path + ": a vocabulary of -1 pieces is outside 1..16777216");
  EXPECT_EQ(ReadLlama2cTokenizer(path, int64_t{1} << 40).status().message(),
            path + ": a vocabulary of 1099511627776 pieces is outside 1..16777216");
  EXPECT_EQ(ReadLlama2cTokenizer(path, 1 << 24).status().message(),
            path + ": truncated at piece 32 of 16777216 (the model's vocab size)");
  EXPECT_TRUE(ReadLlama2cTokenizer(path, 32).ok());
}

}  // namespace
}  // namespace anvil
