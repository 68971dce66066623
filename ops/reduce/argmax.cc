// argmax: x [T, V] -> [T] i32, the first index of each row's maximum.
#include "base/status.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"

namespace anvil {

OpDef ArgmaxOp() {
  OpDef def;
  def.name = "argmax";
  def.summary = "index of the first maximum of each row of x [T, V] -> [T] i32";
  def.inputs = {F32Port("x")};
  def.outputs = {PortSpec{"ids", {DType::kI32}}};
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(0, 2));
    return std::vector<TensorType>{{DType::kI32, Shape{ctx.input(0).shape[0]}}};
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    const HostTensor& x = ctx.inputs[0];
    const int64_t rows = x.dims[0], width = x.dims[1];
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = F32(x) + r * width;
      int64_t best = 0;
      for (int64_t i = 1; i < width; ++i) {
        if (row[i] > row[best]) best = i;
      }
      I32(ctx.outputs[0])[r] = static_cast<int32_t>(best);
    }
    return absl::OkStatus();
  };
  def.cost = [](const CostContext& ctx) { return OpCost{static_cast<double>(NumElements(ctx.input_dims[0])), 0}; };
  return def;
}

}  // namespace anvil
