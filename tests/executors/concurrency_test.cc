// One loaded model shared read-only by several sessions on different threads: four sessions run
// at once, on one CPU executor or one Vulkan executor, and each produces exactly the tokens and
// logits it produces alone. (CI runs this suite 20 times in a row: scripts/test.sh.)
#include <thread>

#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "graph/passes/pipeline.h"
#include "gtest/gtest.h"
#include "models/importers/llama2c.h"
#include "ops/registry.h"
#include "tests/executors/vulkan_test_util.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

std::shared_ptr<const Model> Stories() {
  static std::shared_ptr<const Model> model = []() -> std::shared_ptr<const Model> {
    auto imported = ImportLlama2c(::anvil::testing::SharedPath("models/stories260K.bin"),
                                  ::anvil::testing::SharedPath("models/tok512.bin"));
    EXPECT_TRUE(imported.ok()) << imported.status();
    if (!imported.ok()) return nullptr;
    EXPECT_TRUE(OptimizeModel(*imported, Ops()).ok());
    return std::make_shared<const Model>(std::move(*imported));
  }();
  return model;
}

struct Run {
  std::vector<int32_t> ids;     // greedy continuation
  std::vector<float> logits;    // of the last step
  absl::Status status;
};

// A different prompt per session (prompt lengths differ too, so the prefill plans differ).
std::vector<int32_t> Prompt(int session) {
  std::vector<int32_t> prompt = {1};
  for (int i = 0; i < session * 3; ++i) prompt.push_back(20 + 37 * session + 11 * i);
  return prompt;
}

Run Generate(std::shared_ptr<Executor> executor, int session, int tokens) {
  Run run;
  auto s = Session::Create(Stories(), std::move(executor), {.capacity = 64});
  if (!s.ok()) {
    run.status = s.status();
    return run;
  }
  auto out = (*s)->Prefill(Prompt(session));
  for (int i = 0; out.ok() && i < tokens; ++i) {
    run.ids.push_back(out->next_id);
    out = (*s)->DecodeGreedy();
  }
  if (!out.ok()) {
    run.status = out.status();
    return run;
  }
  run.logits.assign(out->logits.begin(), out->logits.end());
  return run;
}

void ExpectConcurrentMatchesAlone(std::shared_ptr<Executor> executor) {
  ASSERT_NE(Stories(), nullptr);
  constexpr int kSessions = 4, kTokens = 40;
  std::vector<Run> alone;
  for (int i = 0; i < kSessions; ++i) {
    alone.push_back(Generate(executor, i, kTokens));
    ASSERT_TRUE(alone.back().status.ok()) << alone.back().status;
  }
  // Not all the same: the comparison below would not notice sessions swapping results.
  EXPECT_NE(alone[0].ids, alone[1].ids);
  std::vector<Run> together(kSessions);
  std::vector<std::thread> threads;
  for (int i = 0; i < kSessions; ++i) {
    threads.emplace_back([&, i] { together[i] = Generate(executor, i, kTokens); });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kSessions; ++i) {
    SCOPED_TRACE("session " + std::to_string(i));
    ASSERT_TRUE(together[i].status.ok()) << together[i].status;
    EXPECT_EQ(together[i].ids, alone[i].ids);
    EXPECT_EQ(together[i].logits, alone[i].logits);  // bitwise: the same plans on the same data
  }
}

TEST(Concurrency, FourCpuSessionsShareOneModelAndExecutor) {
  ExpectConcurrentMatchesAlone(MakeCpuExecutor(Ops(), {.threads = 2}));
}

TEST(Concurrency, FourVulkanSessionsShareOneModelAndExecutor) {
  ANVIL_REQUIRE_VULKAN(vulkan);
  ExpectConcurrentMatchesAlone(vulkan);
  EXPECT_EQ(::anvil::testing::ValidationErrors(*vulkan), 0);
}

}  // namespace
}  // namespace anvil
