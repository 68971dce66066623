// Number formatting for human-readable command output.
#pragma once

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"

namespace anvil::cli {

// 1536 -> "1.50 KiB"
inline std::string HumanBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrFormat("%.0f B", bytes) : absl::StrFormat("%.2f %s", bytes, units[u]);
}

// 260032 -> "260.03 K"
inline std::string HumanCount(double n) {
  const char* units[] = {"", " K", " M", " G", " T"};
  int u = 0;
  while (n >= 1000 && u < 4) {
    n /= 1000;
    ++u;
  }
  return u == 0 ? absl::StrFormat("%.0f", n) : absl::StrFormat("%.2f%s", n, units[u]);
}

}  // namespace anvil::cli
