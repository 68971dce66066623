#include "tests/fuzz/fuzz_util.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace anvil::fuzz {

const std::string& ScratchDir() {
  static const std::string* dir = [] {
    const std::string name = absl::StrCat("anvil-fuzz-", ::getpid());
    std::vector<std::string> parents = {"/dev/shm"};
    if (const char* tmp = std::getenv("TMPDIR"); tmp != nullptr && *tmp != '\0') parents.push_back(tmp);
    parents.push_back("/tmp");
    for (const std::string& parent : parents) {
      std::error_code error;
      const std::filesystem::path path = std::filesystem::path(parent) / name;
      std::filesystem::create_directories(path, error);
      if (!error && ::access(path.c_str(), W_OK) == 0) {
        auto* kept = new std::string(path.string());
        std::atexit([] {
          std::error_code ignored;
          std::filesystem::remove_all(ScratchDir(), ignored);
        });
        return kept;
      }
    }
    std::fprintf(stderr, "anvil fuzz: cannot create a scratch directory (/dev/shm, $TMPDIR, /tmp)\n");
    std::abort();
  }();
  return *dir;
}

std::string WriteScratchFile(const std::string& name, absl::string_view bytes) {
  const std::string path = absl::StrCat(ScratchDir(), "/", name);
  if (name.find('/') != std::string::npos) {
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  }
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "anvil fuzz: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
    std::abort();
  }
  return path;
}

void CheckErrorNamesFile(const absl::Status& status, absl::string_view file) {
  if (status.ok() || absl::StrContains(status.message(), file)) return;
  std::fprintf(stderr, "anvil fuzz: the error does not name the file %.*s:\n%s\n", static_cast<int>(file.size()),
               file.data(), status.ToString().c_str());
  std::abort();
}

std::pair<absl::string_view, absl::string_view> SplitPair(absl::string_view input) {
  if (input.size() < 4) return {absl::string_view(), input};
  uint32_t length;
  std::memcpy(&length, input.data(), 4);
  const absl::string_view rest = input.substr(4);
  const size_t first = std::min<size_t>(length, rest.size());
  return {rest.substr(0, first), rest.substr(first)};
}

std::string JoinPair(absl::string_view first, absl::string_view second) {
  const uint32_t length = static_cast<uint32_t>(first.size());
  std::string out(reinterpret_cast<const char*>(&length), 4);
  absl::StrAppend(&out, first, second);
  return out;
}

}  // namespace anvil::fuzz
