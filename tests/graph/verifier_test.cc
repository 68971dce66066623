// One test per verifier rule: a hand-written text-form model with one defect and the exact error.
#include "graph/verifier.h"

#include "absl/strings/str_replace.h"
#include "graph/model_io.h"
#include "gtest/gtest.h"
#include "ops/registry.h"

namespace anvil {
namespace {

// x [T,4] -> rms_norm(g) -> h -> linear(w [3,4]) -> y [T,3]
constexpr char kGood[] = R"pb(
opset_version: 1
graph {
  inputs { name: "x" type { dtype: F32 dims { symbol: "T" } dims { size: 4 } } }
  states { name: "cache" type { dtype: F32 dims { size: 1 } dims { symbol: "C" } dims { size: 4 } } }
  initializers { name: "w" dtype: F32 dims: 3 dims: 4 float_data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }
  initializers { name: "g" dtype: F32 dims: 4 float_data: [1, 1, 1, 1] }
  nodes { name: "norm" op: "rms_norm" inputs: "x" inputs: "g" outputs: "h" attributes { name: "eps" f: 1e-5 } }
  nodes { name: "proj" op: "linear" inputs: "h" inputs: "w" outputs: "y" }
  outputs { name: "y" type { dtype: F32 dims { symbol: "T" } dims { size: 3 } } }
}
)pb";

// Applies text replacements to kGood and returns the load error message ("" if it loads).
std::string ErrorAfter(std::vector<std::pair<std::string, std::string>> edits) {
  std::string text = kGood;
  for (const auto& [from, to] : edits) {
    EXPECT_NE(text.find(from), std::string::npos) << "edit target not found: " << from;
    text = absl::StrReplaceAll(text, {{from, to}});
  }
  auto model = ParseModelText(text, "test.pbtxt", Ops());
  return model.ok() ? "" : std::string(model.status().message());
}

TEST(VerifierTest, GoodGraphLoadsWithInferredTypes) {
  auto model = ParseModelText(kGood, "test.pbtxt", Ops());
  ASSERT_TRUE(model.ok()) << model.status();
  const Graph& g = model->graph;
  EXPECT_EQ(TensorTypeString(g.value(*g.FindValue("h")).type), "f32[T,4]");
  EXPECT_EQ(TensorTypeString(g.value(*g.FindValue("y")).type), "f32[T,3]");
}

TEST(VerifierTest, ShapeMismatchNamesNodeInputAndShapes) {
  EXPECT_EQ(ErrorAfter({{"dims: 3 dims: 4 float_data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]",
                         "dims: 4 dims: 3 float_data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]"}}),
            "test.pbtxt: node 'proj' (linear): input 1 'w' has shape [4,3], expected [4,4]");
}

TEST(VerifierTest, UnknownOp) {
  EXPECT_EQ(ErrorAfter({{"op: \"linear\"", "op: \"matmul\""}}), "test.pbtxt: node 'proj' (matmul): unknown op 'matmul'");
}

TEST(VerifierTest, WrongArity) {
  EXPECT_EQ(ErrorAfter({{"inputs: \"h\" inputs: \"w\"", "inputs: \"h\""}}),
            "test.pbtxt: node 'proj' (linear): has 1 inputs, expected 2 to 3");
  EXPECT_EQ(ErrorAfter({{"outputs: \"y\" }", "outputs: \"y\" outputs: \"y2\" }"}}),
            "test.pbtxt: node 'proj' (linear): has 2 outputs, expected 1");
}

TEST(VerifierTest, InputNotDefinedBeforeUse) {
  EXPECT_EQ(ErrorAfter({{"inputs: \"h\" inputs: \"w\"", "inputs: \"hh\" inputs: \"w\""}}),
            "test.pbtxt: node 'proj' (linear): input 0 'hh' is not defined before use");
}

TEST(VerifierTest, NodesOutOfOrderAreACycleOrUseBeforeDefinition) {
  const std::string norm =
      R"(nodes { name: "norm" op: "rms_norm" inputs: "x" inputs: "g" outputs: "h" attributes { name: "eps" f: 1e-5 } })";
  const std::string proj = R"(nodes { name: "proj" op: "linear" inputs: "h" inputs: "w" outputs: "y" })";
  EXPECT_EQ(ErrorAfter({{norm + "\n  " + proj, proj + "\n  " + norm}}),
            "test.pbtxt: node 'proj' (linear): input 0 'h' is not defined before use");
}

TEST(VerifierTest, DuplicateValueName) {
  EXPECT_EQ(ErrorAfter({{"outputs: \"h\"", "outputs: \"w\""}}),
            "test.pbtxt: node 'norm' (rms_norm): output 0: value name 'w' is defined twice");
  EXPECT_EQ(ErrorAfter({{"initializers { name: \"g\"", "initializers { name: \"w\""}}),
            "test.pbtxt: value name 'w' is defined twice");
}

TEST(VerifierTest, DuplicateNodeName) {
  EXPECT_EQ(ErrorAfter({{"name: \"proj\"", "name: \"norm\""}}), "test.pbtxt: node name 'norm' is used twice");
}

TEST(VerifierTest, AttributeTypeUnknownAndMissing) {
  EXPECT_EQ(ErrorAfter({{"name: \"eps\" f: 1e-5", "name: \"eps\" s: \"small\""}}),
            "test.pbtxt: node 'norm' (rms_norm): attribute 'eps' must be float, got string");
  EXPECT_EQ(ErrorAfter({{"name: \"eps\" f: 1e-5", "name: \"epsilon\" f: 1e-5"}}),
            "test.pbtxt: node 'norm' (rms_norm): unknown attribute 'epsilon'");
  EXPECT_EQ(ErrorAfter({{" attributes { name: \"eps\" f: 1e-5 }", ""}}),
            "test.pbtxt: node 'norm' (rms_norm): attribute 'eps' is required");
  EXPECT_EQ(ErrorAfter({{"name: \"eps\" f: 1e-5", "name: \"eps\" f: -1"}}),
            "test.pbtxt: node 'norm' (rms_norm): attribute 'eps' must be positive, got -1");
}

TEST(VerifierTest, PortDType) {
  EXPECT_EQ(ErrorAfter({{"name: \"x\" type { dtype: F32", "name: \"x\" type { dtype: I32"}}),
            "test.pbtxt: node 'norm' (rms_norm): input 0 'x' (x) has dtype i32, expected f32");
}

TEST(VerifierTest, InlineDataSize) {
  EXPECT_EQ(ErrorAfter({{"9, 10, 11, 12]", "9, 10, 11]"}}),
            "test.pbtxt: initializer 'w': has 11 float_data values, expected 12");
  EXPECT_EQ(ErrorAfter({{"initializers { name: \"g\" dtype: F32 dims: 4 float_data: [1, 1, 1, 1] }",
                         "initializers { name: \"g\" dtype: F16 dims: 4 raw_data: \"\\000\\000\" }"}}),
            "test.pbtxt: initializer 'g': raw_data has 2 bytes, expected 8");
  EXPECT_EQ(ErrorAfter({{"initializers { name: \"g\" dtype: F32 dims: 4 float_data: [1, 1, 1, 1] }",
                         "initializers { name: \"g\" dtype: F32 dims: 4 external: true data_offset: 0 data_length: 16 }"}}),
            "test.pbtxt: initializer 'g': refers to a data section, but this file has none (text form needs inline data)");
}

TEST(VerifierTest, QuantizedLastDimMustBeBlockMultiple) {
  EXPECT_EQ(ErrorAfter({{"initializers { name: \"w\" dtype: F32 dims: 3 dims: 4 float_data: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] }",
                         "initializers { name: \"w\" dtype: Q8_0 dims: 3 dims: 4 }"}}),
            "test.pbtxt: initializer 'w': q8_0 needs the last dim to be a multiple of 32, got 4");
}

TEST(VerifierTest, DimsOverflow) {
  EXPECT_EQ(ErrorAfter({{"initializers { name: \"g\" dtype: F32 dims: 4 float_data: [1, 1, 1, 1] }",
                         "initializers { name: \"g\" dtype: F32 dims: 4294967296 dims: 4294967296 dims: 4 }"}}),
            "test.pbtxt: initializer 'g': element count overflows 64 bits");
}

TEST(VerifierTest, UnknownSymbol) {
  EXPECT_EQ(ErrorAfter({{"dims { symbol: \"T\" } dims { size: 4 } } }", "dims { symbol: \"N\" } dims { size: 4 } } }"}}),
            "test.pbtxt: input 'x': dim 0 has unknown symbol 'N' (known: T, C)");
}

TEST(VerifierTest, GraphOutputs) {
  EXPECT_EQ(ErrorAfter({{"outputs { name: \"y\"", "outputs { name: \"z\""}}),
            "test.pbtxt: graph output 'z' is not defined");
  EXPECT_EQ(ErrorAfter({{"dims { symbol: \"T\" } dims { size: 3 } } }", "dims { symbol: \"T\" } dims { size: 5 } } }"}}),
            "test.pbtxt: graph output 'y' is declared f32[T,5] but computes f32[T,3]");
}

TEST(VerifierTest, KvCacheWriteNeedsAState) {
  const std::string extra =
      R"(nodes { name: "write" op: "kv_cache_write" inputs: "h3" inputs: "cache" outputs: "cache2" })";
  const std::string reshape =
      R"(nodes { name: "heads" op: "reshape" inputs: "h" outputs: "h3" attributes { name: "shape" ints { values: [0, 1, 4] } } })";
  EXPECT_EQ(ErrorAfter({{"  outputs { name: \"y\"", "  " + reshape + "\n  " + extra + "\n  outputs { name: \"y\""}}), "");
  EXPECT_EQ(ErrorAfter({{"  outputs { name: \"y\"",
                         "  " + reshape + "\n  " + absl::StrReplaceAll(extra, {{"\"cache\"", "\"x\""}}) +
                             "\n  outputs { name: \"y\""}}),
            "test.pbtxt: node 'write' (kv_cache_write): input 1 'x' must be a state (a KV cache)");
}

TEST(VerifierTest, TextThatDoesNotParse) {
  EXPECT_EQ(ErrorAfter({{"opset_version: 1", "opset_version: one"}}),
            "test.pbtxt: text-form model does not parse: line 2 column 16: Expected integer, got: one");
}

TEST(VerifierTest, VerifyAfterRewriteCatchesRemovedValues) {
  auto model = ParseModelText(kGood, "test.pbtxt", Ops());
  ASSERT_TRUE(model.ok());
  Graph& g = model->graph;
  g.RemoveNode(*g.FindNode("norm"));  // proj now reads a value nobody produces
  absl::Status s = VerifyGraph(g, Ops());
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "node 'proj' (linear): input 0 refers to a removed value");
}

}  // namespace
}  // namespace anvil
