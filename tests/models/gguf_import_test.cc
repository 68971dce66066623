// GGUF import: stories260K.gguf reproduces the golden run on CPU and Vulkan and its vocabulary
// decodes the same text as tok512.bin; malformed files (crafted here) give errors naming what is
// wrong, and nothing is allocated from an unchecked count.
#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "graph/passes/pipeline.h"
#include "gtest/gtest.h"
#include "models/importers/gguf.h"
#include "models/importers/gguf_reader.h"
#include "models/importers/llama2c.h"
#include "models/tokenizer/tokenizer.h"
#include "ops/registry.h"
#include "tests/executors/vulkan_test_util.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::SharedPath;

float GoldenWorst(std::shared_ptr<const Model> model, std::shared_ptr<Executor> executor) {
  const auto& golden = ::anvil::testing::Stories260kGolden();
  auto session = Session::Create(model, executor, {.capacity = 512});
  EXPECT_TRUE(session.ok()) << session.status();
  float worst = 0;
  for (int i = 0; i < 256; ++i) {
    auto out = (*session)->Decode(golden.input_ids[i]);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return 1e9f;
    EXPECT_EQ(out->next_id, golden.next_ids[i]) << "step " << i;
    for (int j = 0; j < 512; ++j) worst = std::max(worst, std::fabs(out->logits[j] - golden.logits[i * 512 + j]));
  }
  return worst;
}

std::shared_ptr<const Model> StoriesGguf() {
  static std::shared_ptr<const Model> model = [] {
    auto imported = ImportGguf(SharedPath("models/stories260K.gguf"));
    EXPECT_TRUE(imported.ok()) << imported.status();
    EXPECT_TRUE(OptimizeModel(*imported, Ops()).ok());
    return std::make_shared<const Model>(std::move(*imported));
  }();
  return model;
}

TEST(GgufImportTest, Stories260kReproducesTheGoldenRun) {
  const Model& m = *StoriesGguf();
  EXPECT_EQ(m.config.rope_layout, "interleaved");
  EXPECT_EQ(m.config.num_kv_heads, 4);
  EXPECT_FALSE(m.config.tie_embeddings);  // this file carries output.weight
  EXPECT_LE(GoldenWorst(StoriesGguf(), MakeCpuExecutor(Ops())), 1e-4f);
  if (auto vulkan = ::anvil::testing::SharedVulkan()) {
    EXPECT_LE(GoldenWorst(StoriesGguf(), vulkan), 1e-4f);
  } else if (::anvil::testing::InCi()) {
    FAIL() << "no Vulkan device under CI";
  }
}

TEST(GgufImportTest, VocabularyDecodesLikeTok512) {
  auto gguf = CreateTokenizer(*StoriesGguf()->tokenizer);
  auto data = ReadLlama2cTokenizer(SharedPath("models/tok512.bin"), 512);
  ASSERT_TRUE(gguf.ok() && data.ok());
  auto tok512 = CreateTokenizer(*data);
  ASSERT_TRUE(tok512.ok());
  const auto& golden = ::anvil::testing::Stories260kGolden();
  std::vector<int32_t> ids = {1};
  ids.insert(ids.end(), golden.next_ids.begin(), golden.next_ids.end());
  EXPECT_EQ((*gguf)->DecodeAll(ids), (*tok512)->DecodeAll(ids));
  EXPECT_EQ((*gguf)->DecodeAll(ids) + "\n", golden.text);
  for (const char* text : {"Once upon a time", "Hello world!", "caf\xc3\xa9 \xe2\x98\x83", ""}) {
    EXPECT_EQ(*(*gguf)->Encode(text, true), *(*tok512)->Encode(text, true)) << text;
  }
}

// A minimal GGUF writer for crafted files.
class GgufWriter {
 public:
  explicit GgufWriter(uint32_t version = 3) { Raw("GGUF"), U32(version); }
  GgufWriter& Raw(const std::string& s) {
    out_ += s;
    return *this;
  }
  GgufWriter& U32(uint32_t v) { return Bytes(&v, 4); }
  GgufWriter& U64(uint64_t v) { return Bytes(&v, 8); }
  GgufWriter& Str(const std::string& s) { return U64(s.size()).Raw(s); }
  GgufWriter& KvU32(const std::string& key, uint32_t v) { return Str(key).U32(4).U32(v); }
  GgufWriter& KvStr(const std::string& key, const std::string& v) { return Str(key).U32(8).Str(v); }
  GgufWriter& Tensor(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
    Str(name).U32(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne) U64(d);
    return U32(type).U64(offset);
  }
  GgufWriter& PadTo(size_t alignment) {
    out_.resize((out_.size() + alignment - 1) / alignment * alignment, '\0');
    return *this;
  }
  std::string str() const { return out_; }

 private:
  GgufWriter& Bytes(const void* p, size_t n) {
    out_.append(static_cast<const char*>(p), n);
    return *this;
  }
  std::string out_;
};

class GgufMalformedTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = ::anvil::testing::TempDir() + "/m.gguf"; }
  std::string Error(const std::string& bytes) {
    ::anvil::testing::WriteFile(path_, bytes);
    auto file = gguf::ReadFile(path_);
    return file.ok() ? std::string() : std::string(file.status().message());
  }
  std::string P(const std::string& message) { return path_ + message; }
  std::string path_;
};

TEST_F(GgufMalformedTest, HeaderAndCounts) {
  EXPECT_EQ(Error("GGML\x03\0\0\0"), P(" is not a GGUF file (no \"GGUF\" magic)"));
  EXPECT_EQ(Error(GgufWriter(1).U64(0).U64(0).str()), P(": GGUF version 1 is not supported (2 and 3 are)"));
  EXPECT_EQ(Error("GGUF\x03\0"), P(": truncated in header at byte 4"));
  EXPECT_EQ(Error(GgufWriter().U64(uint64_t{1} << 40).U64(0).str()),
            P(": 1099511627776 tensors and 0 metadata keys is implausible"));
  EXPECT_EQ(Error(GgufWriter().U64(0).U64(1).U64(uint64_t{1} << 40).str()),
            P(": metadata key: string length 1099511627776 is implausible"));
  // An array announcing a billion strings in a tiny file is refused before anything is reserved.
  EXPECT_EQ(Error(GgufWriter().U64(0).U64(1).Str("tokenizer.ggml.tokens").U32(9).U32(8).U64(1000000000).str()),
            P(": key 'tokenizer.ggml.tokens': array of 1000000000 elements does not fit the file"));
  EXPECT_EQ(Error(GgufWriter().U64(0).U64(2).KvU32("a", 1).KvU32("a", 2).str()), P(": metadata key 'a' appears twice"));
  EXPECT_EQ(Error(GgufWriter().U64(0).U64(1).Str("k").U32(99).str()), P(": key 'k': unknown value type 99"));
  EXPECT_EQ(Error(GgufWriter().U64(0).U64(1).KvU32("general.alignment", 48).str()),
            P(": general.alignment 48 must be a power of two"));
}

TEST_F(GgufMalformedTest, Tensors) {
  auto one = [](std::vector<uint64_t> ne, uint32_t type, uint64_t offset, size_t data) {
    GgufWriter w;
    w.U64(1).U64(0).Tensor("w", std::move(ne), type, offset).PadTo(32);
    return w.str() + std::string(data, '\0');
  };
  EXPECT_EQ(Error(one({2, 2, 2, 2, 2}, 0, 0, 128)), P(": tensor 'w' has 5 dims (1 to 4 allowed)"));
  EXPECT_EQ(Error(one({4, 0}, 0, 0, 32)), P(": tensor 'w' dim 1 = 0 is implausible"));
  EXPECT_EQ(Error(one({256}, 12, 0, 256)), P(": tensor 'w' is q4_K; anvil reads f32, f16, bf16, q8_0 and q4_0"));
  EXPECT_EQ(Error(one({48}, 8, 0, 64)), P(": tensor 'w': q8_0 needs the last dim to be a multiple of 32, got 48"));
  EXPECT_EQ(Error(one({4}, 0, 4, 64)), P(": tensor 'w' offset 4 is not a multiple of the alignment 32"));
  EXPECT_EQ(Error(one({16}, 0, 0, 32)), P(": tensor 'w' (64 bytes at offset 0) lies outside the data section (32 bytes); truncated?"));
  EXPECT_EQ(Error(one({uint64_t{1} << 40, uint64_t{1} << 40}, 0, 0, 0)), P(": tensor 'w': element count overflows 64 bits"));
  EXPECT_EQ(Error(one({16}, 0, 0, 64)), "");
}

TEST_F(GgufMalformedTest, ImportNamesMissingMetadataAndTruncation) {
  ::anvil::testing::WriteFile(path_, GgufWriter().U64(0).U64(1).KvStr("general.architecture", "llama").str());
  auto missing = ImportGguf(path_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), P(": metadata 'llama.embedding_length' is missing"));
  ::anvil::testing::WriteFile(path_, GgufWriter().U64(0).U64(1).KvStr("general.architecture", "falcon").str());
  EXPECT_EQ(ImportGguf(path_).status().message(), P(": architecture 'falcon' is not supported (llama, mistral, qwen2, qwen3)"));
  const std::string real = ::anvil::testing::ReadFile(SharedPath("models/stories260K.gguf"));
  ::anvil::testing::WriteFile(path_, real.substr(0, real.size() - 1000));
  auto cut = ImportGguf(path_);
  ASSERT_FALSE(cut.ok());
  EXPECT_TRUE(absl::StrContains(cut.status().message(), "lies outside the data section")) << cut.status();
  ::anvil::testing::WriteFile(path_, real.substr(0, 5000));
  auto header_cut = ImportGguf(path_);
  ASSERT_FALSE(header_cut.ok());
  EXPECT_TRUE(absl::StrContains(header_cut.status().message(), "truncated in")) << header_cut.status();
}

}  // namespace
}  // namespace anvil
