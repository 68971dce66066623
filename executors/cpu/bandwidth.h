// A memory read-bandwidth probe, the yardstick for decode speed (a decode step streams every
// weight once): `threads` threads each stream through their own slice of a buffer of `bytes`
// bytes with vector loads, four interleaved streams per thread, on transparent huge pages where
// the kernel grants them (AlignedBuffer); the best of `reps` passes counts, as STREAM reports it.
// One stream per thread on 4 KiB pages measured 20% less than the decode GEMV itself reads.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"

namespace anvil {

struct ReadBandwidth {
  double bytes_per_second = 0;
  int threads = 0;
  int64_t bytes = 0;
  int reps = 0;
};

absl::StatusOr<ReadBandwidth> ProbeReadBandwidth(int threads, int64_t bytes = int64_t{1} << 30, int reps = 5);

}  // namespace anvil
