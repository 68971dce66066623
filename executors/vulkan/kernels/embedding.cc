// embedding (embedding.comp): one dispatch per row block of the table; each copies the rows of
// the ids that fall in its block. Ids are range-checked on the host before the step runs.
#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "executors/vulkan/kernels/kernels.h"

namespace anvil::vk {
namespace {

struct EmbeddingPush {
  uint32_t tokens, dim, row_begin, row_count;
};
static_assert(sizeof(EmbeddingPush) == 16);

}  // namespace

absl::StatusOr<std::vector<DispatchSpec>> BindEmbedding(BindContext& ctx) {
  const Tensor &table = ctx.inputs[0], &ids = ctx.inputs[1], &y = ctx.outputs[0];
  ANVIL_RETURN_IF_ERROR(RequireF32(ctx, table, "embedding tables"));
  const int64_t tokens = ids.dims[0], dim = table.dims[1];
  ANVIL_ASSIGN_OR_RETURN(std::vector<RowBlock> blocks, RowBlocks(table, 0, table.dims[0], ctx.device),
                         absl::StrCat("table of '", ctx.node.name, "'"));
  std::vector<DispatchSpec> dispatches;
  for (const RowBlock& block : blocks) {
    DispatchSpec d;
    d.shader = "embedding";
    d.spec = {kWorkgroup};
    d.push = PushBytes(EmbeddingPush{static_cast<uint32_t>(tokens), static_cast<uint32_t>(dim),
                                     static_cast<uint32_t>(block.first_row), static_cast<uint32_t>(block.rows)});
    d.bindings = {block.region, ids.region, y.region};
    d.writes = {false, false, true};
    d.groups[0] = Groups(tokens * dim, kWorkgroup, ctx.device);
    dispatches.push_back(std::move(d));
  }
  return dispatches;
}

}  // namespace anvil::vk
