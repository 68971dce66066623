// Human- and machine-readable dumps of a model's graph: text (one line per node), JSON, and
// Graphviz DOT. Output is deterministic (graph order, sorted attributes) so it can be diffed and
// golden-tested.
#pragma once

#include <optional>
#include <string>
#include "absl/strings/string_view.h"

#include "graph/graph.h"

namespace anvil {

struct DumpOptions {
  // Only the nodes of decoder layer N (node names "blk.N.*"), with the values they read.
  std::optional<int64_t> layer;
};

// The decoder layer a node or value belongs to by name ("blk.3.attn_q" -> 3), or -1.
int64_t LayerOfName(absl::string_view name);

std::string DumpText(const Model& model, const DumpOptions& options = {});
std::string DumpJson(const Model& model, const DumpOptions& options = {});
std::string DumpDot(const Model& model, const DumpOptions& options = {});

}  // namespace anvil
