// embedding: copies (dequantizes) one table row per token id; an id outside the table is an error.
#include "absl/strings/str_cat.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/simd/simd.h"
#include "ops/dequantize.h"

namespace anvil::cpu {

absl::StatusOr<CpuKernel> BindEmbedding(const BindContext& ctx) {
  const CpuTensor table = ctx.inputs[0], ids = ctx.inputs[1], y = ctx.outputs[0];
  const int64_t vocab = table.dims[0], dim = table.dims[1];
  const int64_t row_bytes = RowBytes(table.dtype, dim);
  return CpuKernel([=](const StepState&) -> absl::Status {
    for (int64_t t = 0; t < ids.dims[0]; ++t) {
      const int32_t id = ids.i32()[t];
      if (id < 0 || id >= vocab) {
        return absl::OutOfRangeError(absl::StrCat("token id ", id, " is outside the vocabulary (", vocab, " tokens)"));
      }
      Dequantize(table.dtype, table.data + id * row_bytes, dim, y.f32() + t * dim);
    }
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
