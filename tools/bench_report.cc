#include "tools/bench_report.h"

#include <cmath>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "nlohmann/json.hpp"
#include "tools/format.h"

namespace anvil::cli {
namespace {

// 1100048384 -> "1.10 B", as llama-bench prints parameter counts.
std::string Params(double n) {
  if (n >= 1e9) return absl::StrFormat("%.2f B", n / 1e9);
  if (n >= 1e6) return absl::StrFormat("%.2f M", n / 1e6);
  if (n >= 1e3) return absl::StrFormat("%.2f K", n / 1e3);
  return absl::StrFormat("%.0f", n);
}

// Columns a UTF-8 string takes ("±" is two bytes, one column).
size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Pad(const std::string& s, size_t width, bool left_align) {
  const std::string fill(width > DisplayWidth(s) ? width - DisplayWidth(s) : 0, ' ');
  return left_align ? s + fill : fill + s;
}

// Text columns align left, numbers right.
bool LeftAligned(size_t column) { return column < 2 || column == 3 || column == 5; }

}  // namespace

std::string BenchRow::test() const {
  return n_prompt > 0 ? absl::StrCat("pp", n_prompt) : absl::StrCat("tg", n_gen);
}

double BenchRow::mean_ts() const {
  if (samples_ts.empty()) return 0;
  return std::accumulate(samples_ts.begin(), samples_ts.end(), 0.0) / samples_ts.size();
}

double BenchRow::stddev_ts() const {
  if (samples_ts.size() < 2) return 0;
  const double mean = mean_ts();
  double sum = 0;
  for (double s : samples_ts) sum += (s - mean) * (s - mean);
  return std::sqrt(sum / (samples_ts.size() - 1));
}

std::string FormatMarkdown(const BenchReport& report) {
  std::string out = absl::StrCat("CPU kernels: ", report.simd_target, "; BLAS: ", report.blas, "\n");
  for (const ReadBandwidth& p : report.probes) {
    absl::StrAppendFormat(&out, "read bandwidth (probe: %d threads streaming %s, best of %d): %.2f GB/s\n", p.threads,
                          HumanBytes(static_cast<double>(p.bytes)), p.reps, p.bytes_per_second / 1e9);
  }
  for (const auto& [path, seconds] : report.loads) {
    absl::StrAppendFormat(&out, "loaded %s in %.3f s (mmap, verify, optimize)\n", path, seconds);
  }
  out += "\n";
  const std::vector<std::string> header = {"model", "size", "params", "executor", "threads", "test", "t/s",
                                           "weights GB/s", "% of read bw", "GFLOP/s"};
  std::vector<std::vector<std::string>> cells;
  for (const BenchRow& r : report.rows) {
    const double ts = r.mean_ts();
    std::string gbps, share, gflops;
    if (r.n_gen > 0) {
      const double bytes_per_second = r.weight_bytes_per_token * ts;
      gbps = absl::StrFormat("%.2f", bytes_per_second / 1e9);
      if (r.probe_bytes_per_second > 0) share = absl::StrFormat("%.1f%%", 100 * bytes_per_second / r.probe_bytes_per_second);
    } else {
      gflops = absl::StrFormat("%.1f", r.flops * ts / r.n_prompt / 1e9);
    }
    cells.push_back({absl::StrCat(r.model, " ", r.dtype), HumanBytes(static_cast<double>(r.weight_bytes)),
                     Params(static_cast<double>(r.params)), r.executor, r.threads > 0 ? absl::StrCat(r.threads) : "-",
                     r.test(), absl::StrFormat("%.2f ± %.2f", ts, r.stddev_ts()), gbps, share, gflops});
  }
  std::vector<size_t> width(header.size());
  for (size_t c = 0; c < header.size(); ++c) {
    width[c] = DisplayWidth(header[c]);
    for (const auto& row : cells) width[c] = std::max(width[c], DisplayWidth(row[c]));
  }
  auto line = [&](const std::vector<std::string>& row) {
    std::string s = "|";
    for (size_t c = 0; c < row.size(); ++c) absl::StrAppend(&s, " ", Pad(row[c], width[c], LeftAligned(c)), " |");
    return s + "\n";
  };
  out += line(header);
  std::string rule = "|";
  for (size_t c = 0; c < header.size(); ++c) {
    absl::StrAppend(&rule, " ", std::string(LeftAligned(c) ? width[c] : width[c] - 1, '-'), LeftAligned(c) ? " |" : ": |");
  }
  out += rule + "\n";
  for (const auto& row : cells) out += line(row);
  return out;
}

std::string FormatJson(const BenchReport& report) {
  nlohmann::ordered_json j;
  j["simd_target"] = report.simd_target;
  j["blas"] = report.blas;
  j["read_bandwidth"] = nlohmann::ordered_json::array();
  for (const ReadBandwidth& p : report.probes) {
    j["read_bandwidth"].push_back(
        {{"threads", p.threads}, {"bytes", p.bytes}, {"reps", p.reps}, {"bytes_per_second", p.bytes_per_second}});
  }
  j["loads"] = nlohmann::ordered_json::array();
  for (const auto& [path, seconds] : report.loads) j["loads"].push_back({{"model", path}, {"seconds", seconds}});
  j["tests"] = nlohmann::ordered_json::array();
  for (const BenchRow& r : report.rows) {
    nlohmann::ordered_json t = {{"model", r.model},
                                {"dtype", r.dtype},
                                {"size", r.weight_bytes},
                                {"params", r.params},
                                {"executor", r.executor},
                                {"threads", r.threads},
                                {"test", r.test()},
                                {"n_prompt", r.n_prompt},
                                {"n_gen", r.n_gen},
                                {"avg_ts", r.mean_ts()},
                                {"stddev_ts", r.stddev_ts()},
                                {"samples_ts", r.samples_ts}};
    if (r.n_gen > 0) {
      t["weight_bytes_per_token"] = r.weight_bytes_per_token;
      t["weight_bytes_per_second"] = r.weight_bytes_per_token * r.mean_ts();
      if (r.probe_bytes_per_second > 0) {
        t["read_bandwidth_fraction"] = r.weight_bytes_per_token * r.mean_ts() / r.probe_bytes_per_second;
      }
    } else {
      t["flops"] = r.flops;
      t["gflops_per_second"] = r.flops * r.mean_ts() / r.n_prompt / 1e9;
    }
    j["tests"].push_back(std::move(t));
  }
  return j.dump(2) + "\n";
}

}  // namespace anvil::cli
