// kv_cache_write: writes k or v [T, Hkv, head_dim] into a KV-cache state [Hkv, C, head_dim] at
// rows P..P+T-1, in place. Output 0 aliases the state and orders later readers (attention) after
// the write. Writing past the capacity C is an error, never a silent drop.
#include "ops/kv_cache/kv_cache_write.h"

#include <cstring>

#include "base/status.h"
#include "ops/op_defs.h"
#include "ops/op_util.h"

namespace anvil {

absl::Status CheckKvCapacity(int64_t position, int64_t tokens, int64_t capacity) {
  if (position < 0 || tokens < 0 || position + tokens > capacity) {
    return absl::OutOfRangeError(absl::StrCat("KV cache overflow: positions ", position, "..",
                                              position + tokens - 1, " do not fit the cache capacity of ",
                                              capacity, " tokens"));
  }
  return absl::OkStatus();
}

void KvCacheWriteReference(const float* x, int64_t tokens, int64_t kv_heads, int64_t head_dim,
                           int64_t capacity, int64_t position, float* cache) {
  for (int64_t t = 0; t < tokens; ++t) {
    for (int64_t h = 0; h < kv_heads; ++h) {
      std::memcpy(cache + (h * capacity + position + t) * head_dim, x + (t * kv_heads + h) * head_dim,
                  head_dim * sizeof(float));
    }
  }
}

absl::Status CheckCacheMatches(const InferContext& ctx, int cache, const Dim& kv_heads, const Dim& head_dim) {
  ANVIL_RETURN_IF_ERROR(ExpectState(ctx, cache));
  ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(cache, 3));
  const Shape& c = ctx.input(cache).shape;
  if (!(c[0] == kv_heads) || !(c[2] == head_dim)) {
    return ctx.Error(absl::StrCat(ctx.InputLabel(cache), " has shape ", ShapeString(c), ", expected [",
                                  DimString(kv_heads), ",C,", DimString(head_dim), "]"));
  }
  return absl::OkStatus();
}

OpDef KvCacheWriteOp() {
  OpDef def;
  def.name = "kv_cache_write";
  def.summary = "writes x [T, Hkv, head_dim] into the cache state at rows P..P+T-1 (in place)";
  def.inputs = {F32Port("x"), F32Port("cache")};
  def.outputs = {F32Port("cache_out")};
  def.output_aliases = {1};
  def.infer = [](const InferContext& ctx) -> absl::StatusOr<std::vector<TensorType>> {
    ANVIL_RETURN_IF_ERROR(ctx.ExpectRank(0, 3));
    const Shape& x = ctx.input(0).shape;
    ANVIL_RETURN_IF_ERROR(CheckCacheMatches(ctx, 1, x[1], x[2]));
    return std::vector<TensorType>{ctx.input(1)};
  };
  def.reference = [](const RefKernelContext& ctx) -> absl::Status {
    const HostTensor& x = ctx.inputs[0];
    const HostTensor& cache = ctx.outputs[0];
    ANVIL_RETURN_IF_ERROR(CheckKvCapacity(ctx.position, x.dims[0], cache.dims[1]));
    KvCacheWriteReference(F32(x), x.dims[0], x.dims[1], x.dims[2], cache.dims[1], ctx.position, F32(cache));
    return absl::OkStatus();
  };
  return def;
}

}  // namespace anvil
