#include "models/graph_builder.h"

#include "absl/strings/str_cat.h"

namespace anvil {

ValueId GraphBuilder::Add(Value value) {
  if (!status_.ok()) return kNoValue;
  auto id = graph_.AddValue(std::move(value));
  if (!id.ok()) {
    status_ = id.status();
    return kNoValue;
  }
  return *id;
}

ValueId GraphBuilder::Declare(const std::string& name, ValueKind kind, TensorType type) {
  Value v;
  v.name = name;
  v.kind = kind;
  v.type = std::move(type);
  v.has_type = true;
  return Add(std::move(v));
}

ValueId GraphBuilder::Input(const std::string& name, TensorType type) {
  return Declare(name, ValueKind::kInput, std::move(type));
}

ValueId GraphBuilder::State(const std::string& name, TensorType type) {
  return Declare(name, ValueKind::kState, std::move(type));
}

ValueId GraphBuilder::Weight(const std::string& name, WeightTensor weight) {
  Value v;
  v.name = name;
  v.kind = ValueKind::kInitializer;
  v.type = {weight.dtype, FixedShape(weight.dims)};
  v.has_type = true;
  v.data = std::move(weight.data);
  return Add(std::move(v));
}

ValueId GraphBuilder::Op(const std::string& name, const std::string& op, std::vector<ValueId> inputs,
                         Attributes attrs) {
  if (!status_.ok()) return kNoValue;
  Value out;
  out.name = name;
  const ValueId id = Add(std::move(out));
  if (!status_.ok()) return kNoValue;
  Node node;
  node.name = name;
  node.op = op;
  node.inputs = std::move(inputs);
  node.outputs = {id};
  node.attrs = std::move(attrs);
  auto added = graph_.AddNode(std::move(node));
  if (!added.ok()) status_ = added.status();
  return id;
}

void GraphBuilder::Output(ValueId value) {
  if (status_.ok()) graph_.outputs().push_back(value);
}

Attributes Attrs(std::initializer_list<std::pair<std::string, AttrValue>> values) {
  Attributes attrs;
  for (const auto& [name, value] : values) attrs.Set(name, value);
  return attrs;
}

}  // namespace anvil
