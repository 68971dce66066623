// The IR: ids, uses, rewrites and topological order.
#include "graph/graph.h"

#include "gtest/gtest.h"

namespace anvil {
namespace {

ValueId Input(Graph& g, const std::string& name) {
  Value v;
  v.name = name;
  v.kind = ValueKind::kInput;
  v.has_type = true;
  v.type = {DType::kF32, {Dim::Symbol("T"), Dim::Fixed(4)}};
  return *g.AddValue(v);
}

NodeId Unary(Graph& g, const std::string& name, ValueId in) {
  const ValueId out = *g.AddIntermediate(name + ".out");
  Node n;
  n.name = name;
  n.op = "silu";
  n.inputs = {in};
  n.outputs = {out};
  return *g.AddNode(n);
}

TEST(GraphTest, DuplicateValueNameIsRejected) {
  Graph g;
  Input(g, "x");
  Value v;
  v.name = "x";
  auto id = g.AddValue(v);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().message(), "value name 'x' is defined twice");
}

TEST(GraphTest, ValueHasOneProducer) {
  Graph g;
  const ValueId x = Input(g, "x");
  const NodeId a = Unary(g, "a", x);
  Node b;
  b.name = "b";
  b.op = "silu";
  b.inputs = {x};
  b.outputs = {g.node(a).outputs[0]};
  auto id = g.AddNode(b);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().message(), "value 'a.out' is produced by node 'a' and node 'b'");
  EXPECT_FALSE(g.FindNode("b").has_value());
}

TEST(GraphTest, UsesReplaceAndRemove) {
  Graph g;
  const ValueId x = Input(g, "x");
  const NodeId a = Unary(g, "a", x);
  const NodeId b = Unary(g, "b", g.node(a).outputs[0]);
  g.outputs().push_back(g.node(b).outputs[0]);
  EXPECT_EQ(g.Uses(x).size(), 1u);
  EXPECT_EQ(g.Uses(g.node(a).outputs[0])[0].node, b);
  // Bypass a: b reads x directly; a becomes dead and is removed with its output.
  g.ReplaceAllUses(g.node(a).outputs[0], x);
  EXPECT_EQ(g.Uses(x).size(), 2u);
  EXPECT_TRUE(g.Uses(g.node(a).outputs[0]).empty());
  const ValueId a_out = g.node(a).outputs[0];
  g.RemoveNode(a);
  EXPECT_EQ(g.num_nodes(), 1u);
  EXPECT_FALSE(g.value(a_out).alive);
  EXPECT_FALSE(g.FindValue("a.out").has_value());
  EXPECT_TRUE(g.IsGraphOutput(g.node(b).outputs[0]));
}

TEST(GraphTest, ToposortRestoresOrderAndKeepsSortedGraphs) {
  Graph g;
  const ValueId x = Input(g, "x");
  const NodeId a = Unary(g, "a", x);
  const NodeId b = Unary(g, "b", g.node(a).outputs[0]);
  const NodeId c = Unary(g, "c", x);
  ASSERT_TRUE(g.Toposort().ok());
  EXPECT_EQ(g.order(), (std::vector<NodeId>{a, b, c}));
  g.mutable_order() = {b, c, a};
  ASSERT_TRUE(g.Toposort().ok());
  EXPECT_EQ(g.order(), (std::vector<NodeId>{c, a, b}));
}

TEST(GraphTest, ToposortNamesACycle) {
  Graph g;
  const ValueId x = Input(g, "x");
  const NodeId a = Unary(g, "a", x);
  const NodeId b = Unary(g, "b", g.node(a).outputs[0]);
  g.node(a).inputs[0] = g.node(b).outputs[0];
  absl::Status s = g.Toposort();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "graph has a cycle through node 'a'");
}

TEST(GraphTest, UniqueName) {
  Graph g;
  Input(g, "x");
  Input(g, "x.1");
  EXPECT_EQ(g.UniqueName("x"), "x.2");
  EXPECT_EQ(g.UniqueName("y"), "y");
  Unary(g, "n", *g.FindValue("x"));
  EXPECT_EQ(g.UniqueNodeName("n"), "n.1");
  EXPECT_EQ(g.UniqueNodeName("x"), "x");  // a value name is free as a node name
}

}  // namespace
}  // namespace anvil
