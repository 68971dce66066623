#include "executors/cpu/kernels/packed_weights.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <tuple>

#include "executors/cpu/parallel.h"
#include "executors/cpu/simd/simd.h"
#include "ops/dequantize.h"
#include "tbb/task_arena.h"

namespace anvil::cpu {
namespace {

bool RepackEnabled() {
  static const bool enabled = [] {
    const char* v = std::getenv("ANVIL_CPU_REPACK");
    return v == nullptr || std::strcmp(v, "0") != 0;
  }();
  return enabled;
}

// Weights are immutable and outlive the plans that bind them, so while an entry is alive its
// address still names the same bytes.
using Key = std::tuple<const uint8_t*, DType, int64_t, int64_t>;

std::shared_ptr<const PackedWeight> Pack(const CpuTensor& w, int64_t rows, int64_t k) {
  auto packed = std::make_shared<PackedWeight>();
  packed->strip_bytes = PackedStripBytes(w.dtype, k);
  const int64_t strips = (rows + kPackedStripRows - 1) / kPackedStripRows;
  packed->bytes = AlignedBuffer(static_cast<size_t>(strips * packed->strip_bytes));
  if (!packed->bytes.ok()) return nullptr;
  const int64_t row_bytes = RowBytes(w.dtype, k);
  std::atomic<bool> ok{true};
  // Packing runs under the cache's lock: isolated, so this thread steals no unrelated task.
  tbb::this_task_arena::isolate([&] {
    ParallelChunks(strips, 64, [&](int64_t begin, int64_t end) {
      const int64_t first = begin * kPackedStripRows;
      const int64_t count = std::min(end * kPackedStripRows, rows) - first;
      if (!PackForGemv(w.dtype, w.data + first * row_bytes, row_bytes, k, count,
                       packed->bytes.data() + begin * packed->strip_bytes)) {
        ok = false;
      }
    });
  });
  return ok ? packed : nullptr;
}

std::shared_ptr<const PackedWeight> Find(const CpuTensor& w, int64_t rows, int64_t k) {
  static std::mutex mutex;
  static std::map<Key, std::weak_ptr<const PackedWeight>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  const Key key{w.data, w.dtype, rows, k};
  if (auto it = cache.find(key); it != cache.end()) {
    if (auto live = it->second.lock()) return live;
  }
  for (auto it = cache.begin(); it != cache.end();)
    it = it->second.expired() ? cache.erase(it) : std::next(it);
  std::shared_ptr<const PackedWeight> packed = Pack(w, rows, k);
  if (packed) cache[key] = packed;
  return packed;
}

}  // namespace

std::shared_ptr<const PackedWeight> PackedForGemv(
    const CpuTensor& w, int64_t rows, int64_t k,
    std::set<std::shared_ptr<const void>>* plan_resources) {
  if (w.dtype != DType::kQ8_0 && w.dtype != DType::kQ4_0) return nullptr;
  if (!RepackEnabled() || !HasGemmQuant()) return nullptr;
  std::shared_ptr<const PackedWeight> packed = Find(w, rows, k);
  if (packed && plan_resources != nullptr) plan_resources->insert(packed);
  return packed;
}

}  // namespace anvil::cpu
