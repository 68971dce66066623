// The decode-path (T = 1) matrix-vector product over a weight [N, K] in its stored dtype, shared
// by the linear and gate_up_swiglu kernels: Prepare(x) once per step, then Rows() from parallel
// chunks of `chunk()` rows. Holds its own scratch (the quantized activation), allocated at bind.
#pragma once

#include <cstdint>
#include <vector>

#include "executors/cpu/kernel.h"
#include "executors/cpu/simd/simd.h"
#include "ops/dequantize.h"

namespace anvil::cpu {

class Gemv {
 public:
  Gemv(const CpuTensor& w, int64_t k) : w_(w), k_(k), row_bytes_(RowBytes(w.dtype, k)) {
    if (quantized()) QuantizeForDot(w_.dtype, std::vector<float>(k, 0.0f).data(), k, &xq_);
  }

  void Prepare(const float* x) {
    x_ = x;
    if (quantized()) QuantizeForDot(w_.dtype, x, k_, &xq_);
  }
  // y[i - begin] = dot(row i, x) for rows [begin, end).
  void Rows(int64_t begin, int64_t end, float* y) const {
    DotRows(w_.dtype, w_.data + begin * row_bytes_, row_bytes_, k_, x_, &xq_, end - begin, y);
  }
  // Rows per parallel work item: about 64 KiB of weights, a multiple of 4 rows.
  int64_t chunk() const {
    const int64_t rows = (int64_t{1} << 16) / (row_bytes_ > 0 ? row_bytes_ : 1);
    return rows < 4 ? 4 : rows / 4 * 4;
  }

 private:
  bool quantized() const { return w_.dtype == DType::kQ8_0 || w_.dtype == DType::kQ4_0; }

  CpuTensor w_;
  int64_t k_, row_bytes_;
  const float* x_ = nullptr;
  QuantizedVector xq_;
};

}  // namespace anvil::cpu
