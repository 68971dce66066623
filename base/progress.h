// A progress line on stderr for long conversions and loads:
//   converting model.graph  45%  1.20 GiB of 2.60 GiB
// drawn only when stderr is a terminal (so logs and pipes stay clean), at most ~10 times a
// second, and cleared when done.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace anvil {

class Progress {
 public:
  // Draws on `out` if `enabled`; Progress(label) draws on stderr when it is a terminal.
  Progress(std::string label, std::FILE* out, bool enabled);
  explicit Progress(std::string label);
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;
  ~Progress();

  void Update(uint64_t done, uint64_t total);
  // A callback for APIs that report (done, total).
  std::function<void(uint64_t, uint64_t)> Callback() {
    return [this](uint64_t done, uint64_t total) { Update(done, total); };
  }

 private:
  std::string label_;
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace anvil
