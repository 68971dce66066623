// linear: linear_gemv.comp for decode (T = 1), linear_gemm.comp (tiled) for T > 1; and
// gate_up_swiglu (gate_up_swiglu.comp). Weights larger than one binding are bound as row blocks,
// one dispatch per block writing its own output columns.
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "executors/vulkan/kernels/kernels.h"

namespace anvil::vk {
namespace {

constexpr uint32_t kTile = 16;  // linear_gemm: TILE x TILE workgroups

struct LinearPush {
  uint32_t tokens, k, n, row_begin, rows;
};
static_assert(sizeof(LinearPush) == 20);

struct GateUpPush {
  uint32_t tokens, k, f, row_begin, rows, gate_row0, up_row0;
};
static_assert(sizeof(GateUpPush) == 28);

}  // namespace

absl::StatusOr<std::vector<DispatchSpec>> BindLinear(BindContext& ctx) {
  const Tensor &x = ctx.inputs[0], &w = ctx.inputs[1], &y = ctx.outputs[0];
  const bool has_bias = ctx.inputs.size() > 2 && ctx.inputs[2].present();
  ANVIL_RETURN_IF_ERROR(RequireF32(ctx, w, "weights"));
  const int64_t tokens = x.dims[0], k = x.dims[1], n = w.dims[0];
  ANVIL_ASSIGN_OR_RETURN(std::vector<RowBlock> blocks, RowBlocks(w, 0, n, ctx.device),
                         absl::StrCat("weight of '", ctx.node.name, "'"));
  std::vector<DispatchSpec> dispatches;
  for (const RowBlock& block : blocks) {
    DispatchSpec d;
    const bool gemm = tokens > 1;
    d.shader = gemm ? "linear_gemm" : "linear_gemv";
    d.spec = {gemm ? kTile : kWorkgroup, has_bias ? 1u : 0u};
    d.push = PushBytes(LinearPush{static_cast<uint32_t>(tokens), static_cast<uint32_t>(k), static_cast<uint32_t>(n),
                                  static_cast<uint32_t>(block.first_row), static_cast<uint32_t>(block.rows)});
    d.bindings = {x.region, block.region, has_bias ? ctx.inputs[2].region : ctx.dummy, y.region};
    d.writes = {false, false, false, true};
    if (gemm) {
      d.groups[0] = static_cast<uint32_t>((block.rows + kTile - 1) / kTile);
      d.groups[1] = static_cast<uint32_t>((tokens + kTile - 1) / kTile);
    } else {
      d.groups[0] = Groups(block.rows, 1, ctx.device);
    }
    dispatches.push_back(std::move(d));
  }
  return dispatches;
}

absl::StatusOr<std::vector<DispatchSpec>> BindGateUpSwiglu(BindContext& ctx) {
  const Tensor &x = ctx.inputs[0], &w = ctx.inputs[1], &y = ctx.outputs[0];
  ANVIL_RETURN_IF_ERROR(RequireF32(ctx, w, "weights"));
  const int64_t tokens = x.dims[0], k = x.dims[1], f = w.dims[0] / 2;
  auto dispatch = [&](Region gate, Region up, int64_t row_begin, int64_t rows, int64_t gate_row0, int64_t up_row0) {
    DispatchSpec d;
    d.shader = "gate_up_swiglu";
    d.spec = {kWorkgroup};
    d.push = PushBytes(GateUpPush{static_cast<uint32_t>(tokens), static_cast<uint32_t>(k), static_cast<uint32_t>(f),
                                  static_cast<uint32_t>(row_begin), static_cast<uint32_t>(rows),
                                  static_cast<uint32_t>(gate_row0), static_cast<uint32_t>(up_row0)});
    d.bindings = {x.region, gate, up, y.region};
    d.writes = {false, false, false, true};
    d.groups[0] = Groups(rows, 1, ctx.device);
    return d;
  };
  if (w.region.size <= ctx.device.binding_limit()) {
    return std::vector<DispatchSpec>{dispatch(w.region, w.region, 0, f, 0, f)};
  }
  ANVIL_ASSIGN_OR_RETURN(std::vector<RowBlock> gate, RowBlocks(w, 0, f, ctx.device),
                         absl::StrCat("weight of '", ctx.node.name, "'"));
  ANVIL_ASSIGN_OR_RETURN(std::vector<RowBlock> up, RowBlocks(w, f, f, ctx.device),
                         absl::StrCat("weight of '", ctx.node.name, "'"));
  std::vector<DispatchSpec> dispatches;
  for (size_t i = 0; i < gate.size(); ++i) {
    dispatches.push_back(dispatch(gate[i].region, up[i].region, gate[i].first_row, gate[i].rows, 0, 0));
  }
  return dispatches;
}

}  // namespace anvil::vk
