// The Vulkan executor as a whole: stories260K token-exact against llama2.c's golden run on
// lavapipe, prefill == token-by-token decode, tensors split into row blocks when a binding is too
// small, the pipeline cache on disk, clear errors, and zero validation errors.
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "executors/vulkan/device.h"
#include "graph/model_io.h"
#include "graph/passes/pipeline.h"
#include "gtest/gtest.h"
#include "models/importers/llama2c.h"
#include "nlohmann/json.hpp"
#include "ops/registry.h"
#include "tests/executors/vulkan_test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::SharedPath;

std::shared_ptr<const Model> Stories(bool optimized) {
  static std::shared_ptr<const Model> models[2];
  if (models[optimized] == nullptr) {
    auto imported = ImportLlama2c(SharedPath("models/stories260K.bin"), SharedPath("models/tok512.bin"));
    EXPECT_TRUE(imported.ok()) << imported.status();
    if (!imported.ok()) return nullptr;
    const std::string path = ::testing::TempDir() + "/vk_stories260K.graph";
    EXPECT_TRUE(SaveModel(*imported, path).ok());
    auto loaded = LoadModel(path, Ops());
    EXPECT_TRUE(loaded.ok());
    if (optimized) {
      EXPECT_TRUE(OptimizeModel(*loaded, Ops()).ok());
    }
    models[optimized] = std::make_shared<const Model>(std::move(*loaded));
  }
  return models[optimized];
}

using Golden = ::anvil::testing::Golden;
const Golden& LoadGolden() { return ::anvil::testing::Stories260kGolden(); }

float MaxAbsDiff(absl::Span<const float> a, absl::Span<const float> b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

// 256 golden steps on `executor`; returns the worst logit difference.
float RunGolden(std::shared_ptr<Executor> executor, bool optimized, int64_t capacity = 0) {
  auto session = Session::Create(Stories(optimized), executor, {.capacity = capacity});
  EXPECT_TRUE(session.ok()) << session.status();
  if (!session.ok()) return 1e9f;
  const Golden& golden = LoadGolden();
  float worst = 0;
  for (int i = 0; i < 256; ++i) {
    auto out = (*session)->Decode(golden.input_ids[i]);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return 1e9f;
    EXPECT_EQ(out->next_id, golden.next_ids[i]) << "step " << i;
    if (out->next_id != golden.next_ids[i]) return 1e9f;
    worst = std::max(worst, MaxAbsDiff(out->logits, absl::MakeConstSpan(golden.logits.data() + i * 512, 512)));
  }
  return worst;
}

TEST(VulkanExecutorTest, Stories260kGoldenAsWrittenAndOptimized) {
  ANVIL_REQUIRE_VULKAN(vulkan);
  for (bool optimized : {false, true}) {
    EXPECT_LE(RunGolden(vulkan, optimized), 1e-4f) << (optimized ? "optimized" : "as written");
  }
  EXPECT_EQ(::anvil::testing::ValidationErrors(*vulkan), 0) << VulkanStatusOf(*vulkan)->last_validation_message;
}

TEST(VulkanExecutorTest, SmallBindingLimitSplitsWeightsIntoRowBlocks) {
  ANVIL_REQUIRE_VULKAN(shared);
  // 32 KiB bindings (the KV cache of 256 tokens just fits): the 128 KiB embedding table and tied
  // LM head, the gate/up halves and ffn_down are bound in row blocks, one dispatch each.
  VulkanExecutorOptions options;
  options.validation = true;
  options.pipeline_cache = "";
  options.max_binding_bytes = 32768;
  auto vulkan = MakeVulkanExecutor(Ops(), options);
  ASSERT_TRUE(vulkan.ok()) << vulkan.status();
  EXPECT_LE(RunGolden(*vulkan, true, 256), 1e-4f);
  auto session = Session::Create(Stories(true), *vulkan, {.capacity = 256});
  ASSERT_TRUE(session.ok());
  auto plan = (*session)->PlanFor(1);
  ASSERT_TRUE(plan.ok()) << plan.status();
  // embedding 4 blocks, LM head 4, and 2 each for 5 gate_up_swiglu and 5 ffn_down.
  EXPECT_EQ((*plan)->dispatches(), 45 + 3 + 3 + 5 + 5);
  EXPECT_EQ(::anvil::testing::ValidationErrors(**vulkan), 0) << VulkanStatusOf(**vulkan)->last_validation_message;
}

TEST(VulkanExecutorTest, PrefillEqualsTokenByTokenAndMatchesCpu) {
  ANVIL_REQUIRE_VULKAN(vulkan);
  const std::vector<int32_t> prompt = {1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401};
  auto batched = Session::Create(Stories(true), vulkan);
  auto stepwise = Session::Create(Stories(true), vulkan);
  auto cpu = Session::Create(Stories(true), MakeCpuExecutor(Ops()));
  ASSERT_TRUE(batched.ok() && stepwise.ok() && cpu.ok());
  auto a = (*batched)->Prefill(prompt);
  auto c = (*cpu)->Prefill(prompt);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(c.ok());
  StepOutput b;
  for (int32_t id : prompt) {
    auto out = (*stepwise)->Decode(id);
    ASSERT_TRUE(out.ok());
    b = *out;
  }
  EXPECT_LE(MaxAbsDiff(a->logits, b.logits), 1e-4f);
  EXPECT_LE(MaxAbsDiff(a->logits, c->logits), 1e-4f);
  EXPECT_EQ(a->next_id, b.next_id);
  EXPECT_EQ(a->next_id, c->next_id);
}

TEST(VulkanExecutorTest, OneCommandBufferWithFewBarriers) {
  ANVIL_REQUIRE_VULKAN(vulkan);
  auto session = Session::Create(Stories(true), vulkan);
  ASSERT_TRUE(session.ok());
  auto plan = (*session)->PlanFor(1);
  ASSERT_TRUE(plan.ok());
  ASSERT_TRUE((*plan)->Capture().ok());
  // One dispatch per node of the optimized graph. The optimized decode step is a chain, so each
  // dispatch but the first waits on the one before it: exactly one barrier per dependency.
  EXPECT_EQ((*plan)->dispatches(), 45);
  EXPECT_EQ((*plan)->barriers(), 44);
  RecordProperty("barriers", std::to_string((*plan)->barriers()));
}

TEST(VulkanExecutorTest, PipelineCacheRoundTripAndCorruptFile) {
  ANVIL_REQUIRE_VULKAN(shared);
  const std::string dir = ::anvil::testing::TempDir();
  const std::string path = dir + "/pipelines.bin";
  VulkanExecutorOptions options;
  options.pipeline_cache = path;
  {
    auto first = MakeVulkanExecutor(Ops(), options);
    ASSERT_TRUE(first.ok());
    EXPECT_FALSE(VulkanStatusOf(**first)->pipeline_cache_loaded);
    auto session = Session::Create(Stories(true), *first);
    ASSERT_TRUE(session.ok());
    ASSERT_TRUE((*session)->Decode(1).ok());
  }
  ASSERT_TRUE(std::filesystem::exists(path));
  {
    auto second = MakeVulkanExecutor(Ops(), options);
    ASSERT_TRUE(second.ok());
    EXPECT_TRUE(VulkanStatusOf(**second)->pipeline_cache_loaded);
  }
  std::string bytes = ::anvil::testing::ReadFile(path);
  bytes[bytes.size() / 2] ^= 0x5a;
  ::anvil::testing::WriteFile(path, bytes);
  auto third = MakeVulkanExecutor(Ops(), options);
  ASSERT_TRUE(third.ok());
  const VulkanStatus status = *VulkanStatusOf(**third);
  EXPECT_FALSE(status.pipeline_cache_loaded);
  EXPECT_EQ(status.pipeline_cache_warning, "ignoring pipeline cache " + path + ": its checksum does not match (damaged)");
  auto session = Session::Create(Stories(true), *third);
  ASSERT_TRUE(session.ok());
  auto out = (*session)->Decode(1);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->next_id, LoadGolden().next_ids[0]);
}

// Vulkan 1.0-1.3 devices must support robustBufferAccess; anvil turns it on (shapes come from files).
TEST(VulkanExecutorTest, RobustBufferAccessIsEnabled) {
  ANVIL_REQUIRE_VULKAN(vulkan);
  auto context = vk::Context::Create({});
  ASSERT_TRUE(context.ok()) << context.status();
  EXPECT_TRUE((*context)->caps().robust_buffer_access) << (*context)->caps().device_name;
}

TEST(VulkanExecutorTest, ErrorsInsteadOfUndefinedBehaviour) {
  ANVIL_REQUIRE_VULKAN(vulkan);
  auto session = Session::Create(Stories(true), vulkan, {.capacity = 8});
  ASSERT_TRUE(session.ok());
  auto bad = (*session)->Decode(512);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "node 'token_embd': token id 512 is outside the vocabulary (512 tokens)");
  const std::vector<int32_t> nine(9, 1);
  EXPECT_FALSE((*session)->Prefill(nine).ok());
  // A device-memory budget smaller than the model is an error, not a crash.
  VulkanExecutorOptions tiny;
  tiny.pipeline_cache = "";
  tiny.memory_budget_bytes = 64 * 1024;
  auto small = MakeVulkanExecutor(Ops(), tiny);
  ASSERT_TRUE(small.ok());
  auto starved = Session::Create(Stories(true), *small);
  absl::Status status = starved.ok() ? (*starved)->Decode(1).status() : starved.status();
  ASSERT_FALSE(status.ok());
  EXPECT_TRUE(absl::IsResourceExhausted(status)) << status;
  EXPECT_TRUE(absl::StrContains(status.message(), "out of device memory")) << status;
  // A lost device (simulated at the 4th submission) fails that step and every later one with
  // UNAVAILABLE, in every session of the executor, without crashing or hanging.
  VulkanExecutorOptions fragile;
  fragile.pipeline_cache = "";
  fragile.simulate_device_lost_after_submits = 3;
  auto lossy = MakeVulkanExecutor(Ops(), fragile);
  ASSERT_TRUE(lossy.ok());
  auto doomed = Session::Create(Stories(true), *lossy, {.capacity = 8});
  ASSERT_TRUE(doomed.ok());
  absl::Status lost;
  int steps = 0;
  for (; steps < 8 && lost.ok(); ++steps) lost = (*doomed)->Decode(1).status();
  ASSERT_FALSE(lost.ok()) << "the simulated loss never happened";
  EXPECT_TRUE(absl::IsUnavailable(lost)) << lost;
  EXPECT_TRUE(absl::StrContains(lost.message(), "VK_ERROR_DEVICE_LOST")) << lost;
  auto after = (*doomed)->Decode(1).status();
  EXPECT_TRUE(absl::IsUnavailable(after)) << after;
  EXPECT_TRUE(absl::StrContains(after.message(), "the Vulkan device was lost")) << after;
  auto other = Session::Create(Stories(true), *lossy, {.capacity = 8});
  absl::Status other_status = other.ok() ? (*other)->Decode(1).status() : other.status();
  EXPECT_TRUE(absl::IsUnavailable(other_status)) << other_status;
  // A device index that does not exist.
  VulkanExecutorOptions missing;
  missing.device = 42;
  auto none = MakeVulkanExecutor(Ops(), missing);
  ASSERT_FALSE(none.ok());
  EXPECT_TRUE(absl::StrContains(none.status().message(), "--device 42 does not exist")) << none.status();
}

}  // namespace
}  // namespace anvil
