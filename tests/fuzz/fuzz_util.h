// What the libFuzzer targets share: scratch files for loaders that take a path, and the framing
// of inputs that hold two files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace anvil::fuzz {

// A directory of this process's own: /dev/shm/anvil-fuzz-<pid> (tmpfs, so runs stay fast), else
// $TMPDIR/anvil-fuzz-<pid>, else /tmp/anvil-fuzz-<pid>. Created on first use, removed at exit.
// Aborts when no directory can be made: a harness that cannot write its input finds nothing.
const std::string& ScratchDir();

// Writes `bytes` to ScratchDir()/`name` (the same path every run; `name` may hold a folder,
// created on first use) and returns the path.
std::string WriteScratchFile(const std::string& name, absl::string_view bytes);

// Every loader error must say which file it is about: aborts (a finding) when `status` is an
// error whose message does not contain `file`.
void CheckErrorNamesFile(const absl::Status& status, absl::string_view file);

// Two files in one input: a little-endian uint32 length n, n bytes of the first file, then the
// second file. A length beyond the input gives the first file everything after the prefix; an
// input shorter than the prefix is all second file.
std::pair<absl::string_view, absl::string_view> SplitPair(absl::string_view input);
// The inverse, for seeds.
std::string JoinPair(absl::string_view first, absl::string_view second);

inline absl::string_view AsView(const uint8_t* data, size_t size) {
  return absl::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace anvil::fuzz
