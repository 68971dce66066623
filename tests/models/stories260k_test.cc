// stories260K end to end: the llama2.c checkpoint imported, saved as a .graph, loaded, and run on
// every executor reproduces llama2.c's golden run (256 greedy ids identical, logits within 1e-4).
#include <cmath>
#include <fstream>

#include "executors/cpu/cpu_executor.h"
#include "executors/reference/reference_executor.h"
#include "executors/session.h"
#include "graph/model_io.h"
#include "gtest/gtest.h"
#include "models/importers/llama2c.h"
#include "models/tokenizer/tokenizer.h"
#include "nlohmann/json.hpp"
#include "ops/registry.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::SharedPath;

struct Golden {
  std::vector<int32_t> input_ids, next_ids;
  std::vector<float> logits;  // [256][512]
  std::string text;
};

const Golden& LoadGolden() {
  static const Golden golden = [] {
    Golden g;
    std::ifstream json_file(SharedPath("models/golden/stories260K.bos256.json"));
    const nlohmann::json j = nlohmann::json::parse(json_file);
    g.input_ids = j["input_ids"].get<std::vector<int32_t>>();
    g.next_ids = j["greedy_next_ids"].get<std::vector<int32_t>>();
    g.text = j["text"].get<std::string>();
    std::ifstream logits(SharedPath("models/golden/stories260K.bos256.logits.f32"), std::ios::binary);
    g.logits.resize(256 * 512);
    logits.read(reinterpret_cast<char*>(g.logits.data()), static_cast<std::streamsize>(g.logits.size() * 4));
    return g;
  }();
  return golden;
}

// Imported from ../shared, written as a .graph and loaded back (the path a user takes).
std::shared_ptr<const Model> Stories() {
  static std::shared_ptr<const Model> model = []() -> std::shared_ptr<const Model> {
    auto imported = ImportLlama2c(SharedPath("models/stories260K.bin"), SharedPath("models/tok512.bin"));
    EXPECT_TRUE(imported.ok()) << imported.status();
    if (!imported.ok()) return nullptr;
    const std::string path = ::testing::TempDir() + "/stories260K.graph";
    EXPECT_TRUE(SaveModel(*imported, path).ok());
    auto loaded = LoadModel(path, Ops());
    EXPECT_TRUE(loaded.ok()) << loaded.status();
    if (!loaded.ok()) return nullptr;
    return std::make_shared<const Model>(std::move(*loaded));
  }();
  return model;
}

std::unique_ptr<Session> NewSession(std::shared_ptr<Executor> executor, int64_t capacity = 0) {
  auto session = Session::Create(Stories(), std::move(executor), {.capacity = capacity});
  EXPECT_TRUE(session.ok()) << session.status();
  return session.ok() ? std::move(*session) : nullptr;
}

float MaxAbsDiff(absl::Span<const float> a, absl::Span<const float> b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTest, Reproduces256GreedyTokensAndLogits) {
  ASSERT_NE(Stories(), nullptr);
  const Golden& golden = LoadGolden();
  auto executor = GetParam() == "cpu" ? MakeCpuExecutor(Ops()) : MakeReferenceExecutor(Ops());
  auto session = NewSession(executor);
  ASSERT_NE(session, nullptr);
  float worst = 0;
  for (int i = 0; i < 256; ++i) {
    auto out = session->Decode(golden.input_ids[i]);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->next_id, golden.next_ids[i]) << "step " << i;
    worst = std::max(worst, MaxAbsDiff(out->logits, absl::MakeConstSpan(golden.logits.data() + i * 512, 512)));
  }
  EXPECT_LE(worst, 1e-4f);
  RecordProperty("max_abs_logit_diff", std::to_string(worst));
}

INSTANTIATE_TEST_SUITE_P(Executors, GoldenTest, ::testing::Values("cpu", "reference"));

TEST(Stories260kTest, PrefillEqualsTokenByTokenDecode) {
  ASSERT_NE(Stories(), nullptr);
  auto tokenizer = CreateTokenizer(*Stories()->tokenizer);
  ASSERT_TRUE(tokenizer.ok());
  auto prompt = (*tokenizer)->Encode("Once upon a time, there was a little dragon who loved", true);
  ASSERT_TRUE(prompt.ok());
  ASSERT_GT(prompt->size(), 8u);
  auto batched = NewSession(MakeCpuExecutor(Ops()));
  auto stepwise = NewSession(MakeCpuExecutor(Ops()));
  auto a = batched->Prefill(*prompt);
  ASSERT_TRUE(a.ok()) << a.status();
  StepOutput b;
  for (int32_t id : *prompt) {
    auto out = stepwise->Decode(id);
    ASSERT_TRUE(out.ok());
    b = *out;
  }
  EXPECT_LE(MaxAbsDiff(a->logits, b.logits), 1e-4f);
  // The same greedy continuation, logits step by step within tolerance.
  int32_t next_a = a->next_id, next_b = b.next_id;
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(next_a, next_b) << "continuations diverge at token " << i;
    auto sa = batched->Decode(next_a);
    auto sb = stepwise->Decode(next_b);
    ASSERT_TRUE(sa.ok() && sb.ok());
    EXPECT_LE(MaxAbsDiff(sa->logits, sb->logits), 1e-4f);
    next_a = sa->next_id;
    next_b = sb->next_id;
  }
}

TEST(Stories260kTest, ThreadCountDoesNotChangeResults) {
  ASSERT_NE(Stories(), nullptr);
  auto one = NewSession(MakeCpuExecutor(Ops(), {.threads = 1}));
  auto two = NewSession(MakeCpuExecutor(Ops(), {.threads = 2}));
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378, 432, 383, 286};
  auto a = one->Prefill(prompt);
  auto b = two->Prefill(prompt);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(std::equal(a->logits.begin(), a->logits.end(), b->logits.begin()));
  for (int i = 0; i < 20; ++i) {
    a = one->Decode(a->next_id);
    b = two->Decode(b->next_id);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_TRUE(std::equal(a->logits.begin(), a->logits.end(), b->logits.begin())) << "step " << i;
  }
}

TEST(Stories260kTest, BadInputIsAnErrorAndTheSessionSurvives) {
  ASSERT_NE(Stories(), nullptr);
  auto session = NewSession(MakeCpuExecutor(Ops()), 16);
  auto bad = session->Decode(600);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "node 'token_embd': token id 600 is outside the vocabulary (512 tokens)");
  EXPECT_EQ(session->position(), 0);
  const std::vector<int32_t> too_long(17, 1);
  auto overflow = session->Prefill(too_long);
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.status().message(), "17 more tokens at position 0 do not fit the KV cache (capacity 16 tokens)");
  auto ok = session->Decode(1);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->next_id, LoadGolden().next_ids[0]);
}

}  // namespace
}  // namespace anvil
