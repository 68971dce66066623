// The optimizer pipeline: which passes run, in which order (one place), and what each changed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/op_def.h"

namespace anvil {

// Pipeline v1, in order.
const std::vector<std::string>& DefaultPassNames();

struct PipelineOptions {
  std::vector<std::string> passes = DefaultPassNames();  // empty: --no-passes
  bool verify_each = false;  // run the verifier after every pass (always at the end)
};

// Parses "--passes=a,b,c" (names checked against the known passes).
absl::StatusOr<std::vector<std::string>> ParsePassList(const std::string& text);

struct PassReport {
  std::string pass;
  bool changed = false;
  int64_t nodes_before = 0;
  int64_t nodes_after = 0;
  int64_t weights_before = 0;  // initializers
  int64_t weights_after = 0;
  std::map<std::string, int64_t> op_delta;  // op -> count after minus count before (non-zero only)
};

// Runs the passes over `model.graph`; errors name the pass.
absl::StatusOr<std::vector<PassReport>> OptimizeModel(Model& model, const OpRegistry& registry,
                                                      const PipelineOptions& options = {});

// "fuse_add_rms_norm: 105 -> 95 nodes (add -10, rms_norm -10, add_rms_norm +10)"
std::string FormatPassReport(const PassReport& report);

}  // namespace anvil
