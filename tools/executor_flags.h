// --executor cpu|vulkan|reference, --threads, --device, --profile: making the executor a command
// runs on.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "executors/executor.h"
#include "tools/flags.h"

namespace anvil::cli {

struct ExecutorFlags {
  std::string executor = "cpu";
  int64_t threads = 0;
  int64_t device = -1;
  int64_t vk_memory_mib = 0;
  bool profile = false;

  void Register(FlagSet& flags, bool with_profile);
  absl::StatusOr<std::shared_ptr<Executor>> Make() const;
};

// Prints per-op time (summed over nodes of the same op) from `timings`, slowest first.
void PrintProfile(const std::vector<Plan::NodeTiming>& timings, double wall_seconds);

}  // namespace anvil::cli
