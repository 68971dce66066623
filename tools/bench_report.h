// `anvil bench` results and their two renderings: a markdown table in llama-bench's shape and
// JSON for machines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "executors/cpu/bandwidth.h"

namespace anvil::cli {

struct BenchRow {
  std::string model;     // file name or "synthetic PRESET"
  std::string dtype;     // weight dtype of the matmuls ("mixed" if several)
  uint64_t weight_bytes = 0;
  int64_t params = 0;
  std::string executor;  // "cpu" or "vulkan"
  int threads = 0;       // CPU threads (0 for Vulkan)
  int64_t n_prompt = 0;  // pp test: prompt tokens
  int64_t n_gen = 0;     // tg test: generated tokens
  std::vector<double> samples_ts;  // tokens/s of each repetition

  double weight_bytes_per_token = 0;  // tg: weights a decode step reads
  double flops = 0;                   // pp: floating-point operations of the prompt step
  double probe_bytes_per_second = 0;  // the read-bandwidth probe at this thread count (0: none)

  std::string test() const;  // "pp512" / "tg128"
  double mean_ts() const;
  double stddev_ts() const;  // sample standard deviation; 0 for one repetition
};

struct BenchReport {
  std::string simd_target;            // CPU instruction set the kernels use
  std::string blas;                   // the BLAS prefill GEMMs use
  std::vector<ReadBandwidth> probes;  // one per thread count
  // -m files: seconds from open to a runnable model (mmap, verify, optimize; no data checksum).
  std::vector<std::pair<std::string, double>> loads;
  std::vector<BenchRow> rows;
};

std::string FormatMarkdown(const BenchReport& report);
std::string FormatJson(const BenchReport& report);

}  // namespace anvil::cli
