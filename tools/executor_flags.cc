#include "tools/executor_flags.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"

#include "executors/cpu/cpu_executor.h"
#include "executors/reference/reference_executor.h"
#include "executors/vulkan/vulkan_executor.h"
#include "ops/registry.h"

namespace anvil::cli {

void ExecutorFlags::Register(FlagSet& flags, bool with_profile) {
  flags.String("executor", &executor, "cpu, vulkan, or reference (scalar reference kernels: slow, for checking)");
  flags.Int("threads", &threads, "CPU threads; 0 = all", 't');
  flags.Int("device", &device, "Vulkan device index (see `anvil inspect --devices`); -1 = the best one");
  flags.Int("vk-memory-mib", &vk_memory_mib,
            "refuse Vulkan device allocations past this many MiB (0: no limit); shows how a model fails on a smaller GPU");
  if (with_profile) flags.Bool("profile", &profile, "print the time spent per op (timestamp queries on Vulkan, timers on CPU)");
}

absl::StatusOr<std::shared_ptr<Executor>> ExecutorFlags::Make() const {
  if (executor == "cpu" || executor.empty()) {
    if (threads < 0) return absl::InvalidArgumentError(absl::StrCat("--threads must be >= 0 (0 = all), got ", threads));
    CpuExecutorOptions options;
    options.threads = static_cast<int>(threads);
    options.profile = profile;
    return MakeCpuExecutor(Ops(), options);
  }
  if (executor == "reference") return MakeReferenceExecutor(Ops());
  if (executor == "vulkan") {
    VulkanExecutorOptions options;
    options.device = static_cast<int>(device);
    options.profile = profile;
    if (vk_memory_mib < 0) return absl::InvalidArgumentError("--vk-memory-mib must be >= 0");
    options.memory_budget_bytes = static_cast<uint64_t>(vk_memory_mib) << 20;
    return MakeVulkanExecutor(Ops(), options);
  }
  return absl::InvalidArgumentError("--executor must be cpu, vulkan or reference, got '" + executor + "'");
}

void PrintProfile(const std::vector<Plan::NodeTiming>& timings, double wall_seconds) {
  struct OpTotal {
    int64_t nodes = 0, calls = 0;
    double seconds = 0;
  };
  std::map<std::string, OpTotal> by_op;
  double total = 0;
  for (const Plan::NodeTiming& t : timings) {
    OpTotal& o = by_op[t.op];
    ++o.nodes;
    o.calls += t.calls;
    o.seconds += t.seconds;
    total += t.seconds;
  }
  std::vector<std::pair<std::string, OpTotal>> rows(by_op.begin(), by_op.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
  std::fprintf(stderr, "\nprofile (kernel time summed over all steps; %.2f ms wall):\n", wall_seconds * 1e3);
  std::fprintf(stderr, "  %-22s %8s %10s %12s %10s %7s\n", "op", "nodes", "calls", "total ms", "avg us", "share");
  for (const auto& [op, o] : rows) {
    std::fprintf(stderr, "  %-22s %8lld %10lld %12.3f %10.2f %6.1f%%\n", op.c_str(), static_cast<long long>(o.nodes),
                 static_cast<long long>(o.calls), o.seconds * 1e3, o.calls ? o.seconds * 1e6 / o.calls : 0.0,
                 total > 0 ? 100.0 * o.seconds / total : 0.0);
  }
  std::fprintf(stderr, "  %-22s %8s %10s %12.3f\n", "all kernels", "", "", total * 1e3);
}

}  // namespace anvil::cli
