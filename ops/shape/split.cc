// split: x [..., N] -> pieces [..., sizes[i]] along the last axis (sum of sizes == N).
#include <cstring>

#include "base/status.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"
#include "ops/shape/shape_attrs.h"

namespace anvil {

absl::StatusOr<SplitAttrs> SplitAttrs::From(const Attributes& attrs) {
  SplitAttrs a;
  ANVIL_ASSIGN_OR_RETURN(a.sizes, attrs.GetInts("sizes"));
  if (a.sizes.empty()) return absl::InvalidArgumentError("attribute 'sizes' must list at least one size");
  for (int64_t s : a.sizes) {
    if (s <= 0) return absl::InvalidArgumentError(absl::StrCat("attribute 'sizes' has a non-positive size ", s));
  }
  return a;
}

OpDef SplitOp() {
  OpDef def;
  def.name = "split";
  def.summary = "splits x along the last axis into pieces of the given sizes";
  def.inputs = {F32Port("x")};
  def.outputs = {PortSpec{"pieces", {DType::kF32}, false, true}};
  def.attrs = {{"sizes", AttrType::kInts, true}};
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_ASSIGN_OR_RETURN(SplitAttrs attrs, SplitAttrs::From(ctx.attrs()));
    if (static_cast<int>(attrs.sizes.size()) != ctx.num_outputs()) {
      return ctx.Error(absl::StrCat("attribute 'sizes' lists ", attrs.sizes.size(), " pieces for ",
                                    ctx.num_outputs(), " outputs"));
    }
    const Shape& x = ctx.input(0).shape;
    int64_t total = 0;
    for (int64_t s : attrs.sizes) total += s;
    if (x.empty() || !(x.back() == Dim::Fixed(total))) {
      return ctx.Error(absl::StrCat(ctx.InputLabel(0), " has shape ", ShapeString(x),
                                    ", expected last dim ", total, " (the sum of 'sizes')"));
    }
    std::vector<TensorType> out;
    for (int64_t s : attrs.sizes) {
      Shape shape = x;
      shape.back() = Dim::Fixed(s);
      out.push_back({DType::kF32, shape});
    }
    return out;
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    const HostTensor& x = ctx.inputs[0];
    const int64_t rows = Rows(x.dims), width = LastDim(x.dims);
    int64_t offset = 0;
    for (const HostTensor& piece : ctx.outputs) {
      const int64_t w = LastDim(piece.dims);
      for (int64_t r = 0; r < rows; ++r) {
        std::memcpy(F32(piece) + r * w, F32(x) + r * width + offset, w * sizeof(float));
      }
      offset += w;
    }
    return absl::OkStatus();
  };
  return def;
}

OpDef TakeLastOp() {
  OpDef def;
  def.name = "take_last";
  def.summary = "y[1, D] = x[T-1, :] (prefill only needs the last token's logits)";
  def.inputs = {F32Port("x")};
  def.outputs = {F32Port("y")};
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(0, 2));
    return std::vector<TensorType>{{DType::kF32, Shape{Dim::Fixed(1), ctx.input(0).shape[1]}}};
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    const HostTensor& x = ctx.inputs[0];
    const int64_t tokens = x.dims[0], dim = x.dims[1];
    if (tokens == 0) return absl::InvalidArgumentError("take_last of an empty tensor");
    std::memcpy(F32(ctx.outputs[0]), F32(x) + (tokens - 1) * dim, dim * sizeof(float));
    return absl::OkStatus();
  };
  return def;
}

}  // namespace anvil
