#include "base/progress.h"

#include <unistd.h>

namespace anvil {
namespace {

std::string Bytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  char text[32];
  std::snprintf(text, sizeof(text), u == 0 ? "%.0f %s" : "%.2f %s", b, units[u]);
  return text;
}

}  // namespace

Progress::Progress(std::string label, std::FILE* out, bool enabled)
    : label_(std::move(label)), out_(out), enabled_(enabled) {}

Progress::Progress(std::string label) : Progress(std::move(label), stderr, ::isatty(STDERR_FILENO) == 1) {}

Progress::~Progress() {
  if (drawn_) {
    std::fprintf(out_, "\r\033[K");
    std::fflush(out_);
  }
}

void Progress::Update(uint64_t done, uint64_t total) {
  if (!enabled_ || total == 0) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && done < total && now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  drawn_ = true;
  std::fprintf(out_, "\r\033[K%s %3d%%  %s of %s", label_.c_str(), static_cast<int>(100.0 * done / total),
               Bytes(static_cast<double>(done)).c_str(), Bytes(static_cast<double>(total)).c_str());
  std::fflush(out_);
}

}  // namespace anvil
