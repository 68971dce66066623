#include "ops/norm/rms_norm.h"

#include <cmath>

#include "base/status.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"

namespace anvil {

absl::StatusOr<RmsNormAttrs> RmsNormAttrs::From(const Attributes& attrs) {
  RmsNormAttrs a;
  ANVIL_ASSIGN_OR_RETURN(double eps, attrs.GetFloat("eps", 1e-5));
  if (!(eps > 0) || !std::isfinite(eps)) {
    return absl::InvalidArgumentError(absl::StrCat("attribute 'eps' must be positive, got ", eps));
  }
  a.eps = static_cast<float>(eps);
  return a;
}

void RmsNormReference(const float* x, const float* weight, int64_t rows, int64_t dim, float eps,
                      float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * dim;
    double sum = 0;
    for (int64_t i = 0; i < dim; ++i) sum += static_cast<double>(xr[i]) * xr[i];
    const double scale = 1.0 / std::sqrt(sum / static_cast<double>(dim) + eps);
    for (int64_t i = 0; i < dim; ++i) y[r * dim + i] = static_cast<float>(xr[i] * scale * weight[i]);
  }
}

namespace {

absl::Status CheckNormWeight(const InferContext& ctx, int x, int w) {
  const Shape& shape = ctx.input(x).shape;
  if (shape.empty()) return ctx.Error(absl::StrCat(ctx.InputLabel(x), " must have rank >= 1"));
  return ctx.ExpectShape(w, Shape{shape.back()});
}

OpCost NormCost(const CostContext& ctx) {
  return OpCost{4.0 * NumElements(ctx.input_dims[0]), 0};
}

}  // namespace

OpDef RmsNormOp() {
  OpDef def;
  def.name = "rms_norm";
  def.summary = "y = x / sqrt(mean(x^2) + eps) * w over the last axis";
  def.inputs = {F32Port("x"), F32Port("weight")};
  def.outputs = {F32Port("y")};
  def.in_place = {0};
  def.attrs = {{"eps", AttrType::kFloat, true}};
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_RETURN_IF_ERROR(RmsNormAttrs::From(ctx.attrs()).status());
    ANVIL_RETURN_IF_ERROR(CheckNormWeight(ctx, 0, 1));
    return std::vector<TensorType>{{DType::kF32, ctx.input(0).shape}};
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    ANVIL_ASSIGN_OR_RETURN(RmsNormAttrs attrs, RmsNormAttrs::From(ctx.node.attrs));
    const HostTensor& x = ctx.inputs[0];
    RmsNormReference(F32(x), F32(ctx.inputs[1]), Rows(x.dims), LastDim(x.dims), attrs.eps,
                     F32(ctx.outputs[0]));
    return absl::OkStatus();
  };
  def.cost = NormCost;
  return def;
}

OpDef AddRmsNormOp() {
  OpDef def;
  def.name = "add_rms_norm";
  def.summary = "s = a + b; y = rms_norm(s, w): the residual stream and the next norm in one pass";
  def.inputs = {F32Port("a"), F32Port("b"), F32Port("weight")};
  def.outputs = {F32Port("sum"), F32Port("y")};
  def.in_place = {0, 1};  // sum over a; y over b (the row of b is consumed before y is written)
  def.attrs = {{"eps", AttrType::kFloat, true}};
  def.is_fused = true;
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_RETURN_IF_ERROR(RmsNormAttrs::From(ctx.attrs()).status());
    ANVIL_RETURN_IF_ERROR(ctx.ExpectShape(1, ctx.input(0).shape));
    ANVIL_RETURN_IF_ERROR(CheckNormWeight(ctx, 0, 2));
    const TensorType t{DType::kF32, ctx.input(0).shape};
    return std::vector<TensorType>{t, t};
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    ANVIL_ASSIGN_OR_RETURN(RmsNormAttrs attrs, RmsNormAttrs::From(ctx.node.attrs));
    const HostTensor& a = ctx.inputs[0];
    const int64_t n = a.num_elements();
    float* sum = F32(ctx.outputs[0]);
    for (int64_t i = 0; i < n; ++i) sum[i] = F32(a)[i] + F32(ctx.inputs[1])[i];
    RmsNormReference(sum, F32(ctx.inputs[2]), Rows(a.dims), LastDim(a.dims), attrs.eps,
                     F32(ctx.outputs[1]));
    return absl::OkStatus();
  };
  def.cost = [](const CostContext& ctx) { return OpCost{5.0 * NumElements(ctx.input_dims[0]), 0}; };
  return def;
}

}  // namespace anvil
