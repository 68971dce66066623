// A small declarative matcher shared by the fusions. A pattern is a tree of op matchers, matched
// from a root node toward its inputs:
//
//   Pattern::Op("rms_norm", {Pattern::Op("add", {Pattern::Any("a"), Pattern::Any("b")}).As("add"),
//                            Pattern::Any("w")}).As("norm")
//
// Captures bind names to values (Any) and nodes (As). A name used twice must bind the same value
// or node, which is how one tree describes a DAG: three branches that reach the same split node
// via .As("split") match only if it is one node. OnlyUse() marks a single-use edge (the value
// has no other reader and is not a graph output), so the fusion may delete it.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

#include "graph/graph.h"

namespace anvil {

class Pattern {
 public:
  using Predicate = std::function<bool(const Graph&, const Node&)>;

  // A node running `op` whose first inputs match `inputs`; further inputs must be absent.
  static Pattern Op(std::string op, std::vector<Pattern> inputs);
  // Any value, bound to `capture` (if not empty). AnyOrAbsent also accepts an absent input.
  static Pattern Any(std::string capture = "");
  static Pattern AnyOrAbsent(std::string capture = "");

  Pattern& As(std::string node_capture);
  Pattern& Output(int index);  // the edge carries output `index` of the matched node
  Pattern& OnlyUse();
  Pattern& Where(Predicate predicate);

 private:
  friend class Matcher;
  std::string op_;  // empty: Any
  std::vector<Pattern> inputs_;
  std::string capture_;
  int output_ = 0;
  bool only_use_ = false;
  bool allow_absent_ = false;
  Predicate predicate_;
};

struct Match {
  std::map<std::string, ValueId> values;
  std::map<std::string, NodeId> nodes;
  std::vector<NodeId> matched;  // every node the pattern matched, root last

  ValueId value(const std::string& name) const { return values.at(name); }
  NodeId node(const std::string& name) const { return nodes.at(name); }
  bool has_value(const std::string& name) const {
    auto it = values.find(name);
    return it != values.end() && it->second != kNoValue;
  }
};

// The match of `pattern` rooted at node `root`, if any.
std::optional<Match> MatchAt(const Graph& graph, NodeId root, const Pattern& pattern);

// Matches of any of `variants` in graph order, no two sharing a matched node (the first wins).
std::vector<Match> FindMatches(const Graph& graph, const std::vector<Pattern>& variants);

// The driver of every fusion: finds the first match of `variants` in graph order, lets `apply`
// rewrite it (returning false to decline), and looks again on the rewritten graph until nothing
// is left, so no match ever refers to a value an earlier rewrite removed. Returns whether
// anything was rewritten.
absl::StatusOr<bool> RewriteAll(Graph& graph, const std::vector<Pattern>& variants,
                                const std::function<absl::StatusOr<bool>(const Match&)>& apply);

}  // namespace anvil
