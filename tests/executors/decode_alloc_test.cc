// A decode step on the CPU executor allocates nothing: after the warm-up step (which binds the
// kernels, sizes their scratch and captures the plan), every Decode and DecodeGreedy replays the
// capture on memory the session already holds, for every weight dtype. (Eager steps, with capture
// off, bind every kernel again and do allocate: they are the baseline a capture is measured
// against.) Counted through a replacement of the
// global operator new (every C++ allocation of this program, on any thread), so this suite is
// its own test binary.
#include <atomic>
#include <cstdlib>
#include <new>

#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "graph/passes/pipeline.h"
#include "gtest/gtest.h"
#include "models/synthetic.h"
#include "ops/registry.h"

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
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

namespace anvil {
namespace {

class DecodeAllocTest : public ::testing::TestWithParam<DType> {};

TEST_P(DecodeAllocTest, DecodeStepsAllocateNothing) {
  auto config = SyntheticPreset("stories15m");
  ASSERT_TRUE(config.ok()) << config.status();
  auto model = BuildSyntheticModel(*config, GetParam(), 7);
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_TRUE(OptimizeModel(*model, Ops()).ok());
  auto session = Session::Create(std::make_shared<const Model>(std::move(*model)), MakeCpuExecutor(Ops(), {.threads = 2}),
                                 {.capacity = 64});
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_TRUE((*session)->Prefill({1, 2, 3, 4}).ok());
  ASSERT_TRUE((*session)->Decode(5).ok());  // warm-up: binds and captures the decode plan
  const int64_t before = allocations.load();
  int32_t next = 0;
  for (int i = 0; i < 8; ++i) {
    auto out = i % 2 == 0 ? (*session)->Decode(6 + i) : (*session)->DecodeGreedy();
    ASSERT_TRUE(out.ok()) << out.status();
    next ^= out->next_id;
  }
  EXPECT_EQ(allocations.load() - before, 0) << "operator new calls in 8 decode steps";
  EXPECT_EQ((*session)->counters().replays, 8);
  // The counter sees allocations at all (a replacement that is not linked in would pass above).
  const int64_t probe = allocations.load();
  auto* v = new std::vector<int32_t>(1, next);
  EXPECT_GT(allocations.load(), probe);
  delete v;
}

INSTANTIATE_TEST_SUITE_P(Dtypes, DecodeAllocTest,
                         ::testing::Values(DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0),
                         [](const auto& info) { return std::string(DTypeName(info.param)); });

}  // namespace
}  // namespace anvil
