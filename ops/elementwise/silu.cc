// silu(x) = x * sigmoid(x), elementwise on f32.
#include <cmath>

#include "ops/elementwise/silu.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"

namespace anvil {

OpDef SiluOp() {
  OpDef def;
  def.name = "silu";
  def.summary = "y = x * sigmoid(x)";
  def.inputs = {F32Port("x")};
  def.outputs = {F32Port("y")};
  def.in_place = {0};
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    return std::vector<TensorType>{{DType::kF32, ctx.input(0).shape}};
  };
  def.reference = [](const RefKernelContext& ctx) {
    const int64_t n = ctx.inputs[0].num_elements();
    for (int64_t i = 0; i < n; ++i) F32(ctx.outputs[0])[i] = SiluReference(F32(ctx.inputs[0])[i]);
    return absl::OkStatus();
  };
  def.cost = [](const CostContext& ctx) { return OpCost{4.0 * NumElements(ctx.output_dims[0]), 0}; };
  return def;
}

}  // namespace anvil
