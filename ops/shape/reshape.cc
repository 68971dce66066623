// reshape: a view of x with other dims (no copy). Target dims: 0 copies the input dim at the same
// index (keeps a symbolic T), -1 is inferred from the element count.
#include <algorithm>
#include <cstring>

#include "base/status.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"
#include "ops/shape/shape_attrs.h"

namespace anvil {

absl::StatusOr<ReshapeAttrs> ReshapeAttrs::From(const Attributes& attrs) {
  ReshapeAttrs a;
  ANVIL_ASSIGN_OR_RETURN(a.shape, attrs.GetInts("shape"));
  if (a.shape.empty()) return absl::InvalidArgumentError("attribute 'shape' must not be empty");
  if (std::count(a.shape.begin(), a.shape.end(), -1) > 1) {
    return absl::InvalidArgumentError("attribute 'shape' has more than one -1");
  }
  for (int64_t d : a.shape) {
    if (d < -1) return absl::InvalidArgumentError(absl::StrCat("attribute 'shape' has invalid dim ", d));
  }
  return a;
}

OpDef ReshapeOp() {
  OpDef def;
  def.name = "reshape";
  def.summary = "a view of x with other dims (0 = copy input dim, -1 = inferred)";
  def.inputs = {F32Port("x")};
  def.outputs = {F32Port("y")};
  def.attrs = {{"shape", AttrType::kInts, true}};
  def.is_view = true;
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_ASSIGN_OR_RETURN(ReshapeAttrs attrs, ReshapeAttrs::From(ctx.attrs()));
    const Shape& in = ctx.input(0).shape;
    // Symbols must carry over unchanged (copied by 0); fixed sizes must multiply to the same count.
    std::vector<std::string> in_symbols, out_symbols;
    int64_t in_fixed = 1, out_fixed = 1;
    bool overflow = false;
    for (const Dim& d : in) {
      if (d.is_symbolic()) in_symbols.push_back(d.symbol); else in_fixed *= d.size;
    }
    Shape out;
    int infer_at = -1;
    for (size_t i = 0; i < attrs.shape.size(); ++i) {
      const int64_t d = attrs.shape[i];
      if (d == 0) {
        if (i >= in.size()) return ctx.Error(absl::StrCat("attribute 'shape' copies dim ", i, " but the input has rank ", in.size()));
        out.push_back(in[i]);
        if (in[i].is_symbolic()) {
          out_symbols.push_back(in[i].symbol);
        } else {
          overflow |= __builtin_mul_overflow(out_fixed, in[i].size, &out_fixed);
        }
      } else if (d == -1) {
        infer_at = static_cast<int>(i);
        out.push_back(Dim::Fixed(1));
      } else {
        out.push_back(Dim::Fixed(d));
        overflow |= __builtin_mul_overflow(out_fixed, d, &out_fixed);
      }
    }
    std::sort(in_symbols.begin(), in_symbols.end());
    std::sort(out_symbols.begin(), out_symbols.end());
    const std::string mismatch = absl::StrCat(ctx.InputLabel(0), " has shape ", ShapeString(in),
                                              ", which cannot be viewed as ",
                                              AttrValueString(attrs.shape));
    // The attribute comes from the file: a product past int64 cannot match the input's count.
    if (overflow || in_symbols != out_symbols) return ctx.Error(mismatch);
    if (infer_at >= 0) {
      if (out_fixed == 0 || in_fixed % out_fixed != 0) return ctx.Error(mismatch);
      out[infer_at] = Dim::Fixed(in_fixed / out_fixed);
    } else if (in_fixed != out_fixed) {
      return ctx.Error(mismatch);
    }
    return std::vector<TensorType>{{DType::kF32, out}};
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    if (ctx.outputs[0].data != ctx.inputs[0].data) {
      std::memcpy(ctx.outputs[0].data, ctx.inputs[0].data, ctx.inputs[0].num_elements() * sizeof(float));
    }
    return absl::OkStatus();
  };
  return def;
}

}  // namespace anvil
