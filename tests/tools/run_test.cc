// `anvil convert llama2c` + `anvil run` as a user runs them, against llama2.c's golden output.
#include <fstream>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::AnvilBinary;
using ::anvil::testing::RunCommand;
using ::anvil::testing::SharedPath;

class RunTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::string(::testing::TempDir() + "/anvil_run_test");
    RunCommand("mkdir -p " + *dir_);
    model_ = new std::string(*dir_ + "/stories260K.graph");
    auto r = RunCommand(absl::StrCat(AnvilBinary(), " convert llama2c ", SharedPath("models/stories260K.bin"),
                                     " --tokenizer ", SharedPath("models/tok512.bin"), " -o ", *model_));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static std::string Anvil(const std::string& args) { return absl::StrCat(AnvilBinary(), " ", args); }
  static nlohmann::json Golden() {
    std::ifstream in(SharedPath("models/golden/stories260K.bos256.json"));
    return nlohmann::json::parse(in);
  }
  static std::string* dir_;
  static std::string* model_;
};
std::string* RunTest::dir_ = nullptr;
std::string* RunTest::model_ = nullptr;

TEST_F(RunTest, GreedyFromBosPrintsTheGoldenText) {
  auto r = RunCommand(Anvil("run -m " + *model_ + " -n 256 --temp 0"), /*merge_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, Golden()["text"].get<std::string>());
}

TEST_F(RunTest, PrintIdsAndDumpLogits) {
  const std::string logits = *dir_ + "/logits.f32";
  auto r = RunCommand(Anvil("run -m " + *model_ + " -n 256 --temp 0 --print-ids --dump-logits " + logits), false);
  ASSERT_EQ(r.exit_code, 0);
  const nlohmann::json golden = Golden();
  std::string expected;
  for (int id : golden["greedy_next_ids"]) absl::StrAppend(&expected, expected.empty() ? "" : " ", id);
  EXPECT_EQ(r.output, expected + "\n");
  const std::string mine = ::anvil::testing::ReadFile(logits);
  const std::string theirs = ::anvil::testing::ReadFile(SharedPath("models/golden/stories260K.bos256.logits.f32"));
  ASSERT_EQ(mine.size(), theirs.size());
  float worst = 0;
  for (size_t i = 0; i < mine.size(); i += 4) {
    float a, b;
    std::memcpy(&a, mine.data() + i, 4);
    std::memcpy(&b, theirs.data() + i, 4);
    worst = std::max(worst, std::fabs(a - b));
  }
  EXPECT_LE(worst, 1e-4f);
}

TEST_F(RunTest, TextPromptIsEchoedAndContinued) {
  auto r = RunCommand(Anvil("run -m " + *model_ + " -p 'Once upon a time' -n 12 --temp 0"), false);
  ASSERT_EQ(r.exit_code, 0);
  // The golden run from BOS starts with the same words, so greedy continues it the same way.
  EXPECT_TRUE(absl::StartsWith(Golden()["text"].get<std::string>(), r.output.substr(0, r.output.size() - 1)))
      << r.output;
  EXPECT_GT(r.output.size(), 30u);
}

TEST_F(RunTest, SpeedReportGoesToStderr) {
  auto r = RunCommand(Anvil("run -m " + *model_ + " -n 8 --seed 3 2>&1 >/dev/null"), false);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(r.output, "load:    ")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "prefill: 1 tokens in")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "decode:  7 tokens in")) << r.output;
}

// The decode plan is captured while loading (Session::Prepare), so a prompt's step is its own
// (its weights repacked already) and every decode step replays the capture.
TEST_F(RunTest, LoadPreparesTheDecodePlan) {
  auto r = RunCommand(Anvil("run -m " + *model_ + " --prompt-ids 1,60,70 -n 5 --stats 2>&1 >/dev/null"), false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "stats: 1 captures, 4 replays, 1 eager steps, 0 invalidations")) << r.output;
}

TEST_F(RunTest, SeededSamplingIsReproducible) {
  const std::string cmd = Anvil("run -m " + *model_ + " -n 40 --temp 0.9 --top-k 20 --top-p 0.9 --seed 1234");
  auto a = RunCommand(cmd, false);
  auto b = RunCommand(cmd + " --threads 1", false);
  ASSERT_EQ(a.exit_code, 0);
  EXPECT_EQ(a.output, b.output);
}

TEST_F(RunTest, PassFlagsSelectTheGraph) {
  auto dump = RunCommand(Anvil("dump --passes " + *model_), false);
  ASSERT_EQ(dump.exit_code, 0);
  EXPECT_TRUE(absl::StrContains(dump.output, "passes:\n  concat_qkv: 105 -> 100 nodes")) << dump.output;
  EXPECT_TRUE(absl::StrContains(dump.output, "fuse_add_rms_norm: 100 -> 90 nodes (add -10, add_rms_norm +10, rms_norm -10)"));
  EXPECT_TRUE(absl::StrContains(dump.output, "(opset 1, producer \"anvil convert llama2c\", 45 nodes)"));
  EXPECT_TRUE(absl::StrContains(dump.output, "blk.3.split_rope_kv_write = split_rope_kv_write(blk.3.attn_qkv, "));
  auto as_written = RunCommand(Anvil("dump --no-passes " + *model_), false);
  EXPECT_TRUE(absl::StrContains(as_written.output, "105 nodes)"));
  EXPECT_FALSE(absl::StrContains(as_written.output, "add_rms_norm"));
  auto some = RunCommand(Anvil("dump --passes=concat_qkv,concat_gate_up,dead_code_elimination " + *model_), false);
  EXPECT_TRUE(absl::StrContains(some.output, "blk.0.attn_qkv_split = split(blk.0.attn_qkv)")) << some.output;
  auto inspect = RunCommand(Anvil("inspect " + *model_), false);
  EXPECT_TRUE(absl::StrContains(inspect.output, "nodes         105 as written, 45 optimized")) << inspect.output;
  EXPECT_TRUE(absl::StrContains(inspect.output, "dispatches    90 per decode step as written, 45 optimized"));
  // Every pipeline gives the same greedy text.
  const std::string run = "run -m " + *model_ + " -p 'Once upon a time' -n 64 --temp 0 ";
  auto fused = RunCommand(Anvil(run), false);
  auto plain = RunCommand(Anvil(run + "--no-passes"), false);
  auto checked = RunCommand(Anvil(run + "--verify-each --passes=concat_qkv,fuse_split_rope_kv_write"), false);
  EXPECT_EQ(fused.output, plain.output);
  EXPECT_EQ(fused.output, checked.output);
  auto bad = RunCommand(Anvil(run + "--passes=fuse_everything"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(bad.output, "--passes: unknown pass 'fuse_everything'")) << bad.output;
}

TEST_F(RunTest, VulkanExecutorPrintsTheGoldenTextAndProfiles) {
  auto devices = RunCommand(Anvil("inspect --devices"), false);
  ASSERT_EQ(devices.exit_code, 0) << devices.output;
  if (devices.output.find("  0  ") == std::string::npos) {
    if (::anvil::testing::InCi()) FAIL() << "no Vulkan device under CI: " << devices.output;
    GTEST_SKIP() << "no Vulkan device";
  }
  auto r = RunCommand(Anvil("run -m " + *model_ + " -n 256 --temp 0 --executor vulkan"), false);
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, Golden()["text"].get<std::string>());
  auto profile = RunCommand(Anvil("run -m " + *model_ + " -n 8 --temp 0 --executor vulkan --profile 2>&1 >/dev/null"), false);
  EXPECT_TRUE(absl::StrContains(profile.output, "profile (kernel time summed over all steps")) << profile.output;
  EXPECT_TRUE(absl::StrContains(profile.output, "split_rope_kv_write")) << profile.output;
  auto cpu_profile = RunCommand(Anvil("run -m " + *model_ + " -n 8 --temp 0 --profile 2>&1 >/dev/null"), false);
  EXPECT_TRUE(absl::StrContains(cpu_profile.output, "gate_up_swiglu")) << cpu_profile.output;
  auto bad_device = RunCommand(Anvil("run -m " + *model_ + " -n 8 --executor vulkan --device 7"));
  EXPECT_EQ(bad_device.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(bad_device.output, "--device 7 does not exist")) << bad_device.output;
  // A device too small for the model (a 1 MiB budget: the KV cache and weights need more) is one
  // line and exit code 1, not a crash.
  auto starved = RunCommand(Anvil("run -m " + *model_ + " -n 8 --executor vulkan --vk-memory-mib 1 --ctx 4096"));
  EXPECT_EQ(starved.exit_code, 1);
  EXPECT_TRUE(absl::StartsWith(starved.output, "anvil: ")) << starved.output;
  EXPECT_TRUE(absl::StrContains(starved.output, "out of device memory")) << starved.output;
  EXPECT_EQ(std::count(starved.output.begin(), starved.output.end(), '\n'), 1) << starved.output;
}

TEST_F(RunTest, CaptureInspectReplay) {
  const std::string capture = *dir_ + "/session.capture";
  auto record = RunCommand(Anvil("capture -m " + *model_ + " -p 'Once upon a time' -n 32 -o " + capture));
  ASSERT_EQ(record.exit_code, 0) << record.output;
  EXPECT_TRUE(absl::StrContains(record.output, "recorded 32 decode steps after a 5-token prompt on cpu into ")) << record.output;
  auto inspect = RunCommand(Anvil("inspect " + capture), false);
  ASSERT_EQ(inspect.exit_code, 0) << inspect.output;
  EXPECT_TRUE(absl::StrContains(inspect.output, "executor      cpu\n")) << inspect.output;
  EXPECT_TRUE(absl::StrContains(inspect.output, "plan          45 nodes")) << inspect.output;
  EXPECT_TRUE(absl::StrContains(inspect.output, "prompt        5 tokens: 1 403 407 261 378")) << inspect.output;
  auto replay = RunCommand(Anvil("replay " + *model_ + " " + capture), false);
  ASSERT_EQ(replay.exit_code, 0) << replay.output;
  EXPECT_TRUE(absl::StrContains(replay.output, "outputs: all 32 steps match bitwise")) << replay.output;
  EXPECT_TRUE(absl::StrContains(replay.output, "per step: min ")) << replay.output;
  auto json = RunCommand(Anvil("replay " + *model_ + " " + capture + " --steps 10 --json"), false);
  ASSERT_EQ(json.exit_code, 0);
  const nlohmann::json report = nlohmann::json::parse(json.output);
  EXPECT_EQ(report["steps"], 10);
  EXPECT_EQ(report["matched"], 10);
  EXPECT_EQ(report["comparison"], "bitwise");
  // Another model file is refused, --force replays (and names the first diverging step).
  const std::string other = *dir_ + "/other.graph";
  auto convert = RunCommand(Anvil("convert pbtxt " + ::anvil::testing::SourcePath("tests/data/toy_llama.pbtxt") + " -o " + other));
  ASSERT_EQ(convert.exit_code, 0);
  auto refused = RunCommand(Anvil("replay " + other + " " + capture));
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(refused.output, "was recorded with another model")) << refused.output;
  auto damaged = RunCommand("head -c 100 " + capture + " > " + *dir_ + "/cut.capture && " +
                            Anvil("replay " + *model_ + " " + *dir_ + "/cut.capture"));
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(damaged.output, "truncated or damaged")) << damaged.output;
}

TEST_F(RunTest, ConvertGgufAndHfThenRun) {
  const std::string gguf = *dir_ + "/stories260K.gguf.graph";
  auto convert = RunCommand(Anvil("convert gguf " + SharedPath("models/stories260K.gguf") + " -o " + gguf));
  ASSERT_EQ(convert.exit_code, 0) << convert.output;
  auto text = RunCommand(Anvil("run -m " + gguf + " -n 256 --temp 0"), false);
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_EQ(text.output, Golden()["text"].get<std::string>());
  const std::string hf = *dir_ + "/stories260K.hf.graph";
  auto convert_hf = RunCommand(Anvil("convert hf " + SharedPath("models/stories260K-hf") + " -o " + hf));
  ASSERT_EQ(convert_hf.exit_code, 0) << convert_hf.output;
  auto ids = RunCommand(Anvil("run -m " + hf + " --prompt-ids 1 -n 256 --temp 0 --print-ids"), false);
  ASSERT_EQ(ids.exit_code, 0);
  const nlohmann::json golden = Golden();
  std::string expected;
  for (int id : golden["greedy_next_ids"]) absl::StrAppend(&expected, expected.empty() ? "" : " ", id);
  EXPECT_EQ(ids.output, expected + "\n");
  auto bad = RunCommand(Anvil("convert hf " + *dir_ + " -o " + *dir_ + "/x.graph"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(bad.output, "config.json: cannot open")) << bad.output;
}

TEST_F(RunTest, TokenizeLikeLlamaTokenize) {
  const std::string qwen3 = SharedPath("tokenizers/qwen3");
  auto ids = RunCommand(Anvil("tokenize -m " + qwen3 + " 'Hello, my dog is cute'"), false);
  ASSERT_EQ(ids.exit_code, 0) << ids.output;
  EXPECT_EQ(ids.output, "9707 11 847 5562 374 18838\n");
  auto spm = RunCommand(Anvil("tokenize -m " + SharedPath("tokenizers/llama2-spm") + " 'Hello, my dog is cute'"), false);
  EXPECT_EQ(spm.output, "1 22557 28725 586 3914 349 17949\n");
  auto no_special = RunCommand(Anvil("tokenize --no-special -m " + SharedPath("tokenizers/llama2-spm") + " 'Hello'"), false);
  EXPECT_EQ(no_special.output, "22557\n");
  auto decode = RunCommand(Anvil("tokenize -m " + qwen3 + " --decode 9707,11,847,5562,374,18838"), false);
  EXPECT_EQ(decode.output, "Hello, my dog is cute\n");
  auto pieces = RunCommand(Anvil("tokenize -m " + *model_ + " --pieces 'Once upon a time'"), false);
  EXPECT_EQ(pieces.output, "1\t\"\"\n403\t\"Once\"\n407\t\" upon\"\n261\t\" a\"\n378\t\" time\"\n");
  auto bad = RunCommand(Anvil("tokenize -m " + qwen3 + " --decode 999999999"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(bad.output, "--decode: token id 999999999 is outside the vocabulary")) << bad.output;
}

TEST_F(RunTest, BadInputGivesOneClearLine) {
  auto bad_id = RunCommand(Anvil("run -m " + *model_ + " --prompt-ids 1,600 -n 4"));
  EXPECT_EQ(bad_id.exit_code, 1);
  EXPECT_EQ(bad_id.output, "anvil: --prompt-ids: token id 600 is outside the vocabulary (512 tokens)\n");
  auto too_long = RunCommand(Anvil("run -m " + *model_ + " -p 'Once upon a time there was a big dog' --ctx 4 -n 4"));
  EXPECT_EQ(too_long.exit_code, 1);
  EXPECT_EQ(too_long.output,
            "anvil: the prompt has 11 tokens but the KV cache has room for 4 (capacity 4); raise --ctx or shorten it\n");
  auto truncated = RunCommand("head -c 9000 " + SharedPath("models/stories260K.bin") + " > " + *dir_ + "/cut.bin && " +
                              Anvil("convert llama2c " + *dir_ + "/cut.bin --tokenizer " + SharedPath("models/tok512.bin") +
                                    " -o " + *dir_ + "/cut.graph"));
  EXPECT_EQ(truncated.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(truncated.output, "truncated: the header describes more weights than the 9000-byte file holds"))
      << truncated.output;
  auto usage = RunCommand(Anvil("run -m " + *model_ + " --temp -1"));
  EXPECT_EQ(usage.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(usage.output, "--temp must be >= 0")) << usage.output;
  auto threads = RunCommand(Anvil("run -m " + *model_ + " -t -3 -n 1"));
  EXPECT_EQ(threads.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(threads.output, "--threads must be >= 0 (0 = all), got -3")) << threads.output;
  // A damaged description (an op name that is not UTF-8): our line only, no protobuf log line.
  std::string bytes = ::anvil::testing::ReadFile(*model_);
  const size_t at = bytes.find("attention");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 1] = '\xff';
  ::anvil::testing::WriteFile(*dir_ + "/damaged.graph", bytes);
  auto damaged = RunCommand(Anvil("run -m " + *dir_ + "/damaged.graph -n 1"));
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_EQ(damaged.output, "anvil: " + *dir_ + "/damaged.graph: the model description (ModelProto) does not parse; "
                            "the file is damaged\n");
}

}  // namespace
}  // namespace anvil
