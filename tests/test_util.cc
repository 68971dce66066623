#include "tests/test_util.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/model_io.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "ops/registry.h"

namespace anvil::testing {

std::string SourcePath(const std::string& relative) { return absl::StrCat(ANVIL_SOURCE_DIR, "/", relative); }

std::string SharedPath(const std::string& relative) {
  const char* dir = std::getenv("ANVIL_SHARED_DIR");
  return absl::StrCat(dir != nullptr ? dir : absl::StrCat(ANVIL_SOURCE_DIR, "/../shared"), "/", relative);
}

std::string AnvilBinary() { return absl::StrCat(ANVIL_BINARY_DIR, "/anvil"); }

namespace {

// Removes the directories TempDir made once their test has passed (a failed test's are kept and
// named, to look into), and at the end of the program those made outside a test.
class TempDirRemover : public ::testing::EmptyTestEventListener {
 public:
  static TempDirRemover& Get() {
    static TempDirRemover* remover = [] {
      auto* r = new TempDirRemover;
      ::testing::UnitTest::GetInstance()->listeners().Append(r);  // gtest owns it
      return r;
    }();
    return *remover;
  }
  void Add(const std::string& dir, bool in_test) { (in_test ? in_test_ : outside_).push_back(dir); }

  void OnTestEnd(const ::testing::TestInfo& info) override { Remove(in_test_, !info.result()->Failed()); }
  void OnTestProgramEnd(const ::testing::UnitTest& unit_test) override {
    Remove(in_test_, unit_test.Passed());
    Remove(outside_, unit_test.Passed());
  }

 private:
  static void Remove(std::vector<std::string>& dirs, bool passed) {
    for (const std::string& dir : dirs) {
      if (!passed) {
        std::fprintf(stderr, "kept the failed test's files in %s\n", dir.c_str());
        continue;
      }
      std::error_code ignored;  // a directory already gone (or busy) is not the test's failure
      std::filesystem::remove_all(dir, ignored);
    }
    dirs.clear();
  }

  std::vector<std::string> in_test_, outside_;
};

}  // namespace

std::string TempDir() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info != nullptr ? absl::StrCat(info->test_suite_name(), ".", info->name()) : "anvil";
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / absl::StrCat("anvil_test_", ::getpid(), "_", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  TempDirRemover::Get().Add(dir.string(), info != nullptr);
  return dir.string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

Model ParseModelOrDie(const std::string& text) {
  auto model = ParseModelText(text, "test.pbtxt", Ops());
  if (!model.ok()) {
    ADD_FAILURE() << model.status();
    return Model{};
  }
  return std::move(*model);
}

CommandResult RunCommand(const std::string& command, bool merge_stderr) {
  CommandResult result;
  const std::string full = merge_stderr ? command + " 2>&1" : command;
  FILE* pipe = ::popen(full.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

const Golden& Stories260kGolden() {
  static const Golden golden = [] {
    Golden g;
    std::ifstream json(SharedPath("models/golden/stories260K.bos256.json"));
    const nlohmann::json j = nlohmann::json::parse(json);
    g.input_ids = j["input_ids"].get<std::vector<int32_t>>();
    g.next_ids = j["greedy_next_ids"].get<std::vector<int32_t>>();
    g.text = j["text"].get<std::string>();
    std::ifstream logits(SharedPath("models/golden/stories260K.bos256.logits.f32"), std::ios::binary);
    g.logits.resize(256 * 512);
    logits.read(reinterpret_cast<char*>(g.logits.data()), static_cast<std::streamsize>(g.logits.size() * 4));
    EXPECT_TRUE(logits.good()) << "cannot read the golden logits";
    return g;
  }();
  return golden;
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace anvil::testing
