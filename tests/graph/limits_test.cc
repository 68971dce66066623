// Limits on what a model or capture file may declare, each with a crafted file: sizes against the
// file, counts before anything is built from them, dims and element counts that later arithmetic
// multiplies out, nesting. Every error names the file and what was wrong, and nothing is
// allocated from an unchecked number. (The container rules themselves: container_test.cc.)
#include <cstring>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/session.h"
#include "graph/capture.h"
#include "graph/model_io.h"
#include "graph/verifier.h"
#include "gtest/gtest.h"
#include "models/capture_replay.h"
#include "ops/registry.h"
#include "proto/anvil.pb.h"
#include "tests/fuzz/inputs.h"
#include "tests/graph/crafted_model.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::ReadFile;
using ::anvil::testing::TempDir;
using ::anvil::testing::WriteFile;

using ::anvil::testing::SmallLinearModel;

std::string Container(const std::string& body, const std::string& data, uint32_t align = 64) {
  return ::anvil::testing::ContainerBytes(body, data, align);
}
std::string Container(const proto::ModelProto& p, const std::string& data) {
  return Container(p.SerializeAsString(), data, p.data_alignment() ? p.data_alignment() : 64);
}

class GraphLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = TempDir() + "/m.graph"; }
  // The load error of a `.graph` holding `bytes` ("" if it loads), with the path prefix checked.
  std::string LoadError(const std::string& bytes) {
    WriteFile(path_, bytes);
    auto model = LoadModel(path_, Ops());
    if (model.ok()) return "";
    const std::string message(model.status().message());
    EXPECT_TRUE(absl::StartsWith(message, path_ + ": ")) << message;
    return absl::StartsWith(message, path_ + ": ") ? message.substr(path_.size() + 2) : message;
  }
  std::string path_;
};

TEST_F(GraphLimitsTest, SmallModelLoads) { EXPECT_EQ(LoadError(Container(SmallLinearModel(), std::string(48, '\0'))), ""); }

// A tensor's bytes must lie in the file: a length far beyond it is refused from the numbers alone.
TEST_F(GraphLimitsTest, TensorLargerThanTheFile) {
  proto::ModelProto p = SmallLinearModel();
  proto::TensorProto* w = p.mutable_graph()->mutable_initializers(0);
  w->set_dims(0, int64_t{1} << 28);  // 1 TiB of f32
  w->set_data_length(uint64_t{1} << 32);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))),
            "initializer 'w': data range [0, +4294967296) is outside the data section (48 bytes); the file may be "
            "truncated");
}

TEST_F(GraphLimitsTest, TensorRangeStartsPastTheData) {
  proto::ModelProto p = SmallLinearModel();
  p.mutable_graph()->mutable_initializers(0)->set_data_offset(64);
  EXPECT_EQ(LoadError(Container(p, std::string(64, '\0'))),
            "initializer 'w': data range [64, +48) is outside the data section (64 bytes); the file may be truncated");
}

TEST_F(GraphLimitsTest, DimsProductOverflow) {
  proto::ModelProto p = SmallLinearModel();
  proto::TensorProto* w = p.mutable_graph()->mutable_initializers(0);
  w->set_dims(0, int64_t{1} << 32);
  w->set_dims(1, int64_t{1} << 32);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "initializer 'w': element count overflows 64 bits");
  w->set_dims(0, int64_t{1} << 31);
  w->set_dims(1, int64_t{1} << 31);  // 2^62 f32: the byte count overflows
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "initializer 'w': byte size overflows 64 bits");
  w->set_dims(0, -3);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "initializer 'w': negative dim -3");
}

// Zero-sized dims make any other dim "fit" the data; the verifier still holds every dim to 2^40.
TEST_F(GraphLimitsTest, HugeDimOfAnEmptyTensor) {
  proto::ModelProto p = SmallLinearModel();
  proto::TensorProto* w = p.mutable_graph()->mutable_initializers(0);
  w->set_dims(0, 0);
  w->set_dims(1, int64_t{1} << 50);
  w->set_data_length(0);
  EXPECT_EQ(LoadError(Container(p, "")), "initializer 'w': has dim 1 = 1125899906842624, outside [0, 2^40]");
}

TEST_F(GraphLimitsTest, RankLimit) {
  proto::ModelProto p = SmallLinearModel();
  proto::TensorProto* w = p.mutable_graph()->mutable_initializers(0);
  for (int i = 0; i < 7; ++i) w->add_dims(1);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "initializer 'w' has rank 9 (at most 8)");
  p = SmallLinearModel();
  proto::TensorTypeProto* x = p.mutable_graph()->mutable_inputs(0)->mutable_type();
  for (int i = 0; i < 7; ++i) x->add_dims()->set_size(1);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "input 'x': has rank 9 (at most 8)");
}

// Declared input and state shapes: each dim and the element count (symbols aside) are bounded,
// so shape inference and executors can multiply them out without overflow.
TEST_F(GraphLimitsTest, DeclaredShapeLimits) {
  proto::ModelProto p = SmallLinearModel();
  proto::TensorTypeProto* x = p.mutable_graph()->mutable_inputs(0)->mutable_type();
  x->mutable_dims(1)->set_size((int64_t{1} << 40) + 1);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "input 'x': has dim 1 = 1099511627777, outside [0, 2^40]");
  x->mutable_dims(1)->set_size(int64_t{1} << 30);
  x->add_dims()->set_size(int64_t{1} << 30);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))),
            "input 'x': has shape [T,1073741824,1073741824]: more than 2^40 elements");
  p = SmallLinearModel();
  proto::ValueInfoProto* state = p.mutable_graph()->add_states();
  state->set_name("cache");
  state->mutable_type()->set_dtype(proto::F32);
  state->mutable_type()->add_dims()->set_size(int64_t{1} << 21);
  state->mutable_type()->add_dims()->set_symbol("C");
  state->mutable_type()->add_dims()->set_size(int64_t{1} << 21);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))),
            "state 'cache': has shape [2097152,C,2097152]: more than 2^40 elements");
  state->mutable_type()->mutable_dims(0)->set_size(-1);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "state 'cache': dim 0 is negative");
}

// Counts are checked before the IR is built. Empty entries cost two bytes each in the file.
TEST_F(GraphLimitsTest, CountsAreCapped) {
  {
    proto::ModelProto p = SmallLinearModel();
    for (int i = 0; i < (1 << 16); ++i) p.mutable_graph()->add_nodes();
    EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "graph nodes: 65537 entries (at most 65536)");
  }
  {
    proto::ModelProto p = SmallLinearModel();
    for (int i = 0; i < (1 << 16); ++i) p.mutable_graph()->add_initializers();
    EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "graph initializers: 65537 entries (at most 65536)");
  }
  {
    proto::ModelProto p = SmallLinearModel();
    for (int i = 0; i < (1 << 16) + 1; ++i) p.mutable_graph()->add_states();
    EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "graph states: 65537 entries (at most 65536)");
  }
  {
    proto::ModelProto p = SmallLinearModel();
    for (int i = 0; i < 1024; ++i) p.mutable_graph()->mutable_nodes(0)->add_inputs(std::string("x"));
    EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "node 'proj' (linear) inputs: 1026 entries (at most 1024)");
  }
  {
    proto::ModelProto p = SmallLinearModel();
    proto::AttributeProto* a = p.mutable_graph()->mutable_nodes(0)->add_attributes();
    a->set_name("shape");
    for (int i = 0; i < 1025; ++i) a->mutable_ints()->add_values(1);
    EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "node 'proj' (linear): attribute 'shape': 1025 entries (at most 1024)");
  }
  {
    proto::ModelProto p = SmallLinearModel();
    for (int i = 0; i < 65; ++i) p.mutable_config()->add_eos_ids(2);
    EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "config eos_ids: 65 entries (at most 64)");
  }
  {
    proto::ModelProto p = SmallLinearModel();
    for (int i = 0; i < (1 << 16) + 1; ++i) p.add_metadata();
    EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), "metadata: 65537 entries (at most 65536)");
  }
}

TEST_F(GraphLimitsTest, DataAlignmentHasAFloor) {
  proto::ModelProto p = SmallLinearModel();
  p.set_data_alignment(4);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))),
            "data_alignment 4 is below 8 (tensors read in place must be aligned for their dtype)");
}

// Binary protobuf: unknown fields are kept, so a crafted file can nest groups; protobuf's
// recursion limit (100) refuses deep nesting as a damaged description instead of recursing.
TEST_F(GraphLimitsTest, DeeplyNestedBinaryDescription) {
  std::string body;
  for (int i = 0; i < 100000; ++i) body += '\x7b';  // field 15 (unknown), wire type 3: start group
  for (int i = 0; i < 100000; ++i) body += '\x7c';  // field 15, wire type 4: end group
  EXPECT_EQ(LoadError(Container(body, "")), "the model description (ModelProto) does not parse; the file is damaged");
  // A shallow unknown group is fine (forward compatibility).
  EXPECT_EQ(LoadError(Container(SmallLinearModel().SerializeAsString() + "\x7b\x7c", std::string(48, '\0'))), "");
}

// Text form: the parser's recursion limit, and sizes of inline data checked against the dims
// before anything is copied.
TEST(TextFormLimitsTest, DeepNestingIsAParseError) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += "graph { ";
  auto model = ParseModelText(text, "deep.pbtxt", Ops());
  ASSERT_FALSE(model.ok());
  EXPECT_TRUE(absl::StartsWith(model.status().message(), "deep.pbtxt: text-form model does not parse: line 1 column 15"))
      << model.status();
  // The schema nests 4 levels (graph/nodes/attributes/ints) and has no recursive message, so the
  // parser's recursion limit (32) is a second line: an unknown field stops the parse first.
  text = "graph { nodes { attributes { ints { values { } } } } }";
  model = ParseModelText(text, "deep.pbtxt", Ops());
  ASSERT_FALSE(model.ok());
  EXPECT_TRUE(absl::StrContains(model.status().message(), "does not parse")) << model.status();
}

TEST(TextFormLimitsTest, InlineDataMustMatchTheDims) {
  auto error = [](const std::string& tensor) {
    const std::string text = absl::StrCat("graph { initializers { name: \"w\" ", tensor, " } }");
    auto model = ParseModelText(text, "w.pbtxt", Ops());
    return model.ok() ? std::string() : std::string(model.status().message());
  };
  EXPECT_EQ(error("dtype: F32 dims: 1048576 dims: 1048576 raw_data: \"abc\""),
            "w.pbtxt: initializer 'w': raw_data has 3 bytes, expected 4398046511104");
  EXPECT_EQ(error("dtype: F32 dims: 1073741824 dims: 1073741824 float_data: [1]"),
            "w.pbtxt: initializer 'w': has 1 float_data values, expected 1152921504606846976");
  EXPECT_EQ(error("dtype: I32 dims: 4294967296 dims: 4294967296 int_data: [1]"),
            "w.pbtxt: initializer 'w': element count overflows 64 bits");
  EXPECT_EQ(error("dtype: I32 dims: 2 int_data: [1, 4294967296]"), "w.pbtxt: initializer 'w': int_data[1] does not fit i32");
  EXPECT_EQ(error("dtype: F32 dims: 1 external: true data_length: 4"),
            "w.pbtxt: initializer 'w': refers to a data section, but this file has none (text form needs inline data)");
  EXPECT_EQ(error("dtype: F32 dims: 1 float_data: [1] raw_data: \"abcd\""),
            "w.pbtxt: initializer 'w': has more than one of raw_data, float_data, int_data");
}

// Integer attributes (sizes, counts, positions) are held to +-2^30 before an op's inference
// combines them.
TEST(TextFormLimitsTest, IntegerAttributes) {
  auto error = [](const std::string& attribute) {
    const std::string text = absl::StrCat(
        "graph { inputs { name: \"x\" type { dtype: F32 dims { symbol: \"T\" } dims { size: 4 } } } ",
        "nodes { name: \"r\" op: \"reshape\" inputs: \"x\" outputs: \"y\" ", attribute, " } outputs { name: \"y\" } }");
    auto model = ParseModelText(text, "a.pbtxt", Ops());
    return model.ok() ? std::string() : std::string(model.status().message());
  };
  EXPECT_EQ(error("attributes { name: \"shape\" ints { values: [0, 2, 2] } }"), "");
  EXPECT_EQ(error("attributes { name: \"shape\" ints { values: [0, 1073741825, -1] } }"),
            "a.pbtxt: node 'r' (reshape): attribute 'shape' holds 1073741825, outside [-2^30, 2^30]");
  EXPECT_EQ(error("attributes { name: \"shape\" ints { values: [0, -9223372036854775808] } }"),
            "a.pbtxt: node 'r' (reshape): attribute 'shape' holds -9223372036854775808, outside [-2^30, 2^30]");
  // Each entry in range, their product past int64: a mismatch, without overflowing on the way.
  EXPECT_EQ(error("attributes { name: \"shape\" ints { values: [0, 1073741824, 1073741824, 1073741824] } }"),
            "a.pbtxt: node 'r' (reshape): input 0 'x' has shape [T,4], which cannot be viewed as "
            "[0,1073741824,1073741824,1073741824]");
}

// What a file can make a session allocate or read when it runs: outputs it reads must not be
// empty, and activations sized by empty weights are refused before they are allocated.
class RunLimitsTest : public ::testing::Test {
 protected:
  // The first error of loading `graph_text` (a text-form graph over tokens i32[T]) and running
  // `tokens` prompt tokens through a CPU session; "" when all of it works.
  static std::string RunError(const std::string& graph_text, int tokens = 1) {
    auto model = ParseModelText(absl::StrCat("graph { inputs { name: \"tokens\" type { dtype: I32 dims { symbol: "
                                             "\"T\" } } } ", graph_text, " }"),
                                "m.pbtxt", Ops());
    if (!model.ok()) return std::string(model.status().message());
    auto session = Session::Create(std::make_shared<const Model>(std::move(*model)),
                                   MakeCpuExecutor(Ops(), {.threads = 1}), {.capacity = 128});
    if (!session.ok()) return std::string(session.status().message());
    auto step = (*session)->Prefill(std::vector<int32_t>(tokens, 1));
    return step.ok() ? "" : std::string(step.status().message());
  }
  // table f32[5, D] (inline zeros) -> embedding -> linear with w f32[N, D]; D = 0 lets a tiny file
  // declare an N-wide output.
  static std::string Embed(int64_t d, int64_t n, const std::string& logits_name = "logits") {
    auto data = [](int64_t count) { return count == 0 ? std::string() : absl::StrCat(" float_data: [", absl::StrJoin(std::vector<int>(count, 0), ","), "]"); };
    return absl::StrCat(
        "initializers { name: \"table\" dtype: F32 dims: 5 dims: ", d, data(5 * d), " } ",
        "initializers { name: \"w\" dtype: F32 dims: ", n, " dims: ", d, data(n * d), " } ",
        "nodes { name: \"e\" op: \"embedding\" inputs: \"table\" inputs: \"tokens\" outputs: \"h\" } ",
        "nodes { name: \"p\" op: \"linear\" inputs: \"h\" inputs: \"w\" outputs: \"", logits_name, "\" } ",
        "outputs { name: \"", logits_name, "\" }");
  }
};

TEST_F(RunLimitsTest, SmallGraphRuns) { EXPECT_EQ(RunError(Embed(2, 8)), ""); }

TEST_F(RunLimitsTest, LogitsAndNextTokenMustNotBeEmpty) {
  EXPECT_EQ(RunError(Embed(2, 0)), "output 'logits' is f32[T,0], expected f32[rows,vocab] with rows, vocab >= 1");
  EXPECT_EQ(RunError("initializers { name: \"logits\" dtype: F32 dims: 0 dims: 8 } outputs { name: \"logits\" }"),
            "output 'logits' is f32[0,8], expected f32[rows,vocab] with rows, vocab >= 1");
  EXPECT_EQ(RunError(absl::StrCat(Embed(2, 8), " initializers { name: \"next_token\" dtype: I32 dims: 0 } ",
                                  "outputs { name: \"next_token\" }")),
            "output 'next_token' is i32[0], expected i32[rows] with rows >= 1");
  EXPECT_EQ(RunError(absl::StrCat(Embed(2, 8), " initializers { name: \"next_token\" dtype: I32 int_data: [3] } ",
                                  "outputs { name: \"next_token\" }")),
            "output 'next_token' is i32[], expected i32[rows] with rows >= 1");
}

TEST_F(RunLimitsTest, ActivationsBeyondMemoryAreRefused) {
  // 2^38 logits per token (1 TiB) from a file of a few hundred bytes: more than this machine has.
  const std::string error = RunError(Embed(0, int64_t{1} << 38));
  EXPECT_TRUE(absl::StrContains(error, "cannot allocate a 1099511627840-byte activation arena")) << error;
  // 128 tokens of 2^40 logits (2^49 bytes): refused by the memory plan, before any arithmetic on it.
  EXPECT_EQ(RunError(Embed(0, int64_t{1} << 40), 128), "cpu executor, T=128: value 'logits' needs 562949953421312 bytes");
}

// Shapes an op infers are held to the same limits as declared ones.
TEST(VerifierLimitsTest, InferredShapesAreBounded) {
  OpRegistry registry;
  OpDef def;
  def.name = "grow";
  def.inputs = {PortSpec{"x", {DType::kF32}}};
  def.outputs = {PortSpec{"y", {DType::kF32}}};
  def.infer = [](const InferContext&) -> absl::StatusOr<std::vector<TensorType>> {
    return std::vector<TensorType>{{DType::kF32, Shape{Dim::Fixed(int64_t{1} << 21), Dim::Fixed(int64_t{1} << 21)}}};
  };
  ASSERT_TRUE(registry.Register(std::move(def)).ok());
  Graph g;
  Value x;
  x.name = "x";
  x.kind = ValueKind::kInput;
  x.type = {DType::kF32, {Dim::Symbol("T")}};
  x.has_type = true;
  ASSERT_TRUE(g.AddValue(std::move(x)).ok());
  Node node;
  node.name = "n";
  node.op = "grow";
  node.inputs = {0};
  node.outputs = {*g.AddIntermediate("y")};
  ASSERT_TRUE(g.AddNode(std::move(node)).ok());
  g.outputs().push_back(1);
  const absl::Status status = VerifyGraph(g, registry);
  EXPECT_EQ(status.message(), "node 'n' (grow): output 0 'y': has shape [2097152,2097152]: more than 2^40 elements");
}

// .capture files: capacity, prompt and steps are checked before a replay sizes anything by them.
class CaptureLimitsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(TempDir());
    auto built = fuzz::CaptureSourceModel();
    ASSERT_TRUE(built.ok()) << built.status();
    source_path_ = new std::string(*dir_ + "/source.graph");
    ASSERT_TRUE(SaveModel(*built, *source_path_).ok());
    auto source = LoadModel(*source_path_, Ops());
    ASSERT_TRUE(source.ok()) << source.status();
    auto shared = std::make_shared<const Model>(std::move(*source));
    auto session = Session::Create(shared, MakeCpuExecutor(Ops(), {.threads = 1}), {.capacity = 16});
    ASSERT_TRUE(session.ok()) << session.status();
    auto capture = RecordCapture(**session, std::vector<int32_t>{1, 4}, {.steps = 3});
    ASSERT_TRUE(capture.ok()) << capture.status();
    capture->graph_checksum = shared->checksum;
    const std::string path = *dir_ + "/good.capture";
    ASSERT_TRUE(SaveCapture(*capture, *shared, *shared, path).ok());
    good_ = new proto::CaptureProto();
    const std::string bytes = ReadFile(path);
    ASSERT_TRUE(good_->ParseFromString(bytes.substr(24)));
  }

  // The ReadCapture error of `p` written as a capture file ("" if it reads).
  std::string ReadError(const proto::CaptureProto& p) {
    const std::string path = *dir_ + "/crafted.capture";
    const std::string body = p.SerializeAsString();
    std::string bytes(kCaptureMagic, 8);
    const uint32_t version = 1, flags = 0;
    const uint64_t length = body.size();
    bytes.append(reinterpret_cast<const char*>(&version), 4);
    bytes.append(reinterpret_cast<const char*>(&flags), 4);
    bytes.append(reinterpret_cast<const char*>(&length), 8);
    WriteFile(path, bytes + body);
    auto capture = ReadCapture(path);
    if (capture.ok()) {
      auto source = LoadModel(*source_path_, Ops());
      EXPECT_TRUE(source.ok());
      auto plan = LoadCapturePlan(path, *source, Ops(), false);
      if (plan.ok()) return "";
      return std::string(plan.status().message()).substr(path.size());
    }
    const std::string message(capture.status().message());
    EXPECT_TRUE(absl::StartsWith(message, path)) << message;
    return message.substr(path.size());
  }

  static std::string* dir_;
  static std::string* source_path_;
  static proto::CaptureProto* good_;
};
std::string* CaptureLimitsTest::dir_ = nullptr;
std::string* CaptureLimitsTest::source_path_ = nullptr;
proto::CaptureProto* CaptureLimitsTest::good_ = nullptr;

TEST_F(CaptureLimitsTest, GoodCaptureReads) { EXPECT_EQ(ReadError(*good_), ""); }

TEST_F(CaptureLimitsTest, Capacity) {
  proto::CaptureProto p = *good_;
  p.set_capacity(int64_t{1} << 40);
  EXPECT_EQ(ReadError(p), ": capacity 1099511627776 is outside 1..16777216");
  p.set_capacity(0);
  EXPECT_EQ(ReadError(p), ": capacity 0 is outside 1..16777216");
  p.set_capacity(4);  // 2 prompt ids + 3 steps
  EXPECT_EQ(ReadError(p), ": 2 prompt ids and 3 steps do not fit the capacity 4");
}

TEST_F(CaptureLimitsTest, IdsAndPositions) {
  proto::CaptureProto p = *good_;
  p.set_prompt_ids(1, -7);
  EXPECT_EQ(ReadError(p), ": prompt id 1 (-7) is outside the vocabulary");
  p = *good_;
  p.set_prompt_ids(0, 32);  // vocab 32
  EXPECT_EQ(ReadError(p), ": prompt id 0 (32) is outside the vocabulary");
  p = *good_;
  p.mutable_steps(2)->set_argmax_id(1000);
  EXPECT_EQ(ReadError(p), ": step 2 has an id or position outside the model");
  p = *good_;
  p.mutable_steps(0)->set_position(16);
  EXPECT_EQ(ReadError(p), ": step 0 has an id or position outside the model");
  p = *good_;
  p.add_first_logits(0.5f);
  EXPECT_EQ(ReadError(p), ": first_logits holds 33 values, the model's vocabulary is 32");
}

// The plan's tensors are ranges of the source's data section: checked like a .graph's.
TEST_F(CaptureLimitsTest, PlanTensorsStayInTheSourceData) {
  proto::CaptureProto p = *good_;
  proto::TensorProto* t = p.mutable_plan()->mutable_graph()->mutable_initializers(0);
  ASSERT_TRUE(t->external());
  t->set_data_offset(uint64_t{1} << 40);
  const std::string error = ReadError(p);
  EXPECT_TRUE(absl::StartsWith(error, ": plan: initializer 'token_embd.weight': data range [1099511627776, +1024) is "
                                      "outside the data section"))
      << error;
}

}  // namespace
}  // namespace anvil
