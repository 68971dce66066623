// A small command-line flag parser for the anvil subcommands: --name=value, --name value, -x value,
// --flag / --no-flag for booleans, positional arguments, and a generated --help.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace anvil::cli {

class FlagSet {
 public:
  // `usage`: "anvil inspect FILE [flags]"; `description`: one paragraph.
  FlagSet(std::string usage, std::string description)
      : usage_(std::move(usage)), description_(std::move(description)) {}

  void String(const std::string& name, std::string* target, const std::string& help, char short_name = 0);
  void Int(const std::string& name, int64_t* target, const std::string& help, char short_name = 0);
  void Double(const std::string& name, double* target, const std::string& help, char short_name = 0);
  void Bool(const std::string& name, bool* target, const std::string& help, char short_name = 0);
  // A flag that may stand alone (--name sets *present) or carry a value (--name=VALUE also sets
  // *target). A following argument is never taken as its value.
  void OptionalString(const std::string& name, bool* present, std::string* target, const std::string& help);

  // Parses argv[first..]; returns the positional arguments. `--help` sets help_requested().
  absl::StatusOr<std::vector<std::string>> Parse(int argc, char** argv, int first);
  bool help_requested() const { return help_requested_; }
  std::string Help() const;

 private:
  struct Flag {
    std::string name;
    char short_name;
    std::string help;
    std::string value_name;  // empty for booleans
    std::string default_text;
    std::function<absl::Status(const std::string&)> set;
    bool* bool_target = nullptr;
    bool* present = nullptr;  // OptionalString
  };
  const Flag* Find(const std::string& name) const;
  const Flag* FindShort(char c) const;

  std::string usage_, description_;
  std::vector<Flag> flags_;
  bool help_requested_ = false;
};

// Splits "1,403,407" into integers; errors name the bad item.
absl::StatusOr<std::vector<int64_t>> ParseIntList(const std::string& text);

}  // namespace anvil::cli
