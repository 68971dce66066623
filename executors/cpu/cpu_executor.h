// The TBB CPU executor: a Plan is a flat list of bound kernel calls over one activation arena
// (laid out by the memory planner), the mmapped weights and the session's KV caches.
#pragma once

#include <memory>

#include "executors/executor.h"
#include "graph/op_def.h"

namespace anvil {

struct CpuExecutorOptions {
  int threads = 0;       // 0 = every hardware thread
  bool profile = false;  // time every kernel call (Plan::timings)
};

// The threads a CPU executor asked for `threads` runs: `threads` itself, or for 0 (or less) every
// hardware thread.
int CpuThreads(int threads);

// Creates a CPU executor. `registry` must outlive it.
std::shared_ptr<Executor> MakeCpuExecutor(const OpRegistry& registry, const CpuExecutorOptions& options = {});

}  // namespace anvil
