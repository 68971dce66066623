// A small helper for writing graphs in code: values are added by name and the first error is
// kept (sticky), so a model builder reads as a straight list of ops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "graph/graph.h"

namespace anvil {

// A weight as an importer hands it over: dtype, dims (PyTorch order) and bytes.
struct WeightTensor {
  DType dtype = DType::kF32;
  std::vector<int64_t> dims;
  TensorData data;
};

class GraphBuilder {
 public:
  explicit GraphBuilder(Graph& graph) : graph_(graph) {}

  ValueId Input(const std::string& name, TensorType type);
  ValueId State(const std::string& name, TensorType type);
  ValueId Weight(const std::string& name, WeightTensor weight);
  // Adds node `name` running `op`; its single output value is also called `name`.
  ValueId Op(const std::string& name, const std::string& op, std::vector<ValueId> inputs, Attributes attrs = {});
  void Output(ValueId value);

  const absl::Status& status() const { return status_; }

 private:
  ValueId Add(Value value);
  ValueId Declare(const std::string& name, ValueKind kind, TensorType type);
  Graph& graph_;
  absl::Status status_;
};

// Attribute lists in one expression: Attrs({{"eps", 1e-5}, {"layout", std::string("half")}}).
Attributes Attrs(std::initializer_list<std::pair<std::string, AttrValue>> values);

}  // namespace anvil
