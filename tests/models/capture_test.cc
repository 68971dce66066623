// Capture and replay: a replayed decode step equals the eager one bitwise (CPU and Vulkan, on
// stories260K and a random Qwen3-style model); reset, truncate and capacity changes drop the
// capture and stay correct; .capture files round trip, replay across executors within tolerance,
// and damaged or mismatched files give clear errors.
#include <filesystem>

#include "absl/strings/match.h"
#include "base/status.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "graph/capture.h"
#include "graph/model_io.h"
#include "graph/passes/pipeline.h"
#include "gtest/gtest.h"
#include "models/capture_replay.h"
#include "models/importers/llama2c.h"
#include "models/synthetic.h"
#include "ops/registry.h"
#include "tests/executors/vulkan_test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::SharedPath;

// A model written to a .graph, loaded back and optimized (what `anvil capture` runs).
struct SavedModel {
  std::string path;
  std::shared_ptr<const Model> model;
};

SavedModel Save(const Model& model, const std::string& name) {
  SavedModel saved;
  saved.path = ::testing::TempDir() + "/" + name + ".graph";
  EXPECT_TRUE(SaveModel(model, saved.path).ok());
  auto loaded = LoadModel(saved.path, Ops());
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(OptimizeModel(*loaded, Ops()).ok());
  saved.model = std::make_shared<const Model>(std::move(*loaded));
  return saved;
}

const SavedModel& Stories() {
  static const SavedModel saved = [] {
    auto imported = ImportLlama2c(SharedPath("models/stories260K.bin"), SharedPath("models/tok512.bin"));
    EXPECT_TRUE(imported.ok());
    return Save(*imported, "capture_stories");
  }();
  return saved;
}

const SavedModel& Qwen3() {
  static const SavedModel saved = [] {
    ModelConfig c;
    c.family = "qwen3";
    c.vocab_size = 301;
    c.hidden_size = 64;
    c.intermediate_size = 96;
    c.num_layers = 2;
    c.num_heads = 4;
    c.num_kv_heads = 2;
    c.head_dim = 32;
    c.qk_norm = true;
    c.max_context = 128;
    c.rope_layout = "half";
    c.rope_theta = 1000000;
    c.rms_norm_eps = 1e-6;
    c.tie_embeddings = true;
    auto model = BuildSyntheticModel(c, DType::kF32, 99);
    EXPECT_TRUE(model.ok()) << model.status();
    return Save(*model, "capture_qwen3");
  }();
  return saved;
}

std::vector<std::shared_ptr<Executor>> Executors() {
  std::vector<std::shared_ptr<Executor>> list = {MakeCpuExecutor(Ops())};
  if (auto vulkan = ::anvil::testing::SharedVulkan()) list.push_back(vulkan);
  return list;
}

void RequireVulkanUnderCi() {
  if (::anvil::testing::InCi() && ::anvil::testing::SharedVulkan() == nullptr) FAIL() << "no Vulkan device under CI";
}

// 64 decode steps with capture on and off; every logit bitwise equal.
TEST(CaptureTest, ReplayEqualsEagerBitwise) {
  RequireVulkanUnderCi();
  for (const SavedModel* saved : {&Stories(), &Qwen3()}) {
    for (const auto& executor : Executors()) {
      SCOPED_TRACE(saved->path + " on " + executor->name());
      auto replayed = Session::Create(saved->model, executor, {.capacity = 96, .capture = true});
      auto eager = Session::Create(saved->model, executor, {.capacity = 96, .capture = false});
      ASSERT_TRUE(replayed.ok() && eager.ok());
      const std::vector<int32_t> prompt = {1, 5, 9, 200};
      auto a = (*replayed)->Prefill(prompt);
      auto b = (*eager)->Prefill(prompt);
      ASSERT_TRUE(a.ok() && b.ok());
      for (int step = 0; step < 64; ++step) {
        const int32_t next = a->next_id;
        a = (*replayed)->Decode(next);
        b = (*eager)->Decode(next);
        ASSERT_TRUE(a.ok() && b.ok()) << a.status() << b.status();
        ASSERT_TRUE(std::equal(a->logits.begin(), a->logits.end(), b->logits.begin(), b->logits.end())) << "step " << step;
      }
      EXPECT_EQ((*replayed)->counters().captures, 1);
      EXPECT_EQ((*replayed)->counters().replays, 63);
      EXPECT_EQ((*replayed)->counters().eager_steps, 2);  // the prefill and the warm-up step
      EXPECT_EQ((*eager)->counters().captures, 0);
      EXPECT_EQ((*eager)->counters().eager_steps, 65);
    }
  }
}

// Greedy decoding with the id kept on the device (Vulkan) equals feeding it from the host.
TEST(CaptureTest, DeviceSideGreedyFeedbackEqualsHostFeedback) {
  RequireVulkanUnderCi();
  for (const SavedModel* saved : {&Stories(), &Qwen3()}) {
    for (const auto& executor : Executors()) {
      SCOPED_TRACE(saved->path + " on " + executor->name());
      auto host = Session::Create(saved->model, executor, {.capacity = 96});
      auto device = Session::Create(saved->model, executor, {.capacity = 96});
      ASSERT_TRUE(host.ok() && device.ok());
      auto a = (*host)->Prefill(std::vector<int32_t>{1, 5, 9});
      auto b = (*device)->Prefill(std::vector<int32_t>{1, 5, 9});
      ASSERT_TRUE(a.ok() && b.ok());
      for (int step = 0; step < 40; ++step) {
        a = (*host)->Decode(a->next_id);
        b = (*device)->DecodeGreedy();
        ASSERT_TRUE(a.ok() && b.ok()) << b.status();
        ASSERT_EQ(a->next_id, b->next_id) << "step " << step;
        ASSERT_TRUE(std::equal(a->logits.begin(), a->logits.end(), b->logits.begin(), b->logits.end())) << "step " << step;
      }
      EXPECT_EQ((*device)->position(), (*host)->position());
      auto plan = (*device)->PlanFor(1);
      ASSERT_TRUE(plan.ok());
      EXPECT_EQ((*plan)->supports_feedback(), executor->name() == "vulkan");
    }
  }
}

// Feeds `ids` one by one from the session's current position; returns every step's logits.
std::vector<std::vector<float>> Feed(Session& session, const std::vector<int32_t>& ids) {
  std::vector<std::vector<float>> all;
  for (int32_t id : ids) {
    auto out = session.Decode(id);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) break;
    all.emplace_back(out->logits.begin(), out->logits.end());
  }
  return all;
}

TEST(CaptureTest, InvalidationRecapturesAndStaysCorrect) {
  RequireVulkanUnderCi();
  const std::vector<int32_t> ids = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315};
  for (const auto& executor : Executors()) {
    SCOPED_TRACE(executor->name());
    auto session = Session::Create(Stories().model, executor, {.capacity = 64});
    ASSERT_TRUE(session.ok());
    const auto first = Feed(**session, ids);
    // Reset: the same tokens again give the same logits, through a fresh capture.
    (*session)->Reset();
    EXPECT_EQ((*session)->counters().invalidations, 1);
    EXPECT_EQ(Feed(**session, ids), first);
    EXPECT_EQ((*session)->counters().captures, 2);
    // Truncate to 6 tokens and continue: equal to a session that only ever saw those tokens.
    ASSERT_TRUE((*session)->Truncate(6).ok());
    const std::vector<int32_t> tail = {500, 17, 42};
    auto truncated = Feed(**session, tail);
    auto fresh = Session::Create(Stories().model, executor, {.capacity = 64});
    ASSERT_TRUE(fresh.ok());
    Feed(**fresh, std::vector<int32_t>(ids.begin(), ids.begin() + 6));
    EXPECT_EQ(truncated, Feed(**fresh, tail));
    // A larger KV cache keeps the cached tokens; the step plans are rebuilt and captured again.
    const int64_t captures = (*session)->counters().captures;
    ASSERT_TRUE((*session)->SetCapacity(128).ok());
    EXPECT_EQ((*session)->capacity(), 128);
    auto grown = Feed(**session, {7, 8});
    auto wide = Session::Create(Stories().model, executor, {.capacity = 128});
    ASSERT_TRUE(wide.ok());
    std::vector<int32_t> history(ids.begin(), ids.begin() + 6);
    history.insert(history.end(), tail.begin(), tail.end());
    Feed(**wide, history);
    EXPECT_EQ(grown, Feed(**wide, {7, 8}));
    EXPECT_EQ((*session)->counters().captures, captures + 1);
    EXPECT_FALSE((*session)->SetCapacity(4).ok());  // cannot drop cached tokens
  }
}

std::string RecordToFile(const SavedModel& saved, std::shared_ptr<Executor> executor, const std::string& name, int steps) {
  auto session = Session::Create(saved.model, executor, {.capacity = 96});
  EXPECT_TRUE(session.ok());
  auto capture = RecordCapture(**session, std::vector<int32_t>{1, 203, 207}, {.steps = steps});
  EXPECT_TRUE(capture.ok()) << capture.status();
  if (!capture.ok()) return "";
  capture->graph_path = saved.path;
  capture->graph_checksum = saved.model->checksum;
  capture->passes = DefaultPassNames();
  const std::string path = ::testing::TempDir() + "/" + name + ".capture";
  EXPECT_TRUE(SaveCapture(*capture, *saved.model, *saved.model, path).ok());
  return path;
}

absl::StatusOr<ReplayReport> ReplayFile(const SavedModel& saved, const std::string& path, std::shared_ptr<Executor> executor,
                                        bool force = false) {
  auto source = LoadModel(saved.path, Ops());
  if (!source.ok()) return source.status();
  ANVIL_ASSIGN_OR_RETURN(Capture capture, ReadCapture(path));
  ANVIL_ASSIGN_OR_RETURN(Model plan, LoadCapturePlan(path, *source, Ops(), force));
  return ReplayCapture(capture, std::make_shared<const Model>(std::move(plan)), executor, {});
}

TEST(CaptureFileTest, RoundTripReplaysBitwiseOnTheSameExecutor) {
  RequireVulkanUnderCi();
  for (const SavedModel* saved : {&Stories(), &Qwen3()}) {
    for (const auto& executor : Executors()) {
      SCOPED_TRACE(saved->path + " on " + executor->name());
      const std::string path = RecordToFile(*saved, executor, "same_" + executor->name(), 64);
      auto report = ReplayFile(*saved, path, executor);
      ASSERT_TRUE(report.ok()) << report.status();
      EXPECT_TRUE(report->same_executor);
      EXPECT_TRUE(report->ok()) << "step " << report->first_mismatch << ": " << report->mismatch;
      EXPECT_EQ(report->matched, 64);
      EXPECT_EQ(report->counters.replays, 63);
    }
  }
}

TEST(CaptureFileTest, ThePlanIsRebuiltFromTheFileWithoutTheOptimizer) {
  const std::string path = RecordToFile(Stories(), MakeCpuExecutor(Ops()), "plan", 4);
  auto source = LoadModel(Stories().path, Ops());  // as written: 105 nodes
  ASSERT_TRUE(source.ok());
  ASSERT_EQ(source->graph.num_nodes(), 105u);
  auto plan = LoadCapturePlan(path, *source, Ops(), false);
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->graph.num_nodes(), 45u);
  EXPECT_TRUE(plan->graph.memory_in_place);
  // The stacked q/k/v weight is a view of the source file's mapping, not a copy.
  const Value& qkv = plan->graph.value(*plan->graph.FindValue("blk.0.attn_qkv.weight"));
  const Value& q = source->graph.value(*source->graph.FindValue("blk.0.attn_q.weight"));
  EXPECT_EQ(qkv.data.data(), q.data.data());
  auto summary = ReadCapture(path);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->plan_nodes, 45);
  EXPECT_EQ(summary->prompt_ids, (std::vector<int32_t>{1, 203, 207}));
  EXPECT_EQ(summary->steps.size(), 4u);
  EXPECT_EQ(summary->steps[0].position, 3);
}

TEST(CaptureFileTest, ReplaysAcrossExecutorsWithinTolerance) {
  RequireVulkanUnderCi();
  auto executors = Executors();
  if (executors.size() < 2) GTEST_SKIP() << "needs a Vulkan device besides the CPU";
  for (int from = 0; from < 2; ++from) {
    const std::string path = RecordToFile(Stories(), executors[from], "cross_" + executors[from]->name(), 48);
    auto report = ReplayFile(Stories(), path, executors[1 - from]);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_FALSE(report->same_executor);
    EXPECT_TRUE(report->ok()) << "step " << report->first_mismatch << ": " << report->mismatch;
    EXPECT_LE(report->first_logits_nmse, kCrossExecutorNmse);
    EXPECT_LE(report->last_logits_nmse, kCrossExecutorNmse);
  }
}

TEST(CaptureFileTest, DamagedAndMismatchedFiles) {
  const std::string path = RecordToFile(Stories(), MakeCpuExecutor(Ops()), "damaged", 8);
  const std::string bytes = ::anvil::testing::ReadFile(path);
  const std::string dir = ::anvil::testing::TempDir();
  auto expect_error = [&](const std::string& content, const std::string& message) {
    const std::string bad = dir + "/bad.capture";
    ::anvil::testing::WriteFile(bad, content);
    auto capture = ReadCapture(bad);
    ASSERT_FALSE(capture.ok());
    EXPECT_EQ(capture.status().message(), bad + message);
  };
  expect_error(bytes.substr(0, bytes.size() - 10), ": truncated or damaged: the header announces " +
                                                       std::to_string(bytes.size() - 24) + " bytes, " +
                                                       std::to_string(bytes.size() - 34) + " follow");
  expect_error("not a capture at all", " is not a .capture file (no \"ANVLCAPT\" magic)");
  expect_error(::anvil::testing::ReadFile(Stories().path).substr(0, 64), " is a .graph model, not a .capture file");
  std::string damaged = bytes;
  for (size_t i = 24; i < 40; ++i) damaged[i] = '\xff';
  expect_error(damaged, ": the capture does not parse; the file is damaged");
  std::string version = bytes;
  version[8] = 9;
  expect_error(version, ": capture version 9 is not supported (this anvil reads 1)");

  // Another model file: refused with both checksums named, unless forced.
  const SavedModel& other = Qwen3();
  auto source = LoadModel(other.path, Ops());
  ASSERT_TRUE(source.ok());
  auto refused = LoadCapturePlan(path, *source, Ops(), false);
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "was recorded with another model: it names " + Stories().path))
      << refused.status();
  EXPECT_TRUE(absl::StrContains(refused.status().message(), "--force replays anyway"));
}

TEST(CaptureFileTest, AChangedRecordNamesTheFirstDivergingStep) {
  auto session = Session::Create(Stories().model, MakeCpuExecutor(Ops()), {.capacity = 96});
  ASSERT_TRUE(session.ok());
  auto capture = RecordCapture(**session, std::vector<int32_t>{1}, {.steps = 12});
  ASSERT_TRUE(capture.ok());
  capture->graph_path = Stories().path;
  capture->graph_checksum = Stories().model->checksum;
  capture->steps[7].argmax_id = (capture->steps[7].argmax_id + 1) % 512;
  capture->steps[9].logits_digest ^= 1;
  const std::string path = ::testing::TempDir() + "/edited.capture";
  ASSERT_TRUE(SaveCapture(*capture, *Stories().model, *Stories().model, path).ok());
  auto report = ReplayFile(Stories(), path, MakeCpuExecutor(Ops()));
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->ok());
  EXPECT_EQ(report->first_mismatch, 7);
  EXPECT_TRUE(absl::StartsWith(report->mismatch, "argmax ")) << report->mismatch;
  EXPECT_EQ(report->matched, 10);
}

}  // namespace
}  // namespace anvil
