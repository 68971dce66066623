// anvil bench as a user runs it: markdown and JSON output, its figures consistent with each
// other, and usage errors.
#include <algorithm>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::AnvilBinary;
using ::anvil::testing::RunCommand;

std::string Anvil(const std::string& args) { return AnvilBinary() + " " + args; }

TEST(BenchTest, JsonHasEveryTestWithConsistentFigures) {
  auto r = RunCommand(Anvil("bench --synthetic stories15m --dtype f32,q8_0 -p 8,16 -n 4 -r 2 -t 1,2 --probe-mib 16 -o json"),
                      /*merge_stderr=*/false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["read_bandwidth"].size(), 2u);  // one probe per thread count
  for (const auto& probe : j["read_bandwidth"]) {
    EXPECT_GT(probe["bytes_per_second"].get<double>(), 1e8);
    EXPECT_EQ(probe["bytes"].get<int64_t>(), 16 << 20);
  }
  // 2 dtypes x 2 thread counts x (2 pp + 1 tg) tests.
  ASSERT_EQ(j["tests"].size(), 12u);
  for (const auto& t : j["tests"]) {
    SCOPED_TRACE(t.dump());
    ASSERT_EQ(t["samples_ts"].size(), 2u);
    const double mean = (t["samples_ts"][0].get<double>() + t["samples_ts"][1].get<double>()) / 2;
    EXPECT_NEAR(t["avg_ts"].get<double>(), mean, 1e-6 * mean);
    EXPECT_GT(mean, 0);
    EXPECT_EQ(t["model"], "stories15m");
    EXPECT_EQ(t["executor"], "cpu");
    EXPECT_EQ(t["params"], j["tests"][0]["params"]);
    EXPECT_GT(t["params"].get<int64_t>(), 15000000);
    if (t["n_gen"].get<int64_t>() > 0) {
      EXPECT_EQ(t["test"], "tg4");
      // Weight bytes a decode step reads: every matmul once plus one embedding row.
      EXPECT_GT(t["weight_bytes_per_token"].get<double>(), 0);
      EXPECT_NEAR(t["weight_bytes_per_second"].get<double>(), t["weight_bytes_per_token"].get<double>() * mean,
                  1e-6 * t["weight_bytes_per_second"].get<double>());
      EXPECT_GT(t["read_bandwidth_fraction"].get<double>(), 0);
    } else {
      EXPECT_TRUE(t["test"] == "pp8" || t["test"] == "pp16");
      EXPECT_GT(t["gflops_per_second"].get<double>(), 0);
    }
  }
  EXPECT_EQ(j["tests"][0]["dtype"], "f32");
  EXPECT_EQ(j["tests"][6]["dtype"], "q8_0");
  EXPECT_LT(j["tests"][6]["size"].get<int64_t>(), j["tests"][0]["size"].get<int64_t>());
}

TEST(BenchTest, MarkdownTableLikeLlamaBench) {
  const std::string model = ::anvil::testing::SharedPath("models/stories260K.bin");
  const std::string dir = ::anvil::testing::TempDir();
  ASSERT_EQ(RunCommand(Anvil("convert llama2c " + model + " --tokenizer " +
                             ::anvil::testing::SharedPath("models/tok512.bin") + " -o " + dir + "/s.graph"))
                .exit_code,
            0);
  auto r = RunCommand(Anvil("bench -m " + dir + "/s.graph -p 8 -n 4 -r 2 --no-probe"), false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(absl::StartsWith(r.output, "CPU kernels: ")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "BLAS: OpenBLAS")) << r.output;
  EXPECT_TRUE(absl::StrContains(r.output, "loaded " + dir + "/s.graph in ")) << r.output;
  std::vector<std::string> lines = absl::StrSplit(r.output, '\n');
  while (!lines.empty() && !absl::StartsWith(lines.front(), "| model")) lines.erase(lines.begin());
  ASSERT_GE(lines.size(), 4u) << r.output;
  EXPECT_TRUE(absl::StrContains(lines[0], " t/s |")) << r.output;
  EXPECT_TRUE(absl::StrContains(lines[2], "| s.graph f32 ")) << r.output;
  EXPECT_TRUE(absl::StrContains(lines[2], "| pp8 ")) << r.output;
  EXPECT_TRUE(absl::StrContains(lines[3], "| tg4 ")) << r.output;
  EXPECT_TRUE(absl::StrContains(lines[3], " ± ")) << r.output;
  // Every row is as wide as the header (columns line up; "±" is two bytes).
  EXPECT_EQ(lines[1].size(), lines[0].size());
  for (int i = 2; i <= 3; ++i) EXPECT_EQ(lines[i].size() - 1, lines[0].size()) << lines[i];
}

// -t 0 is every hardware thread, as for `anvil run`, and the table shows how many that was.
TEST(BenchTest, ZeroThreadsIsEveryHardwareThread) {
  auto r = RunCommand(Anvil("bench --synthetic stories260k -p 0 -n 2 -r 1 -t 0 --no-probe --json"), false);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const nlohmann::json j = nlohmann::json::parse(r.output);
  ASSERT_EQ(j["tests"].size(), 1u);
  EXPECT_EQ(j["tests"][0]["threads"].get<int64_t>(), std::max(1u, std::thread::hardware_concurrency()));
}

TEST(BenchTest, UsageErrors) {
  EXPECT_EQ(RunCommand(Anvil("bench")).exit_code, 2);
  auto both = RunCommand(Anvil("bench -m a.graph --synthetic stories260k"));
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(both.output, "give either -m FILE or --synthetic PRESET")) << both.output;
  auto preset = RunCommand(Anvil("bench --synthetic gpt5 --no-probe"));
  EXPECT_EQ(preset.exit_code, 1);
  EXPECT_TRUE(absl::StrContains(preset.output, "gpt5")) << preset.output;
  auto dtype = RunCommand(Anvil("bench --synthetic stories260k --dtype q2_k"));
  EXPECT_EQ(dtype.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(dtype.output, "unknown --dtype 'q2_k'")) << dtype.output;
  auto list = RunCommand(Anvil("bench --synthetic stories260k -p 8,x"));
  EXPECT_EQ(list.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(list.output, "-p")) << list.output;
  EXPECT_EQ(RunCommand(Anvil("bench --synthetic stories260k -p 0 -n 0")).exit_code, 2);
  EXPECT_EQ(RunCommand(Anvil("bench --synthetic stories260k --executor tpu")).exit_code, 2);
  auto threads = RunCommand(Anvil("bench --synthetic stories260k -t 2,-1"));
  EXPECT_EQ(threads.exit_code, 2);
  EXPECT_TRUE(absl::StrContains(threads.output, "-t values must be >= 0")) << threads.output;
}

}  // namespace
}  // namespace anvil
