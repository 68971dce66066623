#include "graph/passes/pattern.h"

#include <set>

namespace anvil {

Pattern Pattern::Op(std::string op, std::vector<Pattern> inputs) {
  Pattern p;
  p.op_ = std::move(op);
  p.inputs_ = std::move(inputs);
  return p;
}

Pattern Pattern::Any(std::string capture) {
  Pattern p;
  p.capture_ = std::move(capture);
  return p;
}

Pattern Pattern::AnyOrAbsent(std::string capture) {
  Pattern p = Any(std::move(capture));
  p.allow_absent_ = true;
  return p;
}

Pattern& Pattern::As(std::string node_capture) {
  capture_ = std::move(node_capture);
  return *this;
}

Pattern& Pattern::Output(int index) {
  output_ = index;
  return *this;
}

Pattern& Pattern::OnlyUse() {
  only_use_ = true;
  return *this;
}

Pattern& Pattern::Where(Predicate predicate) {
  predicate_ = std::move(predicate);
  return *this;
}

class Matcher {
 public:
  explicit Matcher(const Graph& graph) : g_(graph) {}

  bool MatchNode(NodeId id, const Pattern& p, Match& m) {
    const Node& node = g_.node(id);
    if (node.op != p.op_) return false;
    if (!p.capture_.empty()) {
      auto [it, fresh] = m.nodes.try_emplace(p.capture_, id);
      if (!fresh) return it->second == id;  // already matched through another branch
    }
    if (p.predicate_ && !p.predicate_(g_, node)) return false;
    if (node.inputs.size() < p.inputs_.size()) return false;
    for (size_t i = p.inputs_.size(); i < node.inputs.size(); ++i) {
      if (node.inputs[i] != kNoValue) return false;
    }
    for (size_t i = 0; i < p.inputs_.size(); ++i) {
      if (!MatchValue(node.inputs[i], p.inputs_[i], id, m)) return false;
    }
    m.matched.push_back(id);
    return true;
  }

 private:
  bool MatchValue(ValueId v, const Pattern& p, NodeId user, Match& m) {
    if (p.op_.empty()) {
      if (v == kNoValue && !p.allow_absent_) return false;
      if (p.capture_.empty()) return true;
      auto [it, fresh] = m.values.try_emplace(p.capture_, v);
      return fresh || it->second == v;
    }
    if (v == kNoValue) return false;
    const Value& value = g_.value(v);
    if (value.producer == kNoNode || value.producer_output != p.output_) return false;
    if (p.only_use_) {
      if (g_.IsGraphOutput(v)) return false;
      for (const Use& use : g_.Uses(v)) {
        if (use.node != user) return false;
      }
    }
    return MatchNode(value.producer, p, m);
  }

  const Graph& g_;
};

std::optional<Match> MatchAt(const Graph& graph, NodeId root, const Pattern& pattern) {
  Match m;
  Matcher matcher(graph);
  if (!matcher.MatchNode(root, pattern, m)) return std::nullopt;
  return m;
}

std::vector<Match> FindMatches(const Graph& graph, const std::vector<Pattern>& variants) {
  std::vector<Match> matches;
  std::set<NodeId> claimed;
  for (NodeId id : graph.order()) {
    for (const Pattern& variant : variants) {
      std::optional<Match> m = MatchAt(graph, id, variant);
      if (!m) continue;
      bool overlaps = false;
      for (NodeId n : m->matched) overlaps |= claimed.count(n) > 0;
      if (overlaps) continue;
      claimed.insert(m->matched.begin(), m->matched.end());
      matches.push_back(std::move(*m));
      break;
    }
  }
  return matches;
}

absl::StatusOr<bool> RewriteAll(Graph& graph, const std::vector<Pattern>& variants,
                                const std::function<absl::StatusOr<bool>(const Match&)>& apply) {
  std::set<NodeId> declined;  // roots `apply` turned down (node ids are never reused)
  bool changed = false;
  size_t next = 0;  // where the scan resumes: a declined match leaves the graph as it was
  while (true) {
    std::optional<Match> found;
    const std::vector<NodeId>& order = graph.order();
    for (; next < order.size(); ++next) {
      if (declined.count(order[next])) continue;
      for (const Pattern& variant : variants) {
        found = MatchAt(graph, order[next], variant);
        if (found) break;
      }
      if (found) break;
    }
    if (!found) return changed;
    auto applied = apply(*found);
    if (!applied.ok()) return applied.status();
    if (*applied) {
      changed = true;
      next = 0;  // the rewrite may have made new matches anywhere
    } else {
      declined.insert(found->matched.back());
      ++next;
    }
  }
}

}  // namespace anvil
