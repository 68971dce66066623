#include "executors/cpu/bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"
#include "base/aligned_buffer.h"
#include "executors/cpu/simd/simd.h"
#include "tbb/parallel_for.h"
#include "tbb/task_arena.h"

namespace anvil {

absl::StatusOr<ReadBandwidth> ProbeReadBandwidth(int threads, int64_t bytes, int reps) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (bytes < 64 * threads) return absl::InvalidArgumentError(absl::StrCat("probe size ", bytes, " B is too small"));
  if (reps <= 0) return absl::InvalidArgumentError("the probe needs at least one pass");
  // Slices of whole cache lines, one per thread.
  const int64_t slice = bytes / threads / 64 * 64;
  AlignedBuffer buffer(static_cast<size_t>(slice * threads));  // zero-filled: every page is touched
  if (!buffer.ok()) return absl::ResourceExhaustedError(absl::StrCat("cannot allocate ", bytes, " B for the probe"));
  std::memset(buffer.data(), 0x5a, buffer.size());
  tbb::task_arena arena(threads);
  std::atomic<uint64_t> sink{0};
  double best = 0;
  for (int rep = 0; rep < reps; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    arena.execute([&] {
      tbb::parallel_for(
          0, threads,
          [&](int t) { sink += cpu::StreamRead(buffer.data() + t * slice, static_cast<size_t>(slice)); },
          tbb::static_partitioner());
    });
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(slice * threads) / seconds);
  }
  if (sink.load() == 0) return absl::InternalError("the probe read nothing");
  return ReadBandwidth{best, threads, slice * threads, reps};
}

}  // namespace anvil
