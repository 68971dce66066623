#include "graph/printers.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "nlohmann/json.hpp"

namespace anvil {
namespace {

using Json = nlohmann::ordered_json;

// The nodes a dump shows and the non-intermediate values they read.
struct Selection {
  std::vector<NodeId> nodes;
  std::vector<ValueId> inputs, states, initializers, outputs;
  std::vector<ValueId> external;  // with --layer: intermediates produced outside the layer
};

Selection Select(const Graph& g, const DumpOptions& options) {
  Selection s;
  std::set<ValueId> used;
  for (NodeId n : g.order()) {
    if (options.layer && LayerOfName(g.node(n).name) != *options.layer) continue;
    s.nodes.push_back(n);
    for (ValueId in : g.node(n).inputs) {
      if (in != kNoValue) used.insert(in);
    }
  }
  auto keep = [&](ValueId id) { return !options.layer || used.count(id) > 0; };
  for (ValueId id : g.inputs()) if (keep(id)) s.inputs.push_back(id);
  for (ValueId id : g.states()) if (keep(id)) s.states.push_back(id);
  for (ValueId id : g.initializers()) if (keep(id)) s.initializers.push_back(id);
  if (!options.layer) s.outputs = g.outputs();
  if (options.layer) {
    for (ValueId id : used) {
      const Value& v = g.value(id);
      if (v.kind == ValueKind::kIntermediate && LayerOfName(g.node(v.producer).name) != *options.layer) {
        s.external.push_back(id);
      }
    }
  }
  return s;
}

std::string TypeOf(const Graph& g, ValueId id) {
  const Value& v = g.value(id);
  return v.has_type ? TensorTypeString(v.type) : "?";
}

std::string ValueRef(const Graph& g, ValueId id) {
  if (id == kNoValue) return "-";
  return absl::StrCat(g.value(id).name, ": ", TypeOf(g, id));
}

std::string AttrsText(const Attributes& attrs) {
  if (attrs.empty()) return "";
  std::vector<std::string> parts;
  for (const auto& [name, value] : attrs.values()) parts.push_back(absl::StrCat(name, "=", AttrValueString(value)));
  return absl::StrCat(" {", absl::StrJoin(parts, ", "), "}");
}

Json ShapeJson(const Shape& shape) {
  Json dims = Json::array();
  for (const Dim& d : shape) {
    if (d.is_symbolic()) dims.push_back(d.symbol); else dims.push_back(d.size);
  }
  return dims;
}

Json ValueJson(const Graph& g, ValueId id) {
  if (id == kNoValue) return nullptr;
  const Value& v = g.value(id);
  Json j;
  j["name"] = v.name;
  if (v.has_type) {
    j["dtype"] = DTypeName(v.type.dtype);
    j["shape"] = ShapeJson(v.type.shape);
  }
  return j;
}

Json AttrJson(const AttrValue& value) {
  switch (AttrTypeOf(value)) {
    case AttrType::kInt: return std::get<int64_t>(value);
    case AttrType::kFloat: return std::get<double>(value);
    case AttrType::kString: return std::get<std::string>(value);
    case AttrType::kInts: return std::get<std::vector<int64_t>>(value);
    case AttrType::kFloats: return std::get<std::vector<double>>(value);
  }
  return nullptr;
}

std::string DotEscape(absl::string_view s) {
  return absl::StrReplaceAll(s, {{"\\", "\\\\"}, {"\"", "\\\""}});
}

}  // namespace

int64_t LayerOfName(absl::string_view name) {
  if (!absl::StartsWith(name, "blk.")) return -1;
  name.remove_prefix(4);
  const size_t dot = name.find('.');
  int64_t layer;
  if (dot == absl::string_view::npos || !absl::SimpleAtoi(name.substr(0, dot), &layer)) return -1;
  return layer;
}

std::string DumpText(const Model& model, const DumpOptions& options) {
  const Graph& g = model.graph;
  const Selection s = Select(g, options);
  std::string out = absl::StrCat("graph \"", g.name, "\" (opset ", model.opset_version, ", producer \"",
                                 model.producer, "\", ", g.num_nodes(), " nodes)\n");
  if (options.layer) absl::StrAppend(&out, "layer ", *options.layer, ": ", s.nodes.size(), " nodes\n");
  auto section = [&](absl::string_view title, const std::vector<ValueId>& ids) {
    if (ids.empty()) return;
    absl::StrAppend(&out, title, ":\n");
    for (ValueId id : ids) absl::StrAppend(&out, "  ", ValueRef(g, id), "\n");
  };
  section("inputs", s.inputs);
  section("from other layers", s.external);
  section("states", s.states);
  section("initializers", s.initializers);
  absl::StrAppend(&out, "nodes:\n");
  for (NodeId n : s.nodes) {
    const Node& node = g.node(n);
    std::vector<std::string> ins, outs;
    for (ValueId in : node.inputs) ins.push_back(in == kNoValue ? "-" : g.value(in).name);
    for (ValueId o : node.outputs) outs.push_back(ValueRef(g, o));
    absl::StrAppend(&out, "  ", node.name, " = ", node.op, "(", absl::StrJoin(ins, ", "), ")",
                    AttrsText(node.attrs), " -> ", absl::StrJoin(outs, ", "), "\n");
  }
  section("outputs", s.outputs);
  return out;
}

std::string DumpJson(const Model& model, const DumpOptions& options) {
  const Graph& g = model.graph;
  const Selection s = Select(g, options);
  Json j;
  j["name"] = g.name;
  j["opset"] = model.opset_version;
  j["producer"] = model.producer;
  if (options.layer) j["layer"] = *options.layer;
  auto list = [&](const std::vector<ValueId>& ids) {
    Json a = Json::array();
    for (ValueId id : ids) a.push_back(ValueJson(g, id));
    return a;
  };
  j["inputs"] = list(s.inputs);
  if (options.layer) j["from_other_layers"] = list(s.external);
  j["states"] = list(s.states);
  j["initializers"] = list(s.initializers);
  Json nodes = Json::array();
  for (NodeId n : s.nodes) {
    const Node& node = g.node(n);
    Json jn;
    jn["name"] = node.name;
    jn["op"] = node.op;
    Json ins = Json::array(), outs = Json::array();
    for (ValueId in : node.inputs) ins.push_back(ValueJson(g, in));
    for (ValueId o : node.outputs) outs.push_back(ValueJson(g, o));
    jn["inputs"] = ins;
    jn["outputs"] = outs;
    Json attrs = Json::object();
    for (const auto& [name, value] : node.attrs.values()) attrs[name] = AttrJson(value);
    jn["attributes"] = attrs;
    nodes.push_back(jn);
  }
  j["nodes"] = nodes;
  j["outputs"] = list(s.outputs);
  return j.dump(1) + "\n";
}

std::string DumpDot(const Model& model, const DumpOptions& options) {
  const Graph& g = model.graph;
  const Selection s = Select(g, options);
  std::string out = absl::StrCat("digraph \"", DotEscape(g.name), "\" {\n",
                                 "  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n",
                                 "  edge [fontname=\"Helvetica\", fontsize=9];\n");
  std::set<NodeId> shown(s.nodes.begin(), s.nodes.end());
  std::set<ValueId> sources;
  for (NodeId n : s.nodes) {
    const Node& node = g.node(n);
    absl::StrAppend(&out, "  n", n, " [label=\"", DotEscape(node.name), "\\n", DotEscape(node.op), "\"];\n");
  }
  auto source_id = [](ValueId id) { return absl::StrCat("v", id); };
  for (NodeId n : s.nodes) {
    const Node& node = g.node(n);
    for (ValueId in : node.inputs) {
      if (in == kNoValue) continue;
      const Value& v = g.value(in);
      std::string from;
      if (v.producer != kNoNode && shown.count(v.producer)) {
        from = absl::StrCat("n", v.producer);
      } else {
        from = source_id(in);
        if (sources.insert(in).second) {
          const char* style = v.kind == ValueKind::kInitializer ? "shape=note, color=gray40"
                              : v.kind == ValueKind::kState  ? "shape=cylinder"
                                                             : "shape=ellipse";
          absl::StrAppend(&out, "  ", from, " [", style, ", label=\"", DotEscape(v.name), "\\n",
                          DotEscape(TypeOf(g, in)), "\"];\n");
        }
      }
      absl::StrAppend(&out, "  ", from, " -> n", n, " [label=\"", DotEscape(TypeOf(g, in)), "\"];\n");
    }
  }
  for (ValueId id : s.outputs) {
    const Value& v = g.value(id);
    absl::StrAppend(&out, "  out", id, " [shape=ellipse, label=\"", DotEscape(v.name), "\\n",
                    DotEscape(TypeOf(g, id)), "\"];\n");
    if (v.producer != kNoNode) absl::StrAppend(&out, "  n", v.producer, " -> out", id, ";\n");
  }
  absl::StrAppend(&out, "}\n");
  return out;
}

}  // namespace anvil
