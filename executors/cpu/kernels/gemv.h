// The decode-path (T = 1) matrix-vector product over a weight [N, K] in its stored dtype, shared
// by the linear and gate_up_swiglu kernels: Prepare(x) once per step, then Rows() from parallel
// chunks of `chunk()` rows. Holds its own scratch (the quantized activation), allocated at bind.
// q8_0/q4_0 weights are read from their packed copy where this CPU has one (packed_weights.h).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include "executors/cpu/kernel.h"
#include "executors/cpu/kernels/packed_weights.h"
#include "executors/cpu/simd/simd.h"
#include "ops/dequantize.h"

namespace anvil::cpu {

// Rows per parallel work item of a GEMV-shaped product over `rows` rows of `row_bytes`: about
// 256 KiB of weights (longer streams, fewer tasks; tg128 tinyllama-1.1b vs 64 KiB: f16 13.15 ->
// 13.81 tok/s, q4_0 44.3 -> 46.6; 512 KiB measured the same), but 8 items per matrix where that is
// between 64 and 256 KiB each, so mid-sized matrices still spread over the threads and tiny ones
// stay one task. Rounded to the nearest multiple of `unit` (at least one unit). A matrix of at
// most 256 KiB is one task: splitting it costs a thread handoff (~1-2 us) to save about as
// much (`anvil bench` stories260K tg256, alternated 3 times: 17.5-20.2k -> 20.9-21.1k tok/s;
// stories15m, whose smallest matrix is 324 KiB, unchanged).
inline int64_t GemvChunkRows(int64_t rows, int64_t row_bytes, int64_t unit) {
  if (row_bytes <= 0) row_bytes = 1;
  if (rows * row_bytes <= (int64_t{256} << 10)) return (rows + unit - 1) / unit * unit;
  const int64_t eighth = (rows + 7) / 8;
  const int64_t smallest = (int64_t{64} << 10) / row_bytes, largest = (int64_t{256} << 10) / row_bytes;
  const int64_t chunk = (std::clamp(eighth, smallest, largest) + unit / 2) / unit * unit;
  return chunk < unit ? unit : chunk;
}

class Gemv {
 public:
  // `plan_resources`: BindContext's (where the packed copy of q8_0/q4_0 weights is kept).
  Gemv(const CpuTensor& w, int64_t k, std::set<std::shared_ptr<const void>>* plan_resources)
      : w_(w), k_(k), row_bytes_(RowBytes(w.dtype, k)) {
    if (w_.dtype == DType::kBF16) split_.resize(k);
    if (quantized()) {
      QuantizeForDot(w_.dtype, std::vector<float>(k, 0.0f).data(), k, &xq_);
      packed_ = PackedForGemv(w_, w_.dims[0], k, plan_resources);
    }
  }

  void Prepare(const float* x) {
    x_ = x;
    if (quantized()) QuantizeForDot(w_.dtype, x, k_, &xq_);
    if (w_.dtype == DType::kBF16) SplitEvenOdd(x, k_, &split_);
  }
  // y[i - begin] = dot(row i, x) for rows [begin, end).
  void Rows(int64_t begin, int64_t end, float* y) const {
    if (packed_ && begin % kPackedStripRows == 0 &&
        DotPackedRows(w_.dtype, packed_->bytes.data() + begin / kPackedStripRows * packed_->strip_bytes, xq_,
                      end - begin, y)) {
      return;
    }
    if (w_.dtype == DType::kBF16) {
      DotRowsBf16Split(w_.data + begin * row_bytes_, row_bytes_, k_, x_, split_.data(), end - begin, y);
      return;
    }
    DotRows(w_.dtype, w_.data + begin * row_bytes_, row_bytes_, k_, x_, &xq_, end - begin, y);
  }
  // Rows per parallel work item (GemvChunkRows): a multiple of 4 rows; packed, the nearest multiple
  // of kPackedGemvStrips strips (128 rows), so every strip goes through the 8-strip kernel (q4_0
  // 256 rows, q8_0 128: tg128 tinyllama-1.1b q4_0, four rounds A/B in one sitting, 48.4 -> 50.9
  // tok/s mean). A row's result never depends on it.
  int64_t chunk() const {
    return GemvChunkRows(w_.dims[0], row_bytes_, packed_ ? kPackedGemvStrips * kPackedStripRows : 4);
  }

 private:
  bool quantized() const { return w_.dtype == DType::kQ8_0 || w_.dtype == DType::kQ4_0; }

  CpuTensor w_;
  int64_t k_, row_bytes_;
  const float* x_ = nullptr;
  QuantizedVector xq_;
  std::vector<float> split_;  // bf16: x split even/odd
  std::shared_ptr<const PackedWeight> packed_;
};

}  // namespace anvil::cpu
