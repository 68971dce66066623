// Dumps are golden-tested (deterministic output); DOT must render with Graphviz.
// Regenerate the goldens after an intended change with ANVIL_UPDATE_GOLDEN=1.
#include "graph/printers.h"

#include <cstdlib>

#include "graph/model_io.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::ReadFile;
using ::anvil::testing::SourcePath;

void ExpectGolden(const std::string& actual, const std::string& golden) {
  const std::string path = SourcePath("tests/data/golden/" + golden);
  if (std::getenv("ANVIL_UPDATE_GOLDEN") != nullptr) {
    ::anvil::testing::WriteFile(path, actual);
    return;
  }
  EXPECT_EQ(actual, ReadFile(path)) << "differs from " << path << " (ANVIL_UPDATE_GOLDEN=1 rewrites it)";
}

class PrintersTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto model = LoadModel(SourcePath("tests/data/toy_llama.pbtxt"), Ops());
    ASSERT_TRUE(model.ok()) << model.status();
    model_ = std::move(*model);
  }
  Model model_;
};

TEST_F(PrintersTest, TextGolden) {
  ExpectGolden(DumpText(model_), "toy_llama.dump.txt");
  ExpectGolden(DumpText(model_, {.layer = 1}), "toy_llama.layer1.dump.txt");
}

TEST_F(PrintersTest, JsonGolden) { ExpectGolden(DumpJson(model_, {.layer = 0}), "toy_llama.layer0.dump.json"); }

TEST_F(PrintersTest, DotGolden) { ExpectGolden(DumpDot(model_, {.layer = 0}), "toy_llama.layer0.dump.dot"); }

TEST_F(PrintersTest, DotRendersWithGraphviz) {
  if (::anvil::testing::RunCommand("command -v dot").exit_code != 0) {
    if (::anvil::testing::InCi()) FAIL() << "graphviz `dot` is not installed (scripts/install-deps.sh installs it)";
    GTEST_SKIP() << "graphviz `dot` is not installed";
  }
  const std::string dir = ::anvil::testing::TempDir();
  for (std::optional<int64_t> layer : {std::optional<int64_t>(), std::optional<int64_t>(0)}) {
    ::anvil::testing::WriteFile(dir + "/g.dot", DumpDot(model_, {.layer = layer}));
    auto result = ::anvil::testing::RunCommand("dot -Tsvg " + dir + "/g.dot -o " + dir + "/g.svg");
    EXPECT_EQ(result.exit_code, 0) << result.output;
    EXPECT_NE(ReadFile(dir + "/g.svg").find("<svg"), std::string::npos);
  }
}

TEST_F(PrintersTest, LayerFilterSelectsOnlyThatLayer) {
  const std::string text = DumpText(model_, {.layer = 0});
  EXPECT_NE(text.find("blk.0.attn_q = linear"), std::string::npos);
  EXPECT_EQ(text.find("blk.1."), std::string::npos);
  EXPECT_EQ(text.find("output_norm ="), std::string::npos);
}

TEST(LayerOfNameTest, ParsesBlockPrefix) {
  EXPECT_EQ(LayerOfName("blk.3.attn_q"), 3);
  EXPECT_EQ(LayerOfName("blk.12.ffn_up.weight"), 12);
  EXPECT_EQ(LayerOfName("blk.x.attn"), -1);
  EXPECT_EQ(LayerOfName("output_norm"), -1);
  EXPECT_EQ(LayerOfName("blk.7"), -1);
}

}  // namespace
}  // namespace anvil
