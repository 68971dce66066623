// .pbtxt and .graph reading and writing: lossless round trips, zero-copy weights, checksums.
#include "graph/model_io.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::ReadFile;
using ::anvil::testing::SourcePath;
using ::anvil::testing::TempDir;

Model LoadOrDie(const std::string& path, LoadOptions options = {}) {
  auto model = LoadModel(path, Ops(), options);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : Model{};
}

TEST(ModelIoTest, PbtxtToGraphToIrToGraphIsByteIdentical) {
  const std::string dir = TempDir();
  Model text = LoadOrDie(SourcePath("tests/data/toy_llama.pbtxt"));
  ASSERT_TRUE(SaveModel(text, dir + "/a.graph").ok());
  Model loaded = LoadOrDie(dir + "/a.graph");
  ASSERT_TRUE(SaveModel(loaded, dir + "/b.graph").ok());
  const std::string a = ReadFile(dir + "/a.graph");
  const std::string b = ReadFile(dir + "/b.graph");
  ASSERT_GT(a.size(), 4000u);
  EXPECT_TRUE(a == b) << "a.graph and b.graph differ";
}

TEST(ModelIoTest, RoundTripKeepsEverything) {
  const std::string dir = TempDir();
  Model original = LoadOrDie(SourcePath("tests/data/toy_llama.pbtxt"));
  original.tokenizer = TokenizerData{};
  original.tokenizer->type = "llama2c";
  original.tokenizer->pieces = {"<unk>", "<s>", "</s>", std::string("\x00\xff", 2)};
  original.tokenizer->scores = {0, 0, 0, -1.5f};
  original.tokenizer->bos_id = 1;
  original.tokenizer->eos_id = 2;
  original.metadata = {{"source", "test"}};
  original.data_alignment = 128;
  ASSERT_TRUE(SaveModel(original, dir + "/m.graph").ok());
  Model back = LoadOrDie(dir + "/m.graph");
  EXPECT_EQ(back.config, original.config);
  EXPECT_EQ(back.tokenizer, original.tokenizer);
  EXPECT_EQ(back.metadata, original.metadata);
  EXPECT_EQ(back.data_alignment, 128u);
  EXPECT_EQ(back.producer, "hand-written");
  EXPECT_EQ(back.graph.num_nodes(), original.graph.num_nodes());
  const auto a = original.graph.initializers();
  const auto b = back.graph.initializers();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    const Value& va = original.graph.value(a[i]);
    const Value& vb = back.graph.value(b[i]);
    EXPECT_EQ(va.name, vb.name);
    EXPECT_EQ(va.type, vb.type);
    ASSERT_EQ(va.data.size(), vb.data.size());
    EXPECT_EQ(0, std::memcmp(va.data.data(), vb.data.data(), va.data.size())) << va.name;
    EXPECT_EQ(reinterpret_cast<uintptr_t>(vb.data.data()) % 128, 0u) << vb.name << " is not aligned";
  }
  // Text form round trip: graph -> pbtxt -> model gives the same text again.
  const std::string text = ModelToText(back);
  auto reparsed = ParseModelText(text, "again.pbtxt", Ops());
  ASSERT_TRUE(reparsed.ok()) << reparsed.status();
  EXPECT_EQ(ModelToText(*reparsed), text);
}

// The address range of the mapping of `path` in this process (/proc/self/maps), or {0, 0}.
std::pair<uintptr_t, uintptr_t> MappingOf(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  uintptr_t lo = 0, hi = 0;
  while (std::getline(maps, line)) {
    if (!absl::EndsWith(line, path)) continue;
    std::vector<std::string> range = absl::StrSplit(line.substr(0, line.find(' ')), '-');
    uintptr_t a, b;
    if (absl::SimpleHexAtoi(range[0], &a) && absl::SimpleHexAtoi(range[1], &b)) {
      lo = lo == 0 ? a : std::min(lo, a);
      hi = std::max(hi, b);
    }
  }
  return {lo, hi};
}

TEST(ModelIoTest, WeightsStayInTheFileMapping) {
  const std::string dir = TempDir();
  ASSERT_TRUE(SaveModel(LoadOrDie(SourcePath("tests/data/toy_llama.pbtxt")), dir + "/m.graph").ok());
  Model model = LoadOrDie(dir + "/m.graph");
  const auto [lo, hi] = MappingOf(dir + "/m.graph");
  ASSERT_NE(lo, 0u) << "the .graph file is not mapped";
  for (ValueId id : model.graph.initializers()) {
    const auto p = reinterpret_cast<uintptr_t>(model.graph.value(id).data.data());
    EXPECT_TRUE(p >= lo && p + model.graph.value(id).data.size() <= hi)
        << model.graph.value(id).name << " was copied out of the mapping";
  }
}

TEST(ModelIoTest, ChecksumVerifiesAndDetectsDamage) {
  const std::string dir = TempDir();
  const std::string path = dir + "/m.graph";
  ASSERT_TRUE(SaveModel(LoadOrDie(SourcePath("tests/data/toy_llama.pbtxt")), path).ok());
  LoadOptions verify;
  verify.verify_checksum = true;
  Model ok = LoadOrDie(path, verify);
  EXPECT_EQ(ok.checksum.algorithm, "crc32");
  // Flip one byte in the last tensor.
  std::string bytes = ReadFile(path);
  bytes[bytes.size() - 3] ^= 0x40;
  ::anvil::testing::WriteFile(path, bytes);
  EXPECT_TRUE(LoadModel(path, Ops()).ok()) << "a plain load must not read every byte";
  auto damaged = LoadModel(path, Ops(), verify);
  ASSERT_FALSE(damaged.ok());
  EXPECT_TRUE(absl::StartsWith(damaged.status().message(),
                               path + ": data checksum mismatch: the file records crc32 "));
  EXPECT_TRUE(absl::EndsWith(damaged.status().message(), "(the file is damaged)"));
}

TEST(ModelIoTest, SaveIsDeterministic) {
  const std::string dir = TempDir();
  Model m = LoadOrDie(SourcePath("tests/data/toy_llama.pbtxt"));
  ASSERT_TRUE(SaveModel(m, dir + "/1.graph").ok());
  ASSERT_TRUE(SaveModel(m, dir + "/2.graph").ok());
  EXPECT_TRUE(ReadFile(dir + "/1.graph") == ReadFile(dir + "/2.graph"));
}

}  // namespace
}  // namespace anvil
