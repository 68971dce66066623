// The op schema interface and registry. graph/ defines the interface (the verifier infers types
// through it); ops/ defines and registers the concrete OpDefs (ops/registry.h).
//
// An OpDef states an op's inputs, outputs and attributes, infers output types from input types,
// and carries its scalar reference kernel: the oracle every executor is tested against.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "graph/attributes.h"
#include "graph/graph.h"
#include "graph/shape.h"

namespace anvil {

// A set of dtypes, as a bit mask over DType.
class DTypeSet {
 public:
  constexpr DTypeSet() = default;
  constexpr DTypeSet(std::initializer_list<DType> dtypes) {
    for (DType d : dtypes) bits_ |= 1u << static_cast<int>(d);
  }
  static constexpr DTypeSet Any() {
    return {DType::kF32, DType::kF16, DType::kBF16, DType::kI32, DType::kI64, DType::kQ8_0, DType::kQ4_0};
  }
  static constexpr DTypeSet Weights() {
    return {DType::kF32, DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0};
  }
  constexpr bool Contains(DType d) const { return (bits_ >> static_cast<int>(d)) & 1u; }
  std::string ToString() const;  // "f32|f16"

 private:
  uint32_t bits_ = 0;
};

struct PortSpec {
  std::string name;
  DTypeSet dtypes;
  bool optional = false;  // inputs only: may be absent ("")
  bool variadic = false;  // last output only: one or more (split)
};

struct AttrSpec {
  std::string name;
  AttrType type;
  bool required = false;
};

// What shape inference sees of one node. Helpers produce messages that name the input the way the
// verifier reports it: "input 1 'blk.3.wq' has shape [64,63], expected [64,64]".
class InferContext {
 public:
  InferContext(const Graph& graph, const Node& node) : graph_(graph), node_(node) {}

  const Node& node() const { return node_; }
  const Attributes& attrs() const { return node_.attrs; }
  int num_inputs() const { return static_cast<int>(node_.inputs.size()); }
  int num_outputs() const { return static_cast<int>(node_.outputs.size()); }
  bool has_input(int i) const { return i < num_inputs() && node_.inputs[i] != kNoValue; }
  const TensorType& input(int i) const { return graph_.value(node_.inputs[i]).type; }
  const Value& input_value(int i) const { return graph_.value(node_.inputs[i]); }
  // "input 1 'blk.3.wq'"
  std::string InputLabel(int i) const;

  absl::Status ExpectRank(int i, size_t rank) const;
  absl::Status ExpectDim(int i, size_t axis, const Dim& dim) const;
  absl::Status ExpectShape(int i, const Shape& shape) const;
  absl::Status ExpectDType(int i, DType dtype) const;
  absl::Status Error(absl::string_view message) const;

 private:
  const Graph& graph_;
  const Node& node_;
};

// A dense host tensor handed to a reference kernel: concrete dims and a pointer to its bytes.
struct HostTensor {
  DType dtype = DType::kF32;
  std::vector<int64_t> dims;
  void* data = nullptr;

  int64_t num_elements() const { return NumElements(dims); }
  template <typename T>
  T* as() const { return static_cast<T*>(data); }
};

// Everything a reference kernel runs with. `position` is P: tokens already in the KV cache before
// this step.
struct RefKernelContext {
  const Node& node;
  std::vector<HostTensor> inputs;   // absent optional inputs have data == nullptr
  std::vector<HostTensor> outputs;  // outputs aliasing an input point at the input's bytes
  int64_t position = 0;
};

// Work and traffic of one node for given concrete shapes, for `anvil inspect` and benchmarks.
struct OpCost {
  double flops = 0;
  double weight_bytes = 0;  // bytes read from initializers
};

struct CostContext {
  const Node& node;
  std::vector<std::vector<int64_t>> input_dims;
  std::vector<DType> input_dtypes;
  std::vector<bool> input_is_weight;  // initializer inputs
  std::vector<std::vector<int64_t>> output_dims;
  int64_t position = 0;  // P, for attention cost
};

struct OpDef {
  std::string name;
  std::string summary;
  std::vector<PortSpec> inputs;
  std::vector<PortSpec> outputs;
  std::vector<AttrSpec> attrs;

  // Output i aliases input `aliases[i]` (written in place, e.g. a KV-cache state), or -1.
  std::vector<int> output_aliases;
  // Output i may be written over input `in_place[i]` when that input dies at this node (-1: no).
  // Only for ops whose kernels read each element (or row) before writing the same one.
  std::vector<int> in_place;
  // The op only re-labels its input's bytes (reshape): output 0 is a view of input 0.
  bool is_view = false;
  // Produced only by the optimizer.
  bool is_fused = false;

  // Output types from input types and attributes. Required.
  std::function<absl::StatusOr<std::vector<TensorType>>(const InferContext&)> infer;
  // Scalar reference kernel (plain loops). Required for ops that run.
  std::function<absl::Status(const RefKernelContext&)> reference;
  // Cost for concrete shapes; null means zero flops and no weight reads.
  std::function<OpCost(const CostContext&)> cost;

  int OutputAlias(int output) const {
    return output < static_cast<int>(output_aliases.size()) ? output_aliases[output] : -1;
  }
  int InPlaceInput(int output) const {
    return output < static_cast<int>(in_place.size()) ? in_place[output] : -1;
  }
};

class OpRegistry {
 public:
  // Fails if an op of that name is already registered or the def is incomplete.
  absl::Status Register(OpDef def);
  const OpDef* Find(absl::string_view name) const;
  std::vector<const OpDef*> All() const;  // sorted by name

 private:
  std::map<std::string, std::unique_ptr<OpDef>, std::less<>> ops_;
};

}  // namespace anvil
