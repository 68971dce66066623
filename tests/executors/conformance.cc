#include "tests/executors/conformance.h"

#include <cstring>
#include <random>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "graph/verifier.h"
#include "models/graph_builder.h"
#include "ops/dequantize.h"
#include "ops/registry.h"

namespace anvil::testing {
namespace {

std::vector<float> RandomFloats(int64_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Random values encoded as `dtype` (row-wise for blocked types).
std::vector<uint8_t> RandomTensorBytes(const TensorSpec& spec, std::mt19937_64& rng) {
  const int64_t n = NumElements(spec.dims);
  if (spec.dtype == DType::kI32) {
    std::uniform_int_distribution<int32_t> dist(0, static_cast<int32_t>(std::max<int64_t>(spec.max_int, 1) - 1));
    std::vector<uint8_t> bytes(n * 4);
    for (int64_t i = 0; i < n; ++i) {
      const int32_t v = dist(rng);
      std::memcpy(bytes.data() + 4 * i, &v, 4);
    }
    return bytes;
  }
  const std::vector<float> values = RandomFloats(n, rng);
  const int64_t row = spec.dims.empty() ? 1 : spec.dims.back();
  std::vector<uint8_t> bytes(RowBytes(spec.dtype, row) * (n / row));
  for (int64_t r = 0; r < n / row; ++r) {
    QuantizeRow(spec.dtype, values.data() + r * row, row, bytes.data() + r * RowBytes(spec.dtype, row));
  }
  return bytes;
}

std::vector<double> ToDoubles(DType dtype, const void* data, int64_t n) {
  std::vector<double> out(n);
  if (dtype == DType::kI32) {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<const int32_t*>(data)[i];
  } else {
    for (int64_t i = 0; i < n; ++i) out[i] = static_cast<const float*>(data)[i];
  }
  return out;
}

}  // namespace

absl::StatusOr<Model> BuildCaseModel(const OpCase& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Model model;
  model.graph.name = c.label;
  GraphBuilder b(model.graph);
  std::vector<ValueId> inputs;
  for (size_t i = 0; i < c.inputs.size(); ++i) {
    const TensorSpec& s = c.inputs[i];
    const std::string name = absl::StrCat("in", i);
    if (s.absent) {
      inputs.push_back(kNoValue);
    } else if (s.kind == TensorSpec::kInput) {
      inputs.push_back(b.Input(name, {s.dtype, FixedShape(s.dims)}));
    } else if (s.kind == TensorSpec::kState) {
      inputs.push_back(b.State(name, {s.dtype, FixedShape(s.dims)}));
    } else {
      inputs.push_back(b.Weight(name, WeightTensor{s.dtype, s.dims, TensorData::Owned(RandomTensorBytes(s, rng))}));
    }
  }
  Node node;
  node.name = "node";
  node.op = c.op;
  node.inputs = inputs;
  node.attrs = c.attrs;
  ANVIL_RETURN_IF_ERROR(b.status());
  for (int i = 0; i < c.num_outputs; ++i) {
    ANVIL_ASSIGN_OR_RETURN(ValueId out, model.graph.AddIntermediate(absl::StrCat("out", i)));
    node.outputs.push_back(out);
    model.graph.outputs().push_back(out);
  }
  ANVIL_RETURN_IF_ERROR(model.graph.AddNode(std::move(node)).status());
  ANVIL_RETURN_IF_ERROR(VerifyGraph(model.graph, Ops()));
  return model;
}

absl::StatusOr<CaseResult> RunGraphRandom(Executor& executor, const Graph& g, int64_t tokens, int64_t capacity,
                                          int64_t position, uint64_t seed, int64_t max_int) {
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> states, executor.CreateStates(g, capacity));
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<Plan> plan, executor.Compile(g, Specialization{tokens, capacity}, *states));
  std::mt19937_64 rng(seed ^ 0x9e3779b97f4a7c15ull);
  const SymbolBindings bindings = {{kTokensSymbol, tokens}, {kCapacitySymbol, capacity}};
  auto random_bytes = [&](ValueId id) -> absl::StatusOr<std::vector<uint8_t>> {
    const Value& v = g.value(id);
    TensorSpec spec{TensorSpec::kInput, v.type.dtype, {}, max_int};
    ANVIL_ASSIGN_OR_RETURN(spec.dims, BindShape(v.type.shape, bindings));
    return RandomTensorBytes(spec, rng);
  };
  for (size_t i = 0; i < g.inputs().size(); ++i) {
    ANVIL_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, random_bytes(g.inputs()[i]));
    ANVIL_RETURN_IF_ERROR(plan->SetInput(static_cast<int>(i), bytes.data(), bytes.size()));
  }
  for (ValueId id : g.states()) {
    ANVIL_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, random_bytes(id));
    ANVIL_RETURN_IF_ERROR(states->WriteState(id, bytes.data(), bytes.size()));
  }
  ANVIL_RETURN_IF_ERROR(plan->Run(position));
  CaseResult result;
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    ANVIL_ASSIGN_OR_RETURN(HostView out, plan->Output(static_cast<int>(i)));
    result.outputs.push_back(ToDoubles(out.dtype, out.data, NumElements(out.dims)));
  }
  for (ValueId id : g.states()) {
    ANVIL_ASSIGN_OR_RETURN(std::vector<int64_t> dims, BindShape(g.value(id).type.shape, bindings));
    std::vector<float> values(NumElements(dims));
    ANVIL_RETURN_IF_ERROR(states->ReadState(id, values.data(), values.size() * 4));
    result.states.push_back(ToDoubles(DType::kF32, values.data(), NumElements(dims)));
  }
  return result;
}

absl::StatusOr<CaseResult> RunCase(Executor& executor, const Model& model, const OpCase& c, uint64_t seed) {
  // Positions up to position + 16 are valid even without a KV state (rope reads them).
  int64_t capacity = c.position + 16, max_int = 1;
  for (ValueId id : model.graph.states()) capacity = std::max(capacity, model.graph.value(id).type.shape[1].size);
  for (const TensorSpec& s : c.inputs) max_int = std::max(max_int, s.max_int);
  return RunGraphRandom(executor, model.graph, 1, capacity, c.position, seed, max_int);
}

double Nmse(const std::vector<double>& actual, const std::vector<double>& expected) {
  double err = 0, norm = 0;
  for (size_t i = 0; i < expected.size() && i < actual.size(); ++i) {
    err += (actual[i] - expected[i]) * (actual[i] - expected[i]);
    norm += expected[i] * expected[i];
  }
  if (actual.size() != expected.size()) return 1e30;
  if (norm == 0) return err == 0 ? 0 : 1e30;
  return err / norm;
}

std::string TestName(const std::string& label) {
  std::string name;
  for (char ch : label) name += (std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_');
  return name;
}

}  // namespace anvil::testing
