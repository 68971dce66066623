// attention: causal GQA attention over the KV cache. A work item is up to 8 query heads of one KV
// head (a GQA group, split when larger) and, when decoding, one token, through simd/attend.cc: the
// group's heads take each block of keys in turn, so the cache is read once per group (online
// softmax: memory O(head_dim) per head however long the context or the prompt). A prompt's work
// item is a block of tokens (up to kAttendTokensRows rows of token x head) through
// simd/attend_tokens.cc, which multiplies the block's queries with each block of keys as a small
// GEMM (`attention_bench`, a 512-token prompt at TinyLlama's shape: 9.8-10.4 -> 4.8-5.7 ms);
// where that kernel is missing (no AVX-512, or a head_dim not a multiple of 8 or over 128) a
// prompt's work item stays one token.
#include "ops/attention/attention.h"

#include <algorithm>

#include "base/status.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/simd/simd.h"
#include "executors/cpu/parallel.h"
#include "ops/kv_cache/kv_cache_write.h"

namespace anvil::cpu {
namespace {

struct AttentionArgs {
  CpuTensor q, k, v, y;
  int64_t tokens, heads, head_dim, kv_heads, capacity, window;
  float scale;
};

// Heads per work item at most (a GQA group, or a part of a larger one): one pass of Attend.
constexpr int64_t kItemHeads = kAttendGroupHeads;

// Tokens [t0, t0 + tokens), heads [h, h + n) (all of one KV head): together through AttendTokens
// when there are several and it has a kernel, else a token at a time through Attend.
void AttendItem(const AttentionArgs& a, int64_t t0, int64_t tokens, int64_t h, int64_t n, int64_t position) {
  const int64_t hd = a.head_dim, stride = a.heads * hd;
  const int64_t kv_offset = h / (a.heads / a.kv_heads) * a.capacity * hd;
  const float *q = a.q.f32() + t0 * stride + h * hd, *k = a.k.f32() + kv_offset, *v = a.v.f32() + kv_offset;
  float* y = a.y.f32() + t0 * stride + h * hd;
  if (tokens > 1) {
    int64_t first[kAttendTokensRows];
    for (int64_t t = 0; t < tokens; ++t) first[t] = AttentionFirstRow(position + t0 + t, a.window);
    if (AttendTokens(q, stride, tokens, n, k, v, first, position + t0, hd, a.scale, y, stride)) return;
  }
  for (int64_t t = 0; t < tokens; ++t) {
    const int64_t pos = position + t0 + t;
    Attend(q + t * stride, n, k, v, AttentionFirstRow(pos, a.window), pos, hd, a.scale, y + t * stride);
  }
}

}  // namespace

absl::StatusOr<CpuKernel> BindAttention(const BindContext& ctx) {
  ANVIL_ASSIGN_OR_RETURN(AttentionAttrs attrs, AttentionAttrs::From(ctx.node.attrs));
  AttentionArgs a;
  a.q = ctx.inputs[0];
  a.k = ctx.inputs[1];
  a.v = ctx.inputs[2];
  a.y = ctx.outputs[0];
  a.tokens = a.q.dims[0];
  a.heads = a.q.dims[1];
  a.head_dim = a.q.dims[2];
  a.kv_heads = a.k.dims[0];
  a.capacity = a.k.dims[1];
  a.window = attrs.sliding_window;
  a.scale = static_cast<float>(attrs.ScaleFor(a.head_dim));
  if (a.head_dim > kMaxAttendHeadDim) {
    return absl::UnimplementedError(absl::StrCat("head_dim ", a.head_dim, " exceeds the CPU attention limit ", kMaxAttendHeadDim));
  }
  return CpuKernel([a](const StepState& step) -> absl::Status {
    ANVIL_RETURN_IF_ERROR(CheckKvCapacity(step.position, a.tokens, a.capacity));
    const int64_t group = a.heads / a.kv_heads;
    const int64_t parts = (group + kItemHeads - 1) / kItemHeads;  // per KV head
    const int64_t part_heads = (group + parts - 1) / parts;
    // A prompt goes in blocks of tokens (AttendTokens: rows = tokens x heads along the lanes);
    // one token, or a CPU or head_dim without that kernel, a token per work item.
    const int64_t block =
        a.tokens > 1 && HasAttendTokens(a.head_dim) ? std::max<int64_t>(1, kAttendTokensRows / part_heads) : 1;
    const int64_t blocks = (a.tokens + block - 1) / block;
    const int64_t items = blocks * a.kv_heads * parts;
    const int64_t work = (step.position + a.tokens) * a.head_dim * 2 * part_heads * block;
    ParallelChunks(items, ChunkFor(work), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t b = i / (a.kv_heads * parts), kvh = i / parts % a.kv_heads, part = i % parts;
        const int64_t h = kvh * group + part * part_heads;
        AttendItem(a, b * block, std::min(block, a.tokens - b * block), h, std::min(part_heads, (kvh + 1) * group - h),
                   step.position);
      }
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
