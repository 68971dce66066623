// add and mul: elementwise binary ops on f32, written once. `b` either has a's shape or is a
// vector broadcast along a's last axis.
#include <functional>

#include "ops/op_defs.h"
#include "ops/op_util.h"

namespace anvil {
namespace {

absl::StatusOr<std::vector<TensorType>> InferBinary(const InferContext& ctx) {
  const Shape& a = ctx.input(0).shape;
  const Shape& b = ctx.input(1).shape;
  const bool broadcast = b.size() == 1 && !a.empty() && b[0] == a.back();
  if (!(a == b) && !broadcast) {
    return ctx.Error(absl::StrCat(ctx.InputLabel(1), " has shape ", ShapeString(b), ", expected ",
                                  ShapeString(a), " or [", a.empty() ? "" : DimString(a.back()), "]"));
  }
  return std::vector<TensorType>{{DType::kF32, a}};
}

template <typename Fn>
absl::Status BinaryReference(const RefKernelContext& ctx, Fn fn) {
  const HostTensor& a = ctx.inputs[0];
  const HostTensor& b = ctx.inputs[1];
  const int64_t n = a.num_elements();
  const int64_t period = b.num_elements();  // == n, or the last dim when broadcasting
  for (int64_t i = 0; i < n; ++i) F32(ctx.outputs[0])[i] = fn(F32(a)[i], F32(b)[i % period]);
  return absl::OkStatus();
}

template <typename Fn>
OpDef BinaryOp(std::string name, std::string summary, Fn fn) {
  OpDef def;
  def.name = std::move(name);
  def.summary = std::move(summary);
  def.inputs = {F32Port("a"), F32Port("b")};
  def.outputs = {F32Port("y")};
  def.in_place = {0};
  def.infer = InferBinary;
  def.reference = [fn](const RefKernelContext& ctx) { return BinaryReference(ctx, fn); };
  def.cost = [](const CostContext& ctx) { return OpCost{static_cast<double>(NumElements(ctx.output_dims[0])), 0}; };
  return def;
}

}  // namespace

OpDef AddOp() {
  return BinaryOp("add", "y = a + b (b: same shape or a trailing-axis vector)", std::plus<float>());
}

OpDef MulOp() {
  return BinaryOp("mul", "y = a * b (b: same shape or a trailing-axis vector)", std::multiplies<float>());
}

}  // namespace anvil
