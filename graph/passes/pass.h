// The optimizer's one interface: a pass rewrites a graph and says whether it changed it.
// One pass per file in graph/passes/; the order lives in pipeline.cc.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/op_def.h"

namespace anvil {

struct PassContext {
  const OpRegistry& registry;
  const ModelConfig& config;
};

class Pass {
 public:
  virtual ~Pass() = default;
  virtual std::string name() const = 0;
  // Rewrites `graph` in place; returns whether anything changed. The graph must stay valid
  // (the pipeline can verify it after every pass).
  virtual absl::StatusOr<bool> Run(Graph& graph, const PassContext& context) = 0;
};

// Factories, one per file.
std::unique_ptr<Pass> MakeConcatQkvPass();
std::unique_ptr<Pass> MakeConcatGateUpPass();
std::unique_ptr<Pass> MakeFuseAddRmsNormPass();
std::unique_ptr<Pass> MakeFuseSplitRopeKvWritePass();
std::unique_ptr<Pass> MakeFuseGateUpSwigluPass();
std::unique_ptr<Pass> MakeDeadCodeEliminationPass();
std::unique_ptr<Pass> MakePlanMemoryPass();

}  // namespace anvil
