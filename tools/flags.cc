#include "tools/flags.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace anvil::cli {

void FlagSet::String(const std::string& name, std::string* target, const std::string& help, char short_name) {
  flags_.push_back({name, short_name, help, "S", target->empty() ? "" : *target,
                    [target](const std::string& v) {
                      *target = v;
                      return absl::OkStatus();
                    }});
}

void FlagSet::Int(const std::string& name, int64_t* target, const std::string& help, char short_name) {
  flags_.push_back({name, short_name, help, "N", absl::StrCat(*target), [name, target](const std::string& v) {
                      if (!absl::SimpleAtoi(v, target)) {
                        return absl::InvalidArgumentError(absl::StrCat("--", name, " expects an integer, got '", v, "'"));
                      }
                      return absl::OkStatus();
                    }});
}

void FlagSet::Double(const std::string& name, double* target, const std::string& help, char short_name) {
  flags_.push_back({name, short_name, help, "X", absl::StrCat(*target), [name, target](const std::string& v) {
                      if (!absl::SimpleAtod(v, target)) {
                        return absl::InvalidArgumentError(absl::StrCat("--", name, " expects a number, got '", v, "'"));
                      }
                      return absl::OkStatus();
                    }});
}

void FlagSet::Bool(const std::string& name, bool* target, const std::string& help, char short_name) {
  Flag f{name, short_name, help, "", "", nullptr};
  f.bool_target = target;
  flags_.push_back(std::move(f));
}

void FlagSet::OptionalString(const std::string& name, bool* present, std::string* target, const std::string& help) {
  Flag f{name, 0, help, "[=S]", "", [target](const std::string& v) {
           *target = v;
           return absl::OkStatus();
         }};
  f.present = present;
  flags_.push_back(std::move(f));
}

const FlagSet::Flag* FlagSet::Find(const std::string& name) const {
  for (const Flag& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

const FlagSet::Flag* FlagSet::FindShort(char c) const {
  for (const Flag& f : flags_) {
    if (f.short_name == c) return &f;
  }
  return nullptr;
}

absl::StatusOr<std::vector<std::string>> FlagSet::Parse(int argc, char** argv, int first) {
  std::vector<std::string> positional;
  for (int i = first; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) positional.push_back(argv[i]);
      break;
    }
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      continue;
    }
    const Flag* flag = nullptr;
    std::string value;
    bool has_value = false;
    if (absl::StartsWith(arg, "--")) {
      std::string name = arg.substr(2);
      if (size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
      flag = Find(name);
      if (flag == nullptr && absl::StartsWith(name, "no-")) {
        const Flag* negated = Find(name.substr(3));
        if (negated != nullptr && negated->bool_target != nullptr && !has_value) {
          *negated->bool_target = false;
          continue;
        }
      }
      if (flag == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    } else if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-' && !absl::ascii_isdigit(arg[1])) {
      flag = FindShort(arg[1]);
      if (flag == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag ", arg));
    } else {
      positional.push_back(arg);
      continue;
    }
    if (flag->present != nullptr) {
      *flag->present = true;
      if (has_value) {
        absl::Status status = flag->set(value);
        if (!status.ok()) return status;
      }
      continue;
    }
    if (flag->bool_target != nullptr) {
      if (!has_value) {
        *flag->bool_target = true;
      } else if (value == "true" || value == "1") {
        *flag->bool_target = true;
      } else if (value == "false" || value == "0") {
        *flag->bool_target = false;
      } else {
        return absl::InvalidArgumentError(absl::StrCat("--", flag->name, " expects true or false, got '", value, "'"));
      }
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) return absl::InvalidArgumentError(absl::StrCat("--", flag->name, " needs a value"));
      value = argv[++i];
    }
    absl::Status status = flag->set(value);
    if (!status.ok()) return status;
  }
  return positional;
}

std::string FlagSet::Help() const {
  std::string out = absl::StrCat("usage: ", usage_, "\n\n", description_, "\n");
  if (flags_.empty()) return out;
  absl::StrAppend(&out, "\nflags:\n");
  for (const Flag& f : flags_) {
    std::string left = f.short_name ? absl::StrCat("  -", std::string(1, f.short_name), ", --", f.name)
                                    : absl::StrCat("      --", f.name);
    if (!f.value_name.empty()) absl::StrAppend(&left, f.present != nullptr ? "" : " ", f.value_name);
    if (left.size() < 28) left.resize(28, ' '); else left += "\n" + std::string(28, ' ');
    absl::StrAppend(&out, left, f.help);
    if (!f.default_text.empty() && f.default_text != "0") absl::StrAppend(&out, " (default: ", f.default_text, ")");
    absl::StrAppend(&out, "\n");
  }
  absl::StrAppend(&out, "  -h, --help                help for this command\n");
  return out;
}

absl::StatusOr<std::vector<int64_t>> ParseIntList(const std::string& text) {
  std::vector<int64_t> values;
  for (absl::string_view item : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    int64_t v;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(item), &v)) {
      return absl::InvalidArgumentError(absl::StrCat("'", item, "' is not an integer"));
    }
    values.push_back(v);
  }
  return values;
}

}  // namespace anvil::cli
