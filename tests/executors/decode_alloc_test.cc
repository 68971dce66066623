// A decode step on the CPU executor allocates nothing: after the warm-up step (which binds the
// kernels, sizes their scratch and captures the plan), every Decode and DecodeGreedy replays the
// capture on memory the session already holds, for every weight dtype. (Eager steps, with capture
// off, bind every kernel again and do allocate: they are the baseline a capture is measured
// against.) Counted through a replacement of every form of the global operator new (every C++
// allocation of this program, on any thread), so this suite is its own test binary.
#include <atomic>
#include <cstdlib>
#include <new>

#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "executors/vulkan/vulkan_executor.h"
#include "graph/passes/pipeline.h"
#include "gtest/gtest.h"
#include "models/synthetic.h"
#include "ops/registry.h"
#include "tests/test_util.h"

namespace {
std::atomic<int64_t> allocations{0};

void* Allocate(std::size_t bytes, std::size_t alignment) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  bytes = bytes == 0 ? 1 : bytes;
  void* p = alignment <= alignof(std::max_align_t)
                ? std::malloc(bytes)
                : std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
  if (p == nullptr) std::abort();  // out of memory in a test: nothing to recover
  return p;
}
}  // namespace

void* operator new(std::size_t bytes) { return Allocate(bytes, 0); }
void* operator new[](std::size_t bytes) { return Allocate(bytes, 0); }
void* operator new(std::size_t bytes, std::align_val_t a) { return Allocate(bytes, static_cast<std::size_t>(a)); }
void* operator new[](std::size_t bytes, std::align_val_t a) { return Allocate(bytes, static_cast<std::size_t>(a)); }
void* operator new(std::size_t bytes, const std::nothrow_t&) noexcept { return Allocate(bytes, 0); }
void* operator new[](std::size_t bytes, const std::nothrow_t&) noexcept { return Allocate(bytes, 0); }
void* operator new(std::size_t bytes, std::align_val_t a, const std::nothrow_t&) noexcept {
  return Allocate(bytes, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t bytes, std::align_val_t a, const std::nothrow_t&) noexcept {
  return Allocate(bytes, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

namespace anvil {
namespace {

// Runs a prompt, a warm-up decode step that captures the plan, then 8 steps (Decode and
// DecodeGreedy in turn); returns the operator new calls of those 8.
int64_t AllocationsOfEightSteps(DType dtype, std::shared_ptr<Executor> executor) {
  auto config = SyntheticPreset("stories15m");
  EXPECT_TRUE(config.ok()) << config.status();
  auto model = BuildSyntheticModel(*config, dtype, 7);
  EXPECT_TRUE(model.ok()) << model.status();
  if (!model.ok()) return -1;
  EXPECT_TRUE(OptimizeModel(*model, Ops()).ok());
  auto session = Session::Create(std::make_shared<const Model>(std::move(*model)), std::move(executor), {.capacity = 64});
  EXPECT_TRUE(session.ok()) << session.status();
  if (!session.ok()) return -1;
  EXPECT_TRUE((*session)->Prefill({1, 2, 3, 4}).ok());
  EXPECT_TRUE((*session)->Decode(5).ok());  // warm-up: binds and captures the decode plan
  const int64_t before = allocations.load();
  for (int i = 0; i < 8; ++i) {
    auto out = i % 2 == 0 ? (*session)->Decode(6 + i) : (*session)->DecodeGreedy();
    EXPECT_TRUE(out.ok()) << out.status();
  }
  const int64_t count = allocations.load() - before;
  EXPECT_EQ((*session)->counters().replays, 8);
  return count;
}

TEST(DecodeAllocTest, TheCounterSeesAllocations) {
  // A replacement operator new that is not linked in would let every test below pass.
  const int64_t before = allocations.load();
  auto* v = new std::vector<int32_t>(3);
  EXPECT_GT(allocations.load(), before);
  delete v;
}

class CpuDecodeAllocTest : public ::testing::TestWithParam<DType> {};

TEST_P(CpuDecodeAllocTest, DecodeStepsAllocateNothing) {
  EXPECT_EQ(AllocationsOfEightSteps(GetParam(), MakeCpuExecutor(Ops(), {.threads = 2})), 0);
}

// Vulkan replays one recorded command buffer per step (f32 weights; without validation, whose
// layer allocates through operator new of its own accord).
TEST(DecodeAllocTest, VulkanDecodeStepsAllocateNothing) {
  VulkanExecutorOptions options;
  options.pipeline_cache = "";
  auto executor = MakeVulkanExecutor(Ops(), options);
  if (!executor.ok()) {
    if (::anvil::testing::InCi()) FAIL() << "no Vulkan device under CI: " << executor.status();
    GTEST_SKIP() << "no Vulkan device: " << executor.status();
  }
  EXPECT_EQ(AllocationsOfEightSteps(DType::kF32, *executor), 0);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, CpuDecodeAllocTest,
                         ::testing::Values(DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0),
                         [](const auto& info) { return std::string(DTypeName(info.param)); });

}  // namespace
}  // namespace anvil
