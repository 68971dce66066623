// The op conformance harness (in the shape of ggml's test-backend-ops): a case is data -- op,
// input shapes and dtypes, attributes, position -- built into a one-node graph, run on an
// executor and on the reference executor with the same random inputs, and compared by NMSE
// (exactly for integer outputs). States (KV caches) start with random contents and are compared
// after the step too.
#pragma once

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "executors/executor.h"
#include "graph/graph.h"

namespace anvil::testing {

struct TensorSpec {
  enum Kind { kInput, kWeight, kState };
  Kind kind = kInput;
  DType dtype = DType::kF32;
  std::vector<int64_t> dims;
  int64_t max_int = 0;  // i32 inputs: values in [0, max_int)
  bool absent = false;  // an optional input left out
};

struct OpCase {
  std::string label;  // shows in the test name
  std::string op;
  std::vector<TensorSpec> inputs;
  int num_outputs = 1;
  Attributes attrs;
  int64_t position = 0;
  double max_nmse = 1e-7;
};

// gtest prints a case by its label.
inline void PrintTo(const OpCase& c, std::ostream* os) { *os << c.label; }

// Everything a run produced, as doubles (integer outputs converted exactly).
struct CaseResult {
  std::vector<std::vector<double>> outputs;
  std::vector<std::vector<double>> states;
};

// Builds the case's one-node model (verified).
absl::StatusOr<Model> BuildCaseModel(const OpCase& c, uint64_t seed);

// Runs `graph` on `executor` for one step of `tokens` tokens at `position` (KV capacity
// `capacity`): f32 inputs and states drawn uniformly from [-1, 1), i32 inputs from [0, max_int).
absl::StatusOr<CaseResult> RunGraphRandom(Executor& executor, const Graph& graph, int64_t tokens, int64_t capacity,
                                          int64_t position, uint64_t seed, int64_t max_int = 1);

// Runs the case on `executor` with inputs and initial states drawn from `seed`.
absl::StatusOr<CaseResult> RunCase(Executor& executor, const Model& model, const OpCase& c, uint64_t seed);

// sum((a - b)^2) / sum(b^2); 0 when both are all zero.
double Nmse(const std::vector<double>& actual, const std::vector<double>& expected);

// A readable name for parameterized tests: letters, digits and '_' only.
std::string TestName(const std::string& label);

}  // namespace anvil::testing
