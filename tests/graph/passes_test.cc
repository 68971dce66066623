// The optimizer: each pass on a hand-written graph (textproto in -> textproto golden out) plus a
// numeric check against the unoptimized graph; patterns that must not fuse stay unfused.
// Regenerate goldens after an intended change with ANVIL_UPDATE_GOLDEN=1 and review the diff.
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/reference/reference_executor.h"
#include "graph/model_io.h"
#include "graph/passes/pattern.h"
#include "graph/passes/pipeline.h"
#include "graph/verifier.h"
#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/executors/conformance.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::ReadFile;
using ::anvil::testing::SourcePath;

Model Load(const std::string& name) {
  auto model = LoadModel(SourcePath("tests/data/passes/" + name), Ops());
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(*model) : Model{};
}

std::vector<PassReport> Optimize(Model& model, std::vector<std::string> passes) {
  auto reports = OptimizeModel(model, Ops(), {.passes = std::move(passes), .verify_each = true});
  EXPECT_TRUE(reports.ok()) << reports.status();
  return reports.ok() ? *reports : std::vector<PassReport>{};
}

// Both graphs on the same random inputs and states (T = 3 tokens at position 2, capacity 8).
void ExpectSameResults(const Model& before, const Model& after, double max_nmse) {
  for (auto make : {&MakeReferenceExecutor}) {
    auto executor = make(Ops());
    auto a = ::anvil::testing::RunGraphRandom(*executor, before.graph, 3, 8, 2, 42);
    auto b = ::anvil::testing::RunGraphRandom(*executor, after.graph, 3, 8, 2, 42);
    ASSERT_TRUE(a.ok()) << a.status();
    ASSERT_TRUE(b.ok()) << b.status();
    ASSERT_EQ(a->outputs.size(), b->outputs.size());
    for (size_t i = 0; i < a->outputs.size(); ++i) {
      EXPECT_LE(::anvil::testing::Nmse(b->outputs[i], a->outputs[i]), max_nmse) << "output " << i;
    }
    for (size_t i = 0; i < a->states.size(); ++i) {
      EXPECT_LE(::anvil::testing::Nmse(b->states[i], a->states[i]), max_nmse) << "state " << i;
    }
  }
}

class PassGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PassGoldenTest, RewritesAsExpectedAndComputesTheSame) {
  const std::string pass = GetParam();
  Model before = Load(pass + ".in.pbtxt");
  Model after = before;
  const std::vector<PassReport> reports = Optimize(after, {pass});
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_TRUE(reports[0].changed) << FormatPassReport(reports[0]);
  const std::string text = ModelToText(after);
  const std::string golden = SourcePath("tests/data/passes/" + pass + ".out.pbtxt");
  if (std::getenv("ANVIL_UPDATE_GOLDEN") != nullptr) {
    ::anvil::testing::WriteFile(golden, text);
  } else {
    EXPECT_EQ(text, ReadFile(golden)) << "differs from " << golden << " (ANVIL_UPDATE_GOLDEN=1 rewrites it)";
  }
  // The golden output is itself a valid graph.
  EXPECT_TRUE(ParseModelText(text, golden, Ops()).ok());
  ExpectSameResults(before, after, 1e-12);
  // Running the pass again finds nothing more to do.
  EXPECT_FALSE(Optimize(after, {pass})[0].changed);
}

INSTANTIATE_TEST_SUITE_P(Passes, PassGoldenTest,
                         ::testing::Values("concat_qkv", "concat_gate_up", "fuse_add_rms_norm",
                                           "fuse_split_rope_kv_write", "fuse_gate_up_swiglu", "dead_code_elimination"));

TEST(PassTest, AddRmsNormMustNotFuse) {
  Model model = Load("fuse_add_rms_norm.nofuse.pbtxt");
  const std::string before = ModelToText(model);
  EXPECT_FALSE(Optimize(model, {"fuse_add_rms_norm"})[0].changed);
  EXPECT_EQ(ModelToText(model), before);
}

TEST(PassTest, SplitRopeKvWriteNeedsMatchingRope) {
  Model model = Load("fuse_split_rope_kv_write.in.pbtxt");
  Graph& g = model.graph;
  g.node(*g.FindNode("k_rope")).attrs.Set("theta", 500000.0);  // q and k rotate differently
  EXPECT_FALSE(Optimize(model, {"fuse_split_rope_kv_write"})[0].changed);
  Model shared = Load("fuse_split_rope_kv_write.in.pbtxt");
  // A split output with a second reader cannot disappear into the fused op.
  Node extra;
  extra.name = "peek";
  extra.op = "silu";
  extra.inputs = {*shared.graph.FindValue("k")};
  extra.outputs = {*shared.graph.AddIntermediate("peeked")};
  ASSERT_TRUE(shared.graph.AddNode(extra).ok());
  shared.graph.outputs().push_back(extra.outputs[0]);
  ASSERT_TRUE(VerifyGraph(shared.graph, Ops()).ok());
  EXPECT_FALSE(Optimize(shared, {"fuse_split_rope_kv_write"})[0].changed);
}

TEST(PassTest, ConcatQkvNeedsOneDType) {
  Model model = Load("concat_qkv.in.pbtxt");
  Graph& g = model.graph;
  Value& wk = g.value(*g.FindValue("wk"));
  std::vector<uint8_t> half(wk.data.size() / 2);  // same values count in f16
  wk.type.dtype = DType::kF16;
  wk.data = TensorData::Owned(half);
  ASSERT_TRUE(VerifyGraph(g, Ops()).ok());
  EXPECT_FALSE(Optimize(model, {"concat_qkv"})[0].changed);
}

TEST(PassTest, PlanMemoryTurnsOnInPlaceWrites) {
  Model model = Load("fuse_add_rms_norm.in.pbtxt");
  EXPECT_FALSE(model.graph.memory_in_place);
  EXPECT_TRUE(Optimize(model, {"plan_memory"})[0].changed);
  EXPECT_TRUE(model.graph.memory_in_place);
  EXPECT_FALSE(Optimize(model, {"plan_memory"})[0].changed);
}

TEST(PassTest, PassListParsing) {
  auto ok = ParsePassList("concat_qkv, plan_memory");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (std::vector<std::string>{"concat_qkv", "plan_memory"}));
  auto bad = ParsePassList("concat_qkv,fuse_everything");
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(absl::StartsWith(bad.status().message(), "unknown pass 'fuse_everything' (known: concat_qkv, "));
}

TEST(PatternTest, CapturesMustAgree) {
  // add(x, x) matches add(Any("v"), Any("v")); add(x, y) does not.
  Model model = Load("fuse_add_rms_norm.in.pbtxt");
  const Graph& g = model.graph;
  const Pattern same = Pattern::Op("add", {Pattern::Any("v"), Pattern::Any("v")});
  const Pattern any = Pattern::Op("add", {Pattern::Any("v"), Pattern::Any("w")});
  const NodeId residual = *g.FindNode("residual");
  EXPECT_FALSE(MatchAt(g, residual, same).has_value());
  auto m = MatchAt(g, residual, any);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(g.value(m->value("v")).name, "a");
  // OnlyUse: "sum" is read by the norm and by "next", so a single-use edge does not match.
  const Pattern single = Pattern::Op("rms_norm", {Pattern::Op("add", {Pattern::Any(), Pattern::Any()}).OnlyUse(), Pattern::Any()});
  const Pattern shared = Pattern::Op("rms_norm", {Pattern::Op("add", {Pattern::Any(), Pattern::Any()}), Pattern::Any()});
  EXPECT_FALSE(MatchAt(g, *g.FindNode("norm"), single).has_value());
  EXPECT_TRUE(MatchAt(g, *g.FindNode("norm"), shared).has_value());
}

}  // namespace
}  // namespace anvil
