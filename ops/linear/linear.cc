// linear: y[T, N] = x[T, K] * weight[N, K]^T (+ bias[N]); weight in PyTorch row-major layout and
// any weight dtype (dequantized row by row in the reference). The tied LM head is a linear over
// the embedding table's initializer.
// gate_up_swiglu (fused): y[T, F] = silu(x * W[0:F]^T) * (x * W[F:2F]^T) over one concatenated
// weight [2F, K].
#include <vector>

#include "base/status.h"
#include "ops/dequantize.h"
#include "ops/elementwise/silu.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"

namespace anvil {
namespace {

// Checks x [T, K] against weight [N, K]; returns N.
absl::StatusOr<Dim> CheckMatmul(const InferContext& ctx, int x, int w) {
  ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(x, 2));
  ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(w, 2));
  const Shape& xs = ctx.input(x).shape;
  const Shape& ws = ctx.input(w).shape;
  if (!(ws[1] == xs[1])) {
    return ctx.Error(absl::StrCat(ctx.InputLabel(w), " has shape ", ShapeString(ws), ", expected [",
                                  DimString(ws[0]), ",", DimString(xs[1]), "]"));
  }
  return ws[0];
}

// out[t, n] = sum_k x[t, k] * w[row_offset + n, k], double accumulation.
void MatmulReference(const HostTensor& x, const HostTensor& w, int64_t row_offset, int64_t rows,
                     std::vector<double>& out) {
  const int64_t tokens = x.dims[0], k = x.dims[1];
  std::vector<float> row(k);
  const uint8_t* base = static_cast<const uint8_t*>(w.data);
  out.assign(tokens * rows, 0.0);
  for (int64_t n = 0; n < rows; ++n) {
    DequantizeRow(w.dtype, base + (row_offset + n) * RowBytes(w.dtype, k), k, row.data());
    for (int64_t t = 0; t < tokens; ++t) {
      const float* xt = F32(x) + t * k;
      double acc = 0;
      for (int64_t i = 0; i < k; ++i) acc += static_cast<double>(xt[i]) * row[i];
      out[t * rows + n] = acc;
    }
  }
}

OpCost MatmulCost(const CostContext& ctx) {
  const auto& x = ctx.input_dims[0];
  const auto& w = ctx.input_dims[1];
  OpCost cost;
  cost.flops = 2.0 * x[0] * w[0] * w[1];
  if (ctx.input_is_weight[1]) cost.weight_bytes = static_cast<double>(RowBytes(ctx.input_dtypes[1], w[1])) * w[0];
  return cost;
}

}  // namespace

OpDef LinearOp() {
  OpDef def;
  def.name = "linear";
  def.summary = "y = x * weight^T (+ bias); weight [N, K] row-major, any weight dtype";
  def.inputs = {F32Port("x"), WeightPort("weight"), OptionalF32Port("bias")};
  def.outputs = {F32Port("y")};
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_ASSIGN_OR_RETURN(Dim n, CheckMatmul(ctx, 0, 1));
    if (ctx.has_input(2)) ANVIL_RETURN_IF_ERROR(ctx.ExpectShape(2, Shape{n}));
    return std::vector<TensorType>{{DType::kF32, Shape{ctx.input(0).shape[0], n}}};
  };
  def.reference = [](const RefKernelContext& ctx) {
    const HostTensor& w = ctx.inputs[1];
    const int64_t n = w.dims[0];
    std::vector<double> acc;
    MatmulReference(ctx.inputs[0], w, 0, n, acc);
    const float* bias = ctx.inputs.size() > 2 ? F32(ctx.inputs[2]) : nullptr;
    float* y = F32(ctx.outputs[0]);
    for (size_t i = 0; i < acc.size(); ++i) {
      y[i] = static_cast<float>(acc[i] + (bias != nullptr ? bias[i % n] : 0.0));
    }
    return absl::OkStatus();
  };
  def.cost = MatmulCost;
  return def;
}

OpDef GateUpSwigluOp() {
  OpDef def;
  def.name = "gate_up_swiglu";
  def.summary = "y = silu(x * W_gate^T) * (x * W_up^T) with W = [W_gate; W_up] concatenated by rows";
  def.inputs = {F32Port("x"), WeightPort("weight")};
  def.outputs = {F32Port("y")};
  def.is_fused = true;
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_ASSIGN_OR_RETURN(Dim n, CheckMatmul(ctx, 0, 1));
    if (n.is_symbolic() || n.size % 2 != 0) {
      return ctx.Error(absl::StrCat(ctx.InputLabel(1), " has ", DimString(n), " rows; expected an even count (gate rows then up rows)"));
    }
    return std::vector<TensorType>{{DType::kF32, Shape{ctx.input(0).shape[0], Dim::Fixed(n.size / 2)}}};
  };
  def.reference = [](const RefKernelContext& ctx) {
    const int64_t f = ctx.inputs[1].dims[0] / 2;
    std::vector<double> gate, up;
    MatmulReference(ctx.inputs[0], ctx.inputs[1], 0, f, gate);
    MatmulReference(ctx.inputs[0], ctx.inputs[1], f, f, up);
    float* y = F32(ctx.outputs[0]);
    for (size_t i = 0; i < gate.size(); ++i) {
      y[i] = SiluReference(static_cast<float>(gate[i])) * static_cast<float>(up[i]);
    }
    return absl::OkStatus();
  };
  def.cost = MatmulCost;
  return def;
}

OpDef EmbeddingOp() {
  OpDef def;
  def.name = "embedding";
  def.summary = "y[t] = table[ids[t]] (dequantized to f32); an out-of-range id is an error";
  def.inputs = {WeightPort("table"), PortSpec{"ids", {DType::kI32}}};
  def.outputs = {F32Port("y")};
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(0, 2));
    ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(1, 1));
    return std::vector<TensorType>{{DType::kF32, Shape{ctx.input(1).shape[0], ctx.input(0).shape[1]}}};
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    const HostTensor& table = ctx.inputs[0];
    const HostTensor& ids = ctx.inputs[1];
    const int64_t vocab = table.dims[0], dim = table.dims[1];
    for (int64_t t = 0; t < ids.dims[0]; ++t) {
      const int32_t id = I32(ids)[t];
      if (id < 0 || id >= vocab) {
        return absl::OutOfRangeError(absl::StrCat("token id ", id, " is outside the vocabulary (", vocab, " tokens)"));
      }
      DequantizeRow(table.dtype, static_cast<const uint8_t*>(table.data) + id * RowBytes(table.dtype, dim), dim,
                    F32(ctx.outputs[0]) + t * dim);
    }
    return absl::OkStatus();
  };
  def.cost = [](const CostContext& ctx) {
    const auto& table = ctx.input_dims[0];
    return OpCost{0, static_cast<double>(RowBytes(ctx.input_dtypes[0], table[1])) * ctx.input_dims[1][0]};
  };
  return def;
}

}  // namespace anvil
