// The graph verifier: structure, op schemas, and type/shape inference through the OpDefs.
// Runs after loading and after every optimizer pass. Executors trust a verified graph.
#pragma once

#include "absl/status/status.h"
#include "graph/graph.h"
#include "graph/op_def.h"

namespace anvil {

// Checks `graph` and assigns inferred types to its intermediate values. Errors name the node and
// field: "node 'blk.3.attn_q' (linear): input 1 'blk.3.wq' has shape [64,63], expected [64,64]".
// Callers prefix the file name.
absl::Status VerifyGraph(Graph& graph, const OpRegistry& registry);

// Checks one node against its OpDef and sets the types of its outputs (its inputs must have
// types). Passes use it for the nodes they create.
absl::Status InferNodeTypes(Graph& graph, NodeId node, const OpRegistry& registry);

}  // namespace anvil
