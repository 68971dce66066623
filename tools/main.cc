// anvil: run, inspect and convert LLM decoder models stored as protobuf op graphs.
#include <cstring>
#include <iostream>
#include <string>

#include "tools/commands.h"

namespace anvil::cli {
namespace {

struct Command {
  const char* name;
  int (*run)(int, char**);
  const char* summary;
};

constexpr Command kCommands[] = {
    {"run", RunCommand, "generate text with a model"},
    {"inspect", InspectCommand, "summarize a model: config, ops, parameters, KV cache, FLOPs per token"},
    {"dump", DumpCommand, "print a model's graph as text, JSON or Graphviz DOT"},
    {"convert", ConvertCommand, "make a .graph from a checkpoint or a text-form model"},
    {"capture", CaptureCommand, "record a decode session and its plan into a .capture file"},
    {"replay", ReplayCommand, "replay a .capture: time every step and check every output"},
    {"bench", BenchCommand, "measure prompt processing and generation speed (like llama-bench)"},
    {"tokenize", TokenizeCommand, "text to token ids and back, with a model's or a tokenizer.json's vocabulary"},
};

void PrintHelp() {
  std::cout << "usage: anvil COMMAND [flags]\n\n"
               "anvil runs LLM decoder models stored as protobuf op graphs (.graph files).\n\n"
               "commands:\n";
  for (const Command& c : kCommands) {
    std::string name = c.name;
    name.resize(10, ' ');
    std::cout << "  " << name << c.summary << "\n";
  }
  std::cout << "\n`anvil COMMAND --help` describes a command's flags.\n";
}

}  // namespace

int Fail(const absl::Status& status) {
  std::cerr << "anvil: " << status.message() << "\n";
  return 1;
}

int UsageError(const std::string& command, const std::string& message) {
  std::cerr << "anvil " << command << ": " << message << "\n"
            << "Run `anvil " << command << " --help` for usage.\n";
  return 2;
}

}  // namespace anvil::cli

int main(int argc, char** argv) {
  using namespace anvil::cli;
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    PrintHelp();
    return argc < 2 ? 2 : 0;
  }
  for (const Command& c : kCommands) {
    if (std::strcmp(argv[1], c.name) == 0) return c.run(argc, argv);
  }
  std::cerr << "anvil: unknown command '" << argv[1] << "'\n";
  PrintHelp();
  return 2;
}
