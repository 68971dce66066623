// The in-memory IR: a Graph owns Nodes and Values and everything refers to them by integer id.
//
// Values are graph inputs, states (persistent tensors such as KV caches, written in place),
// initializers (constant tensors with data) or intermediates (produced by exactly one node).
// The graph keeps its live nodes in a topological order; rewrites add nodes, remove nodes and
// redirect uses, then call Toposort() if they placed a node out of order.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include "absl/strings/string_view.h"
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "graph/attributes.h"
#include "graph/model_config.h"
#include "graph/shape.h"
#include "graph/tensor_data.h"

namespace anvil {

using ValueId = uint32_t;
using NodeId = uint32_t;
inline constexpr ValueId kNoValue = std::numeric_limits<uint32_t>::max();
inline constexpr NodeId kNoNode = std::numeric_limits<uint32_t>::max();

enum class ValueKind { kInput, kState, kInitializer, kIntermediate };
const char* ValueKindName(ValueKind kind);

struct Value {
  std::string name;
  ValueKind kind = ValueKind::kIntermediate;
  TensorType type;
  bool has_type = false;        // intermediates get their type from shape inference
  NodeId producer = kNoNode;    // for intermediates
  int producer_output = 0;
  TensorData data;              // for initializers
  bool alive = true;
};

struct Node {
  std::string name;
  std::string op;
  std::vector<ValueId> inputs;  // kNoValue marks an absent optional input
  std::vector<ValueId> outputs;
  Attributes attrs;
  bool alive = true;
};

// A use of a value: input `input_index` of node `node`.
struct Use {
  NodeId node;
  int input_index;
};

class Graph {
 public:
  std::string name;

  // Adds a value; its name must be unique among live values (checked, error names it).
  absl::StatusOr<ValueId> AddValue(Value value);
  // Adds a node with the given outputs (values that must not have a producer yet) appended at the
  // end of the topological order.
  absl::StatusOr<NodeId> AddNode(Node node);
  // Adds a node and places it right before `before` in the order.
  absl::StatusOr<NodeId> InsertNodeBefore(NodeId before, Node node);

  // Convenience for builders: adds an intermediate value named `name` and returns its id.
  absl::StatusOr<ValueId> AddIntermediate(std::string name);

  // Removes a node from the order (its outputs lose their producer and are marked dead).
  void RemoveNode(NodeId id);
  // Marks a value dead (it must have no live uses) and drops it from inputs/outputs/states lists.
  void RemoveValue(ValueId id);
  // Replaces every use of `from` by `to` (node inputs and graph outputs).
  void ReplaceAllUses(ValueId from, ValueId to);
  // Renames a live value or node; the new name must be free.
  absl::Status RenameValue(ValueId id, const std::string& name);
  absl::Status RenameNode(NodeId id, const std::string& name);

  const Value& value(ValueId id) const { return values_[id]; }
  Value& value(ValueId id) { return values_[id]; }
  const Node& node(NodeId id) const { return nodes_[id]; }
  Node& node(NodeId id) { return nodes_[id]; }
  size_t value_capacity() const { return values_.size(); }  // ids are < this
  size_t node_capacity() const { return nodes_.size(); }

  // Live nodes in topological order.
  const std::vector<NodeId>& order() const { return order_; }
  std::vector<NodeId>& mutable_order() { return order_; }
  size_t num_nodes() const { return order_.size(); }

  std::vector<ValueId>& inputs() { return inputs_; }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  std::vector<ValueId>& outputs() { return outputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }
  std::vector<ValueId>& states() { return states_; }
  const std::vector<ValueId>& states() const { return states_; }
  // Live initializers in the order they were added.
  std::vector<ValueId> initializers() const;

  std::optional<ValueId> FindValue(absl::string_view name) const;
  std::optional<NodeId> FindNode(absl::string_view name) const;

  // Uses of `id` by live nodes, in order; and whether it is a graph output.
  std::vector<Use> Uses(ValueId id) const;
  bool IsGraphOutput(ValueId id) const;

  // Re-sorts the live nodes topologically, keeping the current relative order where possible.
  // Fails, naming a node on the cycle, if the graph has one.
  absl::Status Toposort();

  // A value name (UniqueName) or node name (UniqueNodeName) not in use yet, built from `base`
  // ("base", "base.1", ...). Values and nodes have separate namespaces.
  std::string UniqueName(absl::string_view base) const;
  std::string UniqueNodeName(absl::string_view base) const;

  // Set by the plan_memory pass: executors let ops write their output over an input that dies
  // there (in-place), on top of liveness-based reuse.
  bool memory_in_place = false;

 private:
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<NodeId> order_;
  std::vector<ValueId> inputs_, outputs_, states_;
  absl::flat_hash_map<std::string, ValueId> value_by_name_;
  absl::flat_hash_map<std::string, NodeId> node_by_name_;
};

struct ChecksumInfo {
  std::string algorithm;  // "crc32"; empty when the file has none
  uint64_t value = 0;
  uint64_t data_length = 0;
};

// A whole model file: graph + config + optional tokenizer + provenance.
struct Model {
  int64_t opset_version = 1;
  std::string producer;
  ModelConfig config;
  Graph graph;
  std::optional<TokenizerData> tokenizer;
  uint32_t data_alignment = 64;
  ChecksumInfo checksum;  // as read from the file (not recomputed)
  std::vector<std::pair<std::string, std::string>> metadata;
  std::string source_path;  // the file it was loaded from, for messages
  bool text_form = false;   // loaded from the .pbtxt text form
  // The mapped data section of a loaded .graph (tensors are views into it); null otherwise.
  const uint8_t* data_section = nullptr;
  uint64_t data_section_bytes = 0;
};

}  // namespace anvil
