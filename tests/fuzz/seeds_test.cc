// Seed corpora for the fuzzers (tests/fuzz/*_fuzzer.cc): small valid inputs of every kind, built
// here (tests/fuzz/inputs.h) or taken from tests/data, each checked to load with the real loader.
// With ANVIL_FUZZ_SEEDS=DIR the test also writes them to DIR/<target>/seed_<n>, in the exact bytes
// that target's fuzzer reads (scripts/fuzz.sh runs it to seed its corpora).
#include <cstdlib>
#include <filesystem>
#include <map>

#include "absl/strings/str_cat.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "graph/capture.h"
#include "graph/model_io.h"
#include "graph/passes/pipeline.h"
#include "gtest/gtest.h"
#include "models/capture_replay.h"
#include "models/importers/gguf.h"
#include "models/importers/hf.h"
#include "models/importers/llama2c.h"
#include "models/importers/safetensors.h"
#include "models/tokenizer/hf_tokenizer.h"
#include "models/tokenizer/tokenizer.h"
#include "ops/registry.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/inputs.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::ReadFile;
using ::anvil::testing::SourcePath;
using ::anvil::testing::TempDir;
using ::anvil::testing::WriteFile;

constexpr size_t kMaxSeedBytes = 64 << 10;

// Collects one target's seeds; writes them when ANVIL_FUZZ_SEEDS names a directory.
class Seeds {
 public:
  explicit Seeds(std::string target) : target_(std::move(target)) {}
  ~Seeds() { EXPECT_GT(count_, 0) << "no seeds for " << target_; }

  void Add(const std::string& bytes) {
    EXPECT_LE(bytes.size(), kMaxSeedBytes) << target_ << " seed " << count_ << " is too large";
    const char* dir = std::getenv("ANVIL_FUZZ_SEEDS");
    if (dir != nullptr && *dir != '\0') {
      const std::filesystem::path folder = std::filesystem::path(dir) / target_;
      std::filesystem::create_directories(folder);
      WriteFile((folder / absl::StrCat("seed_", count_)).string(), bytes);
    }
    ++count_;
  }

 private:
  std::string target_;
  int count_ = 0;
};

// A model saved as a `.graph` and read back as bytes.
std::string GraphBytes(const Model& model, const std::string& dir, const std::string& name) {
  const std::string path = dir + "/" + name + ".graph";
  const absl::Status saved = SaveModel(model, path);
  EXPECT_TRUE(saved.ok()) << saved;
  return ReadFile(path);
}

std::vector<std::string> PassTestGraphs() {
  std::vector<std::string> texts;
  for (const auto& entry : std::filesystem::directory_iterator(SourcePath("tests/data/passes"))) {
    texts.push_back(ReadFile(entry.path().string()));
  }
  std::sort(texts.begin(), texts.end());  // directory order is not deterministic
  return texts;
}

TEST(FuzzSeedsTest, Graph) {
  Seeds seeds("graph");
  const std::string dir = TempDir();
  const std::string toy = ReadFile(SourcePath("tests/data/toy_llama.pbtxt"));
  auto check_and_add = [&](const std::string& bytes) {
    const std::string path = dir + "/check.graph";
    WriteFile(path, bytes);
    auto model = LoadModel(path, Ops());
    ASSERT_TRUE(model.ok()) << model.status();
    seeds.Add(bytes);
  };
  check_and_add(GraphBytes(::anvil::testing::ParseModelOrDie(toy), dir, "toy"));
  // Quantized weights, a vocabulary, a data alignment other than the default.
  for (DType dtype : {DType::kQ8_0, DType::kQ4_0}) {
    auto model = fuzz::TinyModel(fuzz::TinyConfig(/*quantized=*/true), dtype);
    ASSERT_TRUE(model.ok()) << model.status();
    model->tokenizer = fuzz::TinySpmVocabulary("\xe2\x96\x81");
    if (dtype == DType::kQ4_0) model->data_alignment = 16;
    check_and_add(GraphBytes(*model, dir, DTypeName(dtype)));
  }
  check_and_add(toy);  // LoadModel reads the text form too
}

TEST(FuzzSeedsTest, Pbtxt) {
  Seeds seeds("pbtxt");
  auto check_and_add = [&](const std::string& text) {
    auto model = ParseModelText(text, "seed.pbtxt", Ops());
    ASSERT_TRUE(model.ok()) << model.status();
    seeds.Add(text);
  };
  check_and_add(ReadFile(SourcePath("tests/data/toy_llama.pbtxt")));
  auto f16 = fuzz::TinyModel(fuzz::TinyConfig(), DType::kF16);
  ASSERT_TRUE(f16.ok()) << f16.status();
  f16->tokenizer = fuzz::TinySpmVocabulary(" ");
  check_and_add(ModelToText(*f16));
  for (const std::string& text : PassTestGraphs()) check_and_add(text);  // every fused op
}

TEST(FuzzSeedsTest, Gguf) {
  Seeds seeds("gguf");
  const std::string path = TempDir() + "/seed.gguf";
  for (fuzz::GgufVariant variant :
       {fuzz::GgufVariant::kLlamaF32, fuzz::GgufVariant::kLlamaQ4NoVocab, fuzz::GgufVariant::kQwen2Q8Gpt2}) {
    auto bytes = fuzz::TinyGguf(variant);
    ASSERT_TRUE(bytes.ok()) << bytes.status();
    WriteFile(path, *bytes);
    auto model = ImportGguf(path);
    ASSERT_TRUE(model.ok()) << model.status();
    if (model->tokenizer) {
      auto tokenizer = CreateTokenizer(*model->tokenizer);
      ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
      EXPECT_TRUE((*tokenizer)->Encode("the hat", true).ok());
    }
    seeds.Add(*bytes);
  }
}

TEST(FuzzSeedsTest, Safetensors) {
  Seeds seeds("safetensors");
  const std::string path = TempDir() + "/model.safetensors";
  for (DType dtype : {DType::kF32, DType::kF16, DType::kBF16}) {
    auto weights = fuzz::TinyHfWeights(dtype);
    ASSERT_TRUE(weights.ok()) << weights.status();
    ASSERT_TRUE(WriteSafetensors(path, *weights).ok());
    auto file = ReadSafetensors(path);
    ASSERT_TRUE(file.ok()) << file.status();
    EXPECT_EQ(file->tensors.size(), weights->size());
    seeds.Add(ReadFile(path));
  }
}

TEST(FuzzSeedsTest, ConfigJson) {
  Seeds seeds("config_json");
  for (const std::string& text : fuzz::TinyConfigJsons()) {
    auto config = ReadHfConfig(text, "config.json");
    ASSERT_TRUE(config.ok()) << config.status() << "\n" << text;
    seeds.Add(text);
  }
}

TEST(FuzzSeedsTest, TokenizerJson) {
  Seeds seeds("tokenizer_json");
  const std::string dir = TempDir();
  for (const std::string& text : fuzz::TinyTokenizerJsons()) {
    WriteFile(dir + "/tokenizer.json", text);
    auto data = ReadHfTokenizer(dir);
    ASSERT_TRUE(data.ok()) << data.status();
    auto tokenizer = CreateTokenizer(*data);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
    auto ids = (*tokenizer)->Encode("hello the 123", true);
    ASSERT_TRUE(ids.ok()) << ids.status();
    EXPECT_GT(ids->size(), 1u);
    seeds.Add(text);
  }
}

TEST(FuzzSeedsTest, Llama2c) {
  Seeds seeds("llama2c");
  const std::string dir = TempDir();
  for (bool tied : {true, false}) {
    auto checkpoint = fuzz::TinyLlama2cCheckpoint(tied);
    ASSERT_TRUE(checkpoint.ok()) << checkpoint.status();
    const std::string input = fuzz::JoinPair(*checkpoint, fuzz::TinyLlama2cTokenizer());
    const auto [checkpoint_bytes, tokenizer_bytes] = fuzz::SplitPair(input);
    WriteFile(dir + "/model.bin", std::string(checkpoint_bytes));
    WriteFile(dir + "/tokenizer.bin", std::string(tokenizer_bytes));
    auto model = ImportLlama2c(dir + "/model.bin", dir + "/tokenizer.bin");
    ASSERT_TRUE(model.ok()) << model.status();
    EXPECT_EQ(model->config.tie_embeddings, tied);
    auto tokenizer = CreateTokenizer(*model->tokenizer);
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
    EXPECT_EQ(*(*tokenizer)->Encode("the", true), (std::vector<int32_t>{1, 31, 30}));  // " t" "he"
    seeds.Add(input);
  }
}

TEST(FuzzSeedsTest, Capture) {
  Seeds seeds("capture");
  const std::string dir = TempDir();
  auto built = fuzz::CaptureSourceModel();
  ASSERT_TRUE(built.ok()) << built.status();
  const std::string source_path = dir + "/capture_source.graph";
  ASSERT_TRUE(SaveModel(*built, source_path).ok());
  struct Recording {
    std::vector<int32_t> prompt;
    int64_t steps;
    bool optimize;
  };
  for (const Recording& r : {Recording{{1, 5, 9}, 4, true}, Recording{{1}, 2, false}}) {
    // What `anvil capture` does: load, optimize, record; the plan's tensors are ranges of the file.
    auto model = LoadModel(source_path, Ops());
    ASSERT_TRUE(model.ok()) << model.status();
    if (r.optimize) {
      ASSERT_TRUE(OptimizeModel(*model, Ops()).ok());
    }
    auto shared = std::make_shared<const Model>(std::move(*model));
    auto session = Session::Create(shared, MakeCpuExecutor(Ops(), {.threads = 1}), {.capacity = 16});
    ASSERT_TRUE(session.ok()) << session.status();
    auto capture = RecordCapture(**session, r.prompt, {.steps = r.steps});
    ASSERT_TRUE(capture.ok()) << capture.status();
    capture->graph_path = source_path;
    capture->graph_checksum = shared->checksum;
    if (r.optimize) capture->passes = DefaultPassNames();
    const std::string path = dir + "/seed.capture";
    ASSERT_TRUE(SaveCapture(*capture, *shared, *shared, path).ok());
    // What the capture fuzzer does with it.
    auto source = LoadModel(source_path, Ops());
    ASSERT_TRUE(source.ok());
    ASSERT_TRUE(ReadCapture(path).ok());
    auto plan = LoadCapturePlan(path, *source, Ops(), /*force=*/false);
    ASSERT_TRUE(plan.ok()) << plan.status();
    seeds.Add(ReadFile(path));
  }
}

}  // namespace
}  // namespace anvil
