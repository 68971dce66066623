#include "graph/passes/rewrite.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "graph/printers.h"
#include "graph/verifier.h"

namespace anvil {

absl::StatusOr<NodeId> ReplaceWithNode(Graph& graph, const OpRegistry& registry, Node fused,
                                       const std::vector<ValueId>& replaces, const std::vector<NodeId>& remove,
                                       const std::string& name) {
  std::vector<ValueId> outputs;
  for (ValueId old : replaces) {
    ANVIL_ASSIGN_OR_RETURN(ValueId fresh, graph.AddIntermediate(graph.UniqueName(graph.value(old).name + ".fused")));
    outputs.push_back(fresh);
  }
  fused.outputs = outputs;
  fused.name = graph.UniqueNodeName(name + ".fused");
  NodeId first = remove.front();
  for (NodeId n : graph.order()) {
    if (std::find(remove.begin(), remove.end(), n) != remove.end()) {
      first = n;
      break;
    }
  }
  ANVIL_ASSIGN_OR_RETURN(NodeId id, graph.InsertNodeBefore(first, std::move(fused)));
  ANVIL_RETURN_IF_ERROR(InferNodeTypes(graph, id, registry));
  for (size_t i = 0; i < replaces.size(); ++i) graph.ReplaceAllUses(replaces[i], outputs[i]);
  for (NodeId n : remove) {
    for (ValueId out : graph.node(n).outputs) {
      for (const Use& use : graph.Uses(out)) {
        if (std::find(remove.begin(), remove.end(), use.node) == remove.end()) {
          return absl::InternalError(absl::StrCat("rewrite would delete '", graph.value(out).name, "', still read by '",
                                                  graph.node(use.node).name, "'"));
        }
      }
    }
  }
  std::vector<std::string> names;
  for (ValueId old : replaces) names.push_back(graph.value(old).name);
  for (NodeId n : remove) graph.RemoveNode(n);
  for (size_t i = 0; i < outputs.size(); ++i) ANVIL_RETURN_IF_ERROR(graph.RenameValue(outputs[i], names[i]));
  ANVIL_RETURN_IF_ERROR(graph.RenameNode(id, graph.UniqueNodeName(name)));
  ANVIL_RETURN_IF_ERROR(graph.Toposort());
  return id;
}

absl::StatusOr<ValueId> InsertNode(Graph& graph, const OpRegistry& registry, NodeId before, Node node,
                                   const std::string& output) {
  ANVIL_ASSIGN_OR_RETURN(ValueId out, graph.AddIntermediate(graph.UniqueName(output)));
  node.outputs = {out};
  node.name = graph.UniqueNodeName(node.name);
  ANVIL_ASSIGN_OR_RETURN(NodeId id, graph.InsertNodeBefore(before, std::move(node)));
  ANVIL_RETURN_IF_ERROR(InferNodeTypes(graph, id, registry));
  return out;
}

absl::StatusOr<ValueId> ConcatInitializers(Graph& graph, const std::vector<ValueId>& parts, const std::string& name) {
  const Value& first = graph.value(parts[0]);
  Shape shape = first.type.shape;
  int64_t rows = 0;
  bool contiguous = true;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Value& v = graph.value(parts[i]);
    if (v.kind != ValueKind::kInitializer || v.type.dtype != first.type.dtype || v.type.shape.size() != shape.size() ||
        !std::equal(v.type.shape.begin() + 1, v.type.shape.end(), shape.begin() + 1)) {
      return absl::InvalidArgumentError(absl::StrCat("cannot stack '", v.name, "' ", TensorTypeString(v.type), " under '",
                                                     first.name, "' ", TensorTypeString(first.type)));
    }
    rows += v.type.shape[0].size;
    if (i > 0) {
      const Value& prev = graph.value(parts[i - 1]);
      contiguous &= v.data.owner() == prev.data.owner() && prev.data.data() + prev.data.size() == v.data.data();
    }
  }
  shape[0] = Dim::Fixed(rows);
  Value concat;
  concat.name = name;
  concat.kind = ValueKind::kInitializer;
  concat.type = {first.type.dtype, shape};
  concat.has_type = true;
  size_t total = 0;
  for (ValueId id : parts) total += graph.value(id).data.size();
  if (contiguous) {
    concat.data = TensorData::View(first.data.owner(), first.data.data(), total);
  } else {
    AlignedBuffer bytes(total);
    if (!bytes.ok()) return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", total, " B for '", name, "'"));
    size_t at = 0;
    for (ValueId id : parts) {
      const TensorData& d = graph.value(id).data;
      std::memcpy(bytes.data() + at, d.data(), d.size());
      at += d.size();
    }
    concat.data = TensorData::Owned(std::move(bytes));
  }
  return graph.AddValue(std::move(concat));
}

std::string LayerPrefix(const std::string& name) {
  const int64_t layer = LayerOfName(name);
  return layer < 0 ? "" : absl::StrCat("blk.", layer, ".");
}

}  // namespace anvil
