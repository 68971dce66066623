#include "graph/verifier.h"

#include <algorithm>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/checked_math.h"
#include "base/status.h"

namespace anvil {
namespace {

// The rest of anvil multiplies dims out without overflow checks (NumElements, executors' buffer
// sizes, kernels' index arithmetic): every value's rank, fixed dims and fixed element count are
// held to the limits of base/checked_math.h here, for declared values and inferred ones alike.
absl::Status CheckShapeLimits(const Shape& shape) {
  if (shape.size() > static_cast<size_t>(kMaxTensorRank)) {
    return absl::InvalidArgumentError(absl::StrCat("has rank ", shape.size(), " (at most ", kMaxTensorRank, ")"));
  }
  uint64_t elements = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    const Dim& d = shape[i];
    if (d.is_symbolic()) continue;
    if (d.size < 0 || d.size > kMaxTensorDim) {
      return absl::InvalidArgumentError(absl::StrCat("has dim ", i, " = ", d.size, ", outside [0, 2^40]"));
    }
    const auto product = CheckedMul(elements, static_cast<uint64_t>(d.size));
    if (!product || *product > kMaxTensorElements) {
      return absl::InvalidArgumentError(absl::StrCat("has shape ", ShapeString(shape), ": more than 2^40 elements"));
    }
    elements = *product;
  }
  return absl::OkStatus();
}

// Integer attributes are sizes, counts and positions, which shape inference and kernels combine
// (a product of two plus a sum, at most) in int64: each is held to +-2^30.
constexpr int64_t kMaxAttributeInt = int64_t{1} << 30;

absl::Status CheckAttributeInts(const std::string& name, const AttrValue& value) {
  auto check = [&](int64_t v) -> absl::Status {
    if (v >= -kMaxAttributeInt && v <= kMaxAttributeInt) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' holds ", v, ", outside [-2^30, 2^30]"));
  };
  if (const auto* i = std::get_if<int64_t>(&value)) return check(*i);
  if (const auto* list = std::get_if<std::vector<int64_t>>(&value)) {
    for (int64_t v : *list) {
      ANVIL_RETURN_IF_ERROR(check(v));
    }
  }
  return absl::OkStatus();
}

std::string NodeLabel(const Node& node) {
  return absl::StrCat("node '", node.name, "' (", node.op, ")");
}

absl::Status CheckValue(const Graph& graph, ValueId id) {
  const Value& v = graph.value(id);
  if (v.kind == ValueKind::kIntermediate) return absl::OkStatus();
  if (!v.has_type) {
    return absl::InvalidArgumentError(absl::StrCat(ValueKindName(v.kind), " '", v.name, "' has no type"));
  }
  ANVIL_RETURN_IF_ERROR(CheckShapeLimits(v.type.shape), absl::StrCat(ValueKindName(v.kind), " '", v.name, "'"));
  if (v.kind == ValueKind::kInitializer) {
    if (!IsFixed(v.type.shape)) {
      return absl::InvalidArgumentError(absl::StrCat("initializer '", v.name, "' has symbolic shape ",
                                                     ShapeString(v.type.shape)));
    }
    std::vector<int64_t> dims;
    for (const Dim& d : v.type.shape) dims.push_back(d.size);
    ANVIL_ASSIGN_OR_RETURN(uint64_t bytes,
                           TensorBytes(v.type.dtype, dims.data(), static_cast<int>(dims.size())),
                           absl::StrCat("initializer '", v.name, "'"));
    if (bytes != v.data.size()) {
      return absl::InvalidArgumentError(absl::StrCat("initializer '", v.name, "' ",
                                                     TensorTypeString(v.type), " needs ", bytes,
                                                     " bytes, has ", v.data.size()));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckSchema(const Graph& graph, const Node& node, const OpDef& def) {
  const size_t min_inputs = [&] {
    size_t n = def.inputs.size();
    while (n > 0 && def.inputs[n - 1].optional) --n;
    return n;
  }();
  if (node.inputs.size() < min_inputs || node.inputs.size() > def.inputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat("has ", node.inputs.size(), " inputs, expected ",
                                                   min_inputs == def.inputs.size()
                                                       ? absl::StrCat(min_inputs)
                                                       : absl::StrCat(min_inputs, " to ", def.inputs.size())));
  }
  const bool variadic = !def.outputs.empty() && def.outputs.back().variadic;
  if (variadic ? node.outputs.size() < def.outputs.size() : node.outputs.size() != def.outputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat("has ", node.outputs.size(), " outputs, expected ",
                                                   variadic ? "at least " : "", def.outputs.size()));
  }
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const PortSpec& port = def.inputs[i];
    if (node.inputs[i] == kNoValue) {
      if (!port.optional) {
        return absl::InvalidArgumentError(absl::StrCat("input ", i, " (", port.name, ") is required"));
      }
      continue;
    }
    const Value& v = graph.value(node.inputs[i]);
    if (!port.dtypes.Contains(v.type.dtype)) {
      return absl::InvalidArgumentError(absl::StrCat("input ", i, " '", v.name, "' (", port.name,
                                                     ") has dtype ", DTypeName(v.type.dtype),
                                                     ", expected ", port.dtypes.ToString()));
    }
  }
  for (const auto& [name, value] : node.attrs.values()) {
    const AttrSpec* spec = nullptr;
    for (const AttrSpec& s : def.attrs) {
      if (s.name == name) spec = &s;
    }
    if (spec == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown attribute '", name, "'"));
    }
    const AttrType got = AttrTypeOf(value);
    const bool int_as_float = spec->type == AttrType::kFloat && got == AttrType::kInt;
    if (got != spec->type && !int_as_float) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", name, "' must be ",
                                                     AttrTypeName(spec->type), ", got ",
                                                     AttrTypeName(got)));
    }
    if (!int_as_float) {
      ANVIL_RETURN_IF_ERROR(CheckAttributeInts(name, value));
    }
  }
  for (const AttrSpec& s : def.attrs) {
    if (s.required && !node.attrs.Has(s.name)) {
      return absl::InvalidArgumentError(absl::StrCat("attribute '", s.name, "' is required"));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckAndInfer(Graph& graph, NodeId node_id, const OpRegistry& registry, std::vector<bool>* defined) {
  Node& node = graph.node(node_id);
  const std::string label = NodeLabel(node);
  const OpDef* def = registry.Find(node.op);
  if (def == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(label, ": unknown op '", node.op, "'"));
  }
  ANVIL_RETURN_IF_ERROR(CheckSchema(graph, node, *def), label);
  ANVIL_ASSIGN_OR_RETURN(std::vector<TensorType> types, def->infer(InferContext(graph, node)), label);
  if (types.size() != node.outputs.size()) {
    return absl::InternalError(absl::StrCat(label, ": inference returned ", types.size(),
                                            " types for ", node.outputs.size(), " outputs"));
  }
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    const ValueId out = node.outputs[i];
    Value& v = graph.value(out);
    if (v.producer != node_id || v.producer_output != static_cast<int>(i)) {
      return absl::InvalidArgumentError(absl::StrCat(label, ": output ", i, " '", v.name,
                                                     "' is not owned by this node"));
    }
    if (defined != nullptr && (*defined)[out]) {
      return absl::InvalidArgumentError(absl::StrCat(label, ": output ", i, " '", v.name,
                                                     "' is defined twice"));
    }
    const size_t port = std::min(i, def->outputs.size() - 1);
    if (!def->outputs[port].dtypes.Contains(types[i].dtype)) {
      return absl::InternalError(absl::StrCat(label, ": inferred dtype ", DTypeName(types[i].dtype),
                                              " not allowed for output ", i));
    }
    ANVIL_RETURN_IF_ERROR(CheckShapeLimits(types[i].shape), absl::StrCat(label, ": output ", i, " '", v.name, "'"));
    v.type = std::move(types[i]);
    v.has_type = true;
    if (defined != nullptr) (*defined)[out] = true;
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InferNodeTypes(Graph& graph, NodeId node, const OpRegistry& registry) {
  return CheckAndInfer(graph, node, registry, nullptr);
}

absl::Status VerifyGraph(Graph& graph, const OpRegistry& registry) {
  std::vector<bool> defined(graph.value_capacity(), false);
  for (ValueId id = 0; id < graph.value_capacity(); ++id) {
    const Value& v = graph.value(id);
    if (!v.alive || v.kind == ValueKind::kIntermediate) continue;
    ANVIL_RETURN_IF_ERROR(CheckValue(graph, id));
    defined[id] = true;
  }
  for (NodeId node_id : graph.order()) {
    Node& node = graph.node(node_id);
    const std::string label = NodeLabel(node);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const ValueId in = node.inputs[i];
      if (in == kNoValue) continue;
      if (in >= graph.value_capacity() || !graph.value(in).alive) {
        return absl::InvalidArgumentError(absl::StrCat(label, ": input ", i, " refers to a removed value"));
      }
      if (!defined[in]) {
        return absl::InvalidArgumentError(absl::StrCat(label, ": input ", i, " '",
                                                       graph.value(in).name,
                                                       "' is not defined before use"));
      }
    }
    ANVIL_RETURN_IF_ERROR(CheckAndInfer(graph, node_id, registry, &defined));
  }
  for (ValueId out : graph.outputs()) {
    if (!defined[out]) {
      return absl::InvalidArgumentError(absl::StrCat("graph output '", graph.value(out).name,
                                                     "' is never produced"));
    }
  }
  return absl::OkStatus();
}

}  // namespace anvil
