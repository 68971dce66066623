// Fuzzes what `anvil run` does with a model that loads: the optimizer's passes, the CPU
// executor's kernels bound to file-decided shapes, and a session's prefill and decode steps. An
// input is a text-form model (text mutations keep more of them loadable than binary ones); each
// model that loads runs as written and optimized, three prompt tokens then two decode steps.
// Models whose activations or KV cache would take more than 64 MiB are skipped: a real request
// for that much is not an error, and the fuzzer's memory limit would report it as one.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "graph/memory_plan.h"
#include "graph/model_io.h"
#include "graph/passes/pipeline.h"
#include "ops/registry.h"
#include "tests/fuzz/fuzz_util.h"

namespace anvil {
namespace {

constexpr int64_t kCapacity = 16;
constexpr uint64_t kMaxBytes = uint64_t{64} << 20;

// Activations at T = 3 (prefill is the largest step here) plus the KV cache at kCapacity.
bool FitsTheBudget(const Model& model) {
  auto plan = PlanMemory(model.graph, Ops(), {{kTokensSymbol, 3}, {kCapacitySymbol, kCapacity}});
  if (!plan.ok()) return true;  // the session reports it
  if (static_cast<uint64_t>(plan->arena_bytes) > kMaxBytes) return false;
  uint64_t states = 0;
  for (ValueId id : model.graph.states()) {
    const Value& v = model.graph.value(id);
    auto dims = BindShape(v.type.shape, {{kCapacitySymbol, kCapacity}});
    if (!dims.ok()) return true;  // the session reports it
    auto bytes = TensorBytes(v.type.dtype, dims->data(), static_cast<int>(dims->size()));
    if (!bytes.ok()) return true;
    states += *bytes;
    if (states > kMaxBytes) return false;
  }
  return true;
}

void Run(Model model) {
  if (!FitsTheBudget(model)) return;
  auto session = Session::Create(std::make_shared<const Model>(std::move(model)), MakeCpuExecutor(Ops(), {.threads = 1}),
                                 {.capacity = kCapacity});
  if (!session.ok()) return;
  auto step = (*session)->Prefill(std::vector<int32_t>{1, 2, 0});
  for (int i = 0; i < 2 && step.ok(); ++i) step = (*session)->Decode(step->next_id);
}

}  // namespace
}  // namespace anvil

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace anvil;
  auto model = ParseModelText(fuzz::AsView(data, size), "fuzz.pbtxt", Ops());
  if (!model.ok()) return 0;
  Model optimized = *model;
  Run(std::move(*model));
  if (OptimizeModel(optimized, Ops()).ok()) Run(std::move(optimized));
  return 0;
}
