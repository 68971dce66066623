// Parallel loops for CPU kernels. Work is cut into chunks whose boundaries depend only on the
// problem size, never on the thread count, and each output element is produced by exactly one
// chunk, so results are bitwise identical for any --threads.
#pragma once

#include <cstdint>

#include "tbb/blocked_range.h"
#include "tbb/parallel_for.h"
#include "tbb/partitioner.h"

namespace anvil::cpu {

// Calls fn(begin, end) over [0, n) in chunks of `chunk` items; serially when there is one chunk.
template <typename Fn>
void ParallelChunks(int64_t n, int64_t chunk, const Fn& fn) {
  if (n <= 0) return;
  if (chunk <= 0) chunk = 1;
  const int64_t chunks = (n + chunk - 1) / chunk;
  if (chunks == 1) {
    fn(int64_t{0}, n);
    return;
  }
  tbb::parallel_for(
      tbb::blocked_range<int64_t>(0, chunks, 1),
      [&](const tbb::blocked_range<int64_t>& r) {
        for (int64_t c = r.begin(); c < r.end(); ++c) {
          const int64_t begin = c * chunk;
          fn(begin, begin + chunk < n ? begin + chunk : n);
        }
      },
      tbb::simple_partitioner());
}

// A chunk size that gives each chunk about `target_work` units when each item costs `item_work`.
inline int64_t ChunkFor(int64_t item_work, int64_t target_work = 1 << 16) {
  const int64_t items = target_work / (item_work > 0 ? item_work : 1);
  return items > 0 ? items : 1;
}

}  // namespace anvil::cpu
