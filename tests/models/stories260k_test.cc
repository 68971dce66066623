// stories260K end to end: the llama2.c checkpoint imported, saved as a .graph, loaded, and run on
// every executor reproduces llama2.c's golden run (256 greedy ids identical, logits within 1e-4).
#include <cmath>
#include <fstream>

#include "executors/cpu/cpu_executor.h"
#include "executors/reference/reference_executor.h"
#include "executors/session.h"
#include "absl/strings/match.h"
#include "graph/memory_plan.h"
#include "graph/model_io.h"
#include "graph/passes/pipeline.h"
#include "graph/printers.h"
#include "gtest/gtest.h"
#include "models/generate.h"
#include "models/importers/llama2c.h"
#include "models/tokenizer/tokenizer.h"
#include "nlohmann/json.hpp"
#include "ops/registry.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::SharedPath;

using Golden = ::anvil::testing::Golden;
const Golden& LoadGolden() { return ::anvil::testing::Stories260kGolden(); }

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

// The same, through the default optimizer pipeline (what `anvil run` executes).
std::shared_ptr<const Model> StoriesOptimized() {
  static std::shared_ptr<const Model> model = []() -> std::shared_ptr<const Model> {
    if (Stories() == nullptr) return nullptr;
    Model copy = *Stories();
    auto reports = OptimizeModel(copy, Ops());
    EXPECT_TRUE(reports.ok()) << reports.status();
    return std::make_shared<const Model>(std::move(copy));
  }();
  return model;
}

std::unique_ptr<Session> NewSession(std::shared_ptr<Executor> executor, int64_t capacity = 0,
                                    std::shared_ptr<const Model> model = Stories()) {
  auto session = Session::Create(model, std::move(executor), {.capacity = capacity});
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
  ASSERT_NE(StoriesOptimized(), nullptr);
  const Golden& golden = LoadGolden();
  const std::string& param = GetParam();
  auto executor = absl::StartsWith(param, "cpu") ? MakeCpuExecutor(Ops()) : MakeReferenceExecutor(Ops());
  auto session = NewSession(executor, 0, absl::EndsWith(param, "optimized") ? StoriesOptimized() : Stories());
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

INSTANTIATE_TEST_SUITE_P(Executors, GoldenTest,
                         ::testing::Values("cpu_as_written", "cpu_optimized", "reference_as_written",
                                           "reference_optimized"));

TEST(Stories260kOptimizerTest, OptimizedEqualsUnoptimized) {
  ASSERT_NE(StoriesOptimized(), nullptr);
  auto plain = NewSession(MakeCpuExecutor(Ops()), 0, Stories());
  auto fused = NewSession(MakeCpuExecutor(Ops()), 0, StoriesOptimized());
  int32_t a = 1, b = 1;
  float worst = 0;
  for (int i = 0; i < 256; ++i) {
    ASSERT_EQ(a, b) << "greedy tokens diverge at step " << i;
    auto pa = plain->Decode(a);
    auto pb = fused->Decode(b);
    ASSERT_TRUE(pa.ok() && pb.ok());
    worst = std::max(worst, MaxAbsDiff(pa->logits, pb->logits));
    a = pa->next_id;
    b = pb->next_id;
  }
  EXPECT_LE(worst, 1e-5f);
  // A prompt through prefill (T > 1) too.
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378, 432, 383, 286, 261};
  auto plain_prefill = NewSession(MakeCpuExecutor(Ops()), 0, Stories());
  auto fused_prefill = NewSession(MakeCpuExecutor(Ops()), 0, StoriesOptimized());
  auto pp = plain_prefill->Prefill(prompt);
  auto fp = fused_prefill->Prefill(prompt);
  ASSERT_TRUE(pp.ok() && fp.ok());
  EXPECT_LE(MaxAbsDiff(pp->logits, fp->logits), 1e-5f);
}

TEST(Stories260kOptimizerTest, EveryLayerIsFused) {
  ASSERT_NE(StoriesOptimized(), nullptr);
  const Graph& g = StoriesOptimized()->graph;
  EXPECT_EQ(Stories()->graph.num_nodes(), 105u);
  EXPECT_EQ(g.num_nodes(), 45u);
  std::map<int64_t, std::map<std::string, int>> per_layer;
  for (NodeId n : g.order()) ++per_layer[LayerOfName(g.node(n).name)][g.node(n).op];
  for (int64_t layer = 0; layer < 5; ++layer) {
    // Layer 0's attention norm reads the embedding (no residual add before it).
    EXPECT_EQ(per_layer[layer]["add_rms_norm"], layer == 0 ? 1 : 2) << "layer " << layer;
    EXPECT_EQ(per_layer[layer]["split_rope_kv_write"], 1) << "layer " << layer;
    EXPECT_EQ(per_layer[layer]["gate_up_swiglu"], 1) << "layer " << layer;
    EXPECT_EQ(per_layer[layer]["attention"], 1) << "layer " << layer;
    EXPECT_EQ(per_layer[layer]["linear"], 3) << "layer " << layer;
  }
  EXPECT_EQ(per_layer[-1]["add_rms_norm"], 1);  // the last residual + output_norm
}

TEST(Stories260kOptimizerTest, StackedWeightsAreViewsOfTheFile) {
  ASSERT_NE(StoriesOptimized(), nullptr);
  const Graph& plain = Stories()->graph;
  const Graph& fused = StoriesOptimized()->graph;
  for (int layer = 0; layer < 5; ++layer) {
    const std::string p = "blk." + std::to_string(layer) + ".";
    EXPECT_EQ(fused.value(*fused.FindValue(p + "attn_qkv.weight")).data.data(),
              plain.value(*plain.FindValue(p + "attn_q.weight")).data.data());
    EXPECT_EQ(fused.value(*fused.FindValue(p + "ffn_gate_up.weight")).data.data(),
              plain.value(*plain.FindValue(p + "ffn_gate.weight")).data.data());
  }
  // The q/k/v and gate/up tensors themselves are gone from the optimized graph.
  EXPECT_FALSE(fused.FindValue("blk.0.attn_q.weight").has_value());
}

TEST(Stories260kOptimizerTest, PlanMemoryLowersPeakActivations) {
  ASSERT_NE(StoriesOptimized(), nullptr);
  Model without = *Stories();
  std::vector<std::string> passes = DefaultPassNames();
  passes.pop_back();  // everything but plan_memory
  ASSERT_TRUE(OptimizeModel(without, Ops(), {.passes = passes}).ok());
  for (int64_t tokens : {1, 64}) {
    const SymbolBindings bindings = {{kTokensSymbol, tokens}, {kCapacitySymbol, 512}};
    auto with_plan = PlanMemory(StoriesOptimized()->graph, Ops(), bindings, {.in_place = true});
    auto liveness = PlanMemory(without.graph, Ops(), bindings, {.in_place = false});
    auto separate = PlanMemory(without.graph, Ops(), bindings, {.reuse = false});
    ASSERT_TRUE(with_plan.ok() && liveness.ok() && separate.ok());
    // Decode's peak is the LM head's logits, which no in-place write can share; prefill's is not.
    if (tokens == 1) {
      EXPECT_LE(with_plan->arena_bytes, liveness->arena_bytes);
    } else {
      EXPECT_LT(with_plan->arena_bytes, liveness->arena_bytes) << "T=" << tokens;
    }
    EXPECT_LT(liveness->arena_bytes, separate->arena_bytes) << "T=" << tokens;
    RecordProperty("arena_T" + std::to_string(tokens), std::to_string(with_plan->arena_bytes) + " planned, " +
                                                           std::to_string(liveness->arena_bytes) + " liveness only, " +
                                                           std::to_string(separate->arena_bytes) + " no reuse");
  }
}

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

TEST(Stories260kTest, GenerationStopsAtEndOfSequenceIdsUnlessIgnored) {
  ASSERT_NE(Stories(), nullptr);
  const Golden& golden = LoadGolden();
  // Treat the 5th greedy token as end-of-sequence: generation stops right after producing it.
  GenerateOptions options;
  options.max_tokens = 50;
  options.sampler.temperature = 0;
  options.stop_ids = {golden.next_ids[4]};
  std::vector<int32_t> produced;
  options.on_token = [&](int32_t id) { produced.push_back(id); };
  auto session = NewSession(MakeCpuExecutor(Ops()));
  auto stats = Generate(*session, std::vector<int32_t>{1}, options);
  ASSERT_TRUE(stats.ok()) << stats.status();
  EXPECT_TRUE(stats->stopped_at_eos);
  EXPECT_EQ(produced, std::vector<int32_t>(golden.next_ids.begin(), golden.next_ids.begin() + 5));
  // Without stop ids (--ignore-eos) it runs to max_tokens.
  options.stop_ids.clear();
  produced.clear();
  auto again = NewSession(MakeCpuExecutor(Ops()));
  stats = Generate(*again, std::vector<int32_t>{1}, options);
  ASSERT_TRUE(stats.ok());
  EXPECT_FALSE(stats->stopped_at_eos);
  EXPECT_EQ(produced.size(), 50u);
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
