#include "graph/graph.h"

#include <algorithm>
#include <queue>

#include "absl/strings/str_cat.h"

namespace anvil {

const char* ValueKindName(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInput: return "input";
    case ValueKind::kState: return "state";
    case ValueKind::kInitializer: return "initializer";
    case ValueKind::kIntermediate: return "intermediate";
  }
  return "?";
}

absl::StatusOr<ValueId> Graph::AddValue(Value value) {
  if (value.name.empty()) return absl::InvalidArgumentError("a value needs a name");
  auto [it, inserted] = value_by_name_.try_emplace(value.name, static_cast<ValueId>(values_.size()));
  if (!inserted) {
    return absl::InvalidArgumentError(absl::StrCat("value name '", value.name, "' is defined twice"));
  }
  values_.push_back(std::move(value));
  const ValueId id = it->second;
  switch (values_[id].kind) {
    case ValueKind::kInput: inputs_.push_back(id); break;
    case ValueKind::kState: states_.push_back(id); break;
    default: break;
  }
  return id;
}

absl::StatusOr<ValueId> Graph::AddIntermediate(std::string name) {
  Value v;
  v.name = std::move(name);
  v.kind = ValueKind::kIntermediate;
  return AddValue(std::move(v));
}

absl::StatusOr<NodeId> Graph::AddNode(Node node) {
  if (node.name.empty()) return absl::InvalidArgumentError("a node needs a name");
  const NodeId id = static_cast<NodeId>(nodes_.size());
  if (!node_by_name_.try_emplace(node.name, id).second) {
    return absl::InvalidArgumentError(absl::StrCat("node name '", node.name, "' is used twice"));
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    const ValueId out = node.outputs[i];
    if (out >= values_.size()) return absl::InvalidArgumentError("output value id out of range");
    Value& v = values_[out];
    if (v.kind != ValueKind::kIntermediate) {
      node_by_name_.erase(node.name);
      return absl::InvalidArgumentError(absl::StrCat("node '", node.name, "' output ", i, " '",
                                                     v.name, "' is a graph ",
                                                     ValueKindName(v.kind),
                                                     "; only intermediates can be produced"));
    }
    if (v.producer != kNoNode) {
      node_by_name_.erase(node.name);
      return absl::InvalidArgumentError(absl::StrCat("value '", v.name, "' is produced by node '",
                                                     nodes_[v.producer].name, "' and node '",
                                                     node.name, "'"));
    }
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    values_[node.outputs[i]].producer = id;
    values_[node.outputs[i]].producer_output = static_cast<int>(i);
  }
  nodes_.push_back(std::move(node));
  order_.push_back(id);
  return id;
}

absl::StatusOr<NodeId> Graph::InsertNodeBefore(NodeId before, Node node) {
  auto id = AddNode(std::move(node));
  if (!id.ok()) return id;
  order_.pop_back();
  auto it = std::find(order_.begin(), order_.end(), before);
  order_.insert(it, *id);
  return id;
}

void Graph::RemoveNode(NodeId id) {
  Node& n = nodes_[id];
  if (!n.alive) return;
  n.alive = false;
  node_by_name_.erase(n.name);
  order_.erase(std::remove(order_.begin(), order_.end(), id), order_.end());
  for (ValueId out : n.outputs) {
    values_[out].producer = kNoNode;
    if (values_[out].kind == ValueKind::kIntermediate) RemoveValue(out);
  }
}

void Graph::RemoveValue(ValueId id) {
  Value& v = values_[id];
  if (!v.alive) return;
  v.alive = false;
  value_by_name_.erase(v.name);
  auto drop = [id](std::vector<ValueId>& list) {
    list.erase(std::remove(list.begin(), list.end(), id), list.end());
  };
  drop(inputs_);
  drop(outputs_);
  drop(states_);
}

void Graph::ReplaceAllUses(ValueId from, ValueId to) {
  for (NodeId n : order_) {
    for (ValueId& in : nodes_[n].inputs) {
      if (in == from) in = to;
    }
  }
  for (ValueId& out : outputs_) {
    if (out == from) out = to;
  }
}

absl::Status Graph::RenameValue(ValueId id, const std::string& name) {
  Value& v = values_[id];
  if (v.name == name) return absl::OkStatus();
  if (!value_by_name_.try_emplace(name, id).second) {
    return absl::InvalidArgumentError(absl::StrCat("value name '", name, "' is already used"));
  }
  value_by_name_.erase(v.name);
  v.name = name;
  return absl::OkStatus();
}

absl::Status Graph::RenameNode(NodeId id, const std::string& name) {
  Node& n = nodes_[id];
  if (n.name == name) return absl::OkStatus();
  if (!node_by_name_.try_emplace(name, id).second) {
    return absl::InvalidArgumentError(absl::StrCat("node name '", name, "' is already used"));
  }
  node_by_name_.erase(n.name);
  n.name = name;
  return absl::OkStatus();
}

std::vector<ValueId> Graph::initializers() const {
  std::vector<ValueId> result;
  for (ValueId id = 0; id < values_.size(); ++id) {
    if (values_[id].alive && values_[id].kind == ValueKind::kInitializer) result.push_back(id);
  }
  return result;
}

std::optional<ValueId> Graph::FindValue(absl::string_view name) const {
  auto it = value_by_name_.find(name);
  if (it == value_by_name_.end()) return std::nullopt;
  return it->second;
}

std::optional<NodeId> Graph::FindNode(absl::string_view name) const {
  auto it = node_by_name_.find(name);
  if (it == node_by_name_.end()) return std::nullopt;
  return it->second;
}

std::vector<Use> Graph::Uses(ValueId id) const {
  std::vector<Use> uses;
  for (NodeId n : order_) {
    const Node& node = nodes_[n];
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] == id) uses.push_back({n, static_cast<int>(i)});
    }
  }
  return uses;
}

bool Graph::IsGraphOutput(ValueId id) const {
  return std::find(outputs_.begin(), outputs_.end(), id) != outputs_.end();
}

absl::Status Graph::Toposort() {
  // Kahn's algorithm; ties broken by the current position so an already sorted graph is unchanged.
  std::vector<int> position(nodes_.size(), -1);
  for (size_t i = 0; i < order_.size(); ++i) position[order_[i]] = static_cast<int>(i);
  std::vector<int> pending(nodes_.size(), 0);
  std::vector<std::vector<NodeId>> consumers(nodes_.size());
  for (NodeId n : order_) {
    for (ValueId in : nodes_[n].inputs) {
      if (in == kNoValue) continue;
      const NodeId p = values_[in].producer;
      if (p == kNoNode || !nodes_[p].alive) continue;
      ++pending[n];
      consumers[p].push_back(n);
    }
  }
  auto later = [&](NodeId a, NodeId b) { return position[a] > position[b]; };
  std::priority_queue<NodeId, std::vector<NodeId>, decltype(later)> ready(later);
  for (NodeId n : order_) {
    if (pending[n] == 0) ready.push(n);
  }
  std::vector<NodeId> sorted;
  sorted.reserve(order_.size());
  while (!ready.empty()) {
    const NodeId n = ready.top();
    ready.pop();
    sorted.push_back(n);
    for (NodeId c : consumers[n]) {
      if (--pending[c] == 0) ready.push(c);
    }
  }
  if (sorted.size() != order_.size()) {
    for (NodeId n : order_) {
      if (pending[n] > 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("graph has a cycle through node '", nodes_[n].name, "'"));
      }
    }
  }
  order_ = std::move(sorted);
  return absl::OkStatus();
}

std::string Graph::UniqueName(absl::string_view base) const {
  std::string name(base);
  for (int i = 1; value_by_name_.contains(name); ++i) name = absl::StrCat(base, ".", i);
  return name;
}

std::string Graph::UniqueNodeName(absl::string_view base) const {
  std::string name(base);
  for (int i = 1; node_by_name_.contains(name); ++i) name = absl::StrCat(base, ".", i);
  return name;
}

}  // namespace anvil
