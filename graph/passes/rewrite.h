// Rewrite helpers shared by the passes.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/op_def.h"

namespace anvil {

// Replaces matched nodes by `fused` (its inputs and attributes set, outputs empty): output i of
// the fused node takes over every use and the name of `replaces[i]`; then the nodes in `remove`
// are deleted (none of their other outputs may still be read). The fused node is placed before
// the first removed node, takes the name `name` and gets its output types inferred.
absl::StatusOr<NodeId> ReplaceWithNode(Graph& graph, const OpRegistry& registry, Node fused,
                                       const std::vector<ValueId>& replaces, const std::vector<NodeId>& remove,
                                       const std::string& name);

// Adds `node` (inputs set; one new output value named `output`) right before `before`, with its
// output type inferred.
absl::StatusOr<ValueId> InsertNode(Graph& graph, const OpRegistry& registry, NodeId before, Node node,
                                   const std::string& output);

// A new initializer `name` holding `parts` stacked along their first axis (they must share dtype
// and trailing dims). When the parts lie back to back in the same buffer -- as the converter
// writes q/k/v and gate/up into a .graph -- the result is a view of those bytes and nothing is
// copied; otherwise the bytes are copied once.
absl::StatusOr<ValueId> ConcatInitializers(Graph& graph, const std::vector<ValueId>& parts, const std::string& name);

// "blk.3." for "blk.3.attn_q"; "" when the name has no layer prefix.
std::string LayerPrefix(const std::string& name);

}  // namespace anvil
