// Decode steps of stories260K, eager vs replayed from the capture, on CPU and Vulkan: wall time
// per step and host time per step before waiting on the device (on Vulkan, the submit cost).
//
//   build/bench/replay_bench --benchmark_counters_tabular=true
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "executors/vulkan/vulkan_executor.h"
#include "graph/model_io.h"
#include "graph/passes/pipeline.h"
#include "models/importers/llama2c.h"
#include "ops/registry.h"

namespace anvil {
namespace {

std::string Shared(const std::string& relative) {
  const char* dir = std::getenv("ANVIL_SHARED_DIR");
  return absl::StrCat(dir != nullptr ? dir : absl::StrCat(ANVIL_SOURCE_DIR, "/../shared"), "/", relative);
}

std::shared_ptr<const Model> Stories() {
  static std::shared_ptr<const Model> model = [] {
    auto imported = ImportLlama2c(Shared("models/stories260K.bin"), Shared("models/tok512.bin"));
    if (!imported.ok()) {
      std::fprintf(stderr, "%s\n", std::string(imported.status().message()).c_str());
      std::exit(1);
    }
    (void)OptimizeModel(*imported, Ops());
    return std::make_shared<const Model>(std::move(*imported));
  }();
  return model;
}

std::shared_ptr<Executor> MakeExecutor(bool vulkan) {
  if (!vulkan) return MakeCpuExecutor(Ops());
  VulkanExecutorOptions options;
  options.pipeline_cache = "";
  auto executor = MakeVulkanExecutor(Ops(), options);
  return executor.ok() ? *executor : nullptr;
}

// mode 0: eager every step; 1: replay (host feeds the id); 2: replay with device-side feedback.
void BM_DecodeStep(benchmark::State& state) {
  const bool vulkan = state.range(0) == 1;
  const int mode = static_cast<int>(state.range(1));
  auto executor = MakeExecutor(vulkan);
  if (executor == nullptr) {
    state.SkipWithError("no Vulkan device");
    return;
  }
  auto session = Session::Create(Stories(), executor, {.capacity = 512, .capture = mode != 0});
  if (!session.ok()) {
    state.SkipWithError(std::string(session.status().message()).c_str());
    return;
  }
  int32_t next = 1;
  int64_t steps = 0;
  for (auto _ : state) {
    if ((*session)->position() + 1 >= (*session)->capacity()) {
      state.PauseTiming();
      (*session)->Reset();
      next = 1;
      state.ResumeTiming();
    }
    auto out = mode == 2 && (*session)->position() > 0 ? (*session)->DecodeGreedy() : (*session)->Decode(next);
    next = out->next_id;
    ++steps;
  }
  const SessionCounters& c = (*session)->counters();
  const double host = mode == 0 ? c.eager_decode_host_seconds / std::max<int64_t>(c.eager_decode_steps, 1)
                                : c.replay_host_seconds / std::max<int64_t>(c.replays, 1);
  state.counters["host_us"] = host * 1e6;
  state.counters["replays"] = static_cast<double>(c.replays);
  state.SetLabel(absl::StrCat(vulkan ? "vulkan" : "cpu", mode == 0 ? " eager" : mode == 1 ? " replay" : " replay+feedback"));
}

BENCHMARK(BM_DecodeStep)
    ->ArgsProduct({{0, 1}, {0, 1, 2}})
    ->ArgNames({"vulkan", "mode"})
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(0.5);

}  // namespace
}  // namespace anvil

BENCHMARK_MAIN();
