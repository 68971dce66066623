// The anvil subcommands. Each takes the full argv (argv[1] is the subcommand) and returns the
// process exit code: 0 success, 1 failure (one clear line on stderr), 2 usage error.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace anvil::cli {

int InspectCommand(int argc, char** argv);
int DumpCommand(int argc, char** argv);
int ConvertCommand(int argc, char** argv);
int RunCommand(int argc, char** argv);
int CaptureCommand(int argc, char** argv);
int ReplayCommand(int argc, char** argv);
int TokenizeCommand(int argc, char** argv);
int BenchCommand(int argc, char** argv);

// Prints "anvil: <message>" to stderr and returns 1.
int Fail(const absl::Status& status);
// Prints "anvil <command>: <message>" and a hint to use --help; returns 2.
int UsageError(const std::string& command, const std::string& message);

}  // namespace anvil::cli
