// Helpers shared by the test suites: paths to test data and ../shared, temporary files, parsing
// hand-written text-form graphs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace anvil::testing {

// A file under the repository ("tests/data/toy_llama.pbtxt").
std::string SourcePath(const std::string& relative);
// A file under ../shared (or $ANVIL_SHARED_DIR): "models/stories260K.bin".
std::string SharedPath(const std::string& relative);
// The built `anvil` program.
std::string AnvilBinary();
// A fresh empty directory for this test (per call: calling again empties it), removed when the
// test passes; a failed test's is kept and its path printed.
std::string TempDir();

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& contents);

// Parses a text-form model with the standard op registry; fails the test on error.
Model ParseModelOrDie(const std::string& text);

// Runs a shell command; returns its exit code and captures stdout (+ stderr if merge_stderr).
struct CommandResult {
  int exit_code = -1;
  std::string output;
};
CommandResult RunCommand(const std::string& command, bool merge_stderr = true);

// llama2.c's reference run of stories260K (../shared/models/golden): 256 greedy steps from BOS.
struct Golden {
  std::vector<int32_t> input_ids;  // fed at positions 0..255
  std::vector<int32_t> next_ids;   // the argmax after each
  std::vector<float> logits;       // [256][512]
  std::string text;                // what `run -t 0 -n 256` prints
};
const Golden& Stories260kGolden();

// True when running under CI (CI=true): tests that need a tool or device must then fail rather
// than skip.
bool InCi();

}  // namespace anvil::testing
