// The anvil program as a user runs it: help for every command, inspect/dump/convert, exit codes.
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::AnvilBinary;
using ::anvil::testing::RunCommand;
using ::anvil::testing::SourcePath;
using ::anvil::testing::TempDir;

std::string Anvil(const std::string& args) { return AnvilBinary() + " " + args; }

TEST(CliTest, TopLevelHelpListsCommands) {
  auto r = RunCommand(Anvil("--help"));
  EXPECT_EQ(r.exit_code, 0);
  for (const char* command : {"run", "inspect", "dump", "convert", "capture", "replay", "tokenize", "bench"}) {
    EXPECT_TRUE(absl::StrContains(r.output, absl::StrCat("  ", command, " "))) << command;
  }
  EXPECT_EQ(RunCommand(Anvil("")).exit_code, 2);
  EXPECT_EQ(RunCommand(Anvil("frobnicate")).exit_code, 2);
}

TEST(CliTest, EveryCommandDescribesItsFlags) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> expected = {
      {"inspect", {"--json", "--verify", "--context", "--devices", "--passes[=S]", "--no-passes", "--verify-each"}},
      {"dump", {"--format", "--layer", "--passes[=S]", "--no-passes", "--verify-each"}},
      {"run", {"--model", "--prompt", "--n-predict", "--temp", "--top-k", "--top-p", "--seed", "--threads", "--ctx",
               "--executor", "--device", "--profile", "--capture", "--stats", "--prompt-ids", "--print-ids", "--dump-logits", "--ignore-eos", "--passes[=S]", "--no-passes"}},
      {"convert", {"--output", "-o", "--tokenizer", "llama2c", "pbtxt", "gguf", "hf"}},
      {"capture", {"--model", "--prompt", "--prompt-ids", "--n-predict", "--output", "--ctx", "--temp", "--seed", "--executor",
                   "--passes[=S]"}},
      {"replay", {"--steps", "--json", "--force", "--capture", "--executor", "--device"}},
      {"tokenize", {"--model", "--no-special", "--pieces", "--decode"}},
      {"bench", {"--model", "--synthetic", "--dtype", "--n-prompt", "--n-gen", "--threads", "--repetitions", "--executor",
                 "--output", "--json", "--probe-mib", "tinyllama-1.1b"}},
  };
  for (const auto& [command, flags] : expected) {
    auto r = RunCommand(Anvil(command + " --help"));
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_TRUE(absl::StartsWith(r.output, "usage: anvil " + command)) << r.output;
    for (const std::string& flag : flags) EXPECT_TRUE(absl::StrContains(r.output, flag)) << command << " " << flag;
  }
}

TEST(CliTest, ConvertInspectDump) {
  const std::string dir = TempDir();
  auto convert = RunCommand(Anvil("convert pbtxt " + SourcePath("tests/data/toy_llama.pbtxt") + " -o " + dir + "/toy.graph"));
  ASSERT_EQ(convert.exit_code, 0) << convert.output;
  auto inspect = RunCommand(Anvil("inspect --verify " + dir + "/toy.graph"), false);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_TRUE(absl::StrContains(inspect.output, "(verified: data matches)")) << inspect.output;
  EXPECT_TRUE(absl::StrContains(inspect.output, "KV cache      64 B per token, 2.00 KiB at 32 tokens")) << inspect.output;
  auto json = RunCommand(Anvil("inspect --json " + dir + "/toy.graph"), false);
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(json.output, "\"kv_bytes_per_token\": 64")) << json.output;
  auto dump = RunCommand(Anvil("dump --layer 1 " + dir + "/toy.graph"), false);
  ASSERT_EQ(dump.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(dump.output, "blk.1.attn = attention(")) << dump.output;
}

TEST(CliTest, ErrorsAreOneLineAndNonZero) {
  const std::string dir = TempDir();
  ::anvil::testing::WriteFile(dir + "/pointer.graph", "version https://git-lfs.github.com/spec/v1\noid sha256:ab\nsize 9\n");
  auto r = RunCommand(Anvil("inspect " + dir + "/pointer.graph"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.output, absl::StrCat("anvil: ", dir, "/pointer.graph is a Git LFS pointer file, not the model itself; ",
                                   "fetch the real file with `git lfs pull`\n"));
  auto usage = RunCommand(Anvil("dump --format svg x.graph"));
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(usage.output, "--format must be text, json, dot or pbtxt, got 'svg'"));
  auto bad_layer = RunCommand(Anvil("dump --layer 9 " + SourcePath("tests/data/toy_llama.pbtxt")));
  EXPECT_EQ(bad_layer.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(bad_layer.output, "--layer 9 is out of range: the model has 2 layers"));
}

TEST(CliTest, FailedConvertLeavesNoOutput) {
  const std::string dir = TempDir();
  ::anvil::testing::WriteFile(dir + "/bad.pbtxt", "graph { nodes { op: \"nope\" } }");
  auto r = RunCommand(Anvil("convert pbtxt " + dir + "/bad.pbtxt -o " + dir + "/out.graph"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(RunCommand("test -e " + dir + "/out.graph").exit_code, 0) << "a failed convert wrote a file";
}

}  // namespace
}  // namespace anvil
