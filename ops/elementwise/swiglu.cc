// swiglu(gate, up) = silu(gate) * up, the Llama feed-forward activation.
#include "ops/elementwise/silu.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"

namespace anvil {

OpDef SwigluOp() {
  OpDef def;
  def.name = "swiglu";
  def.summary = "y = silu(gate) * up";
  def.inputs = {F32Port("gate"), F32Port("up")};
  def.outputs = {F32Port("y")};
  def.in_place = {0};
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    if (absl::Status s = ctx.ExpectShape(1, ctx.input(0).shape); !s.ok()) return s;
    return std::vector<TensorType>{{DType::kF32, ctx.input(0).shape}};
  };
  def.reference = [](const RefKernelContext& ctx) {
    const int64_t n = ctx.inputs[0].num_elements();
    for (int64_t i = 0; i < n; ++i) {
      F32(ctx.outputs[0])[i] = SiluReference(F32(ctx.inputs[0])[i]) * F32(ctx.inputs[1])[i];
    }
    return absl::OkStatus();
  };
  def.cost = [](const CostContext& ctx) { return OpCost{5.0 * NumElements(ctx.output_dims[0]), 0}; };
  return def;
}

}  // namespace anvil
