// Loading a model the way every subcommand that runs a graph does: verify, then optimize with
// the pipeline unless told otherwise (--passes=a,b,c, --no-passes, --verify-each).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/passes/pipeline.h"
#include "tools/flags.h"

namespace anvil::cli {

struct PassFlags {
  bool passes_given = false;
  std::string passes;
  bool no_passes = false;
  bool verify_each = false;

  void Register(FlagSet& flags);
  absl::StatusOr<PipelineOptions> Options() const;
};

// Loads `path` and runs the pipeline `flags` select; `reports` (if given) gets what each pass did.
absl::StatusOr<Model> LoadOptimized(const std::string& path, const PassFlags& flags,
                                    std::vector<PassReport>* reports = nullptr);

}  // namespace anvil::cli
