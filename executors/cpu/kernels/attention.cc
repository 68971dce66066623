// attention: causal GQA attention over the KV cache, one (token, head) pair per work item.
// Keys are processed in blocks with a running max and sum (online softmax), so memory stays
// O(head_dim) per work item however long the context is.
#include "ops/attention/attention.h"

#include <algorithm>
#include <cmath>

#include "base/status.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/kernels/dot.h"
#include "executors/cpu/parallel.h"
#include "ops/kv_cache/kv_cache_write.h"

namespace anvil::cpu {
namespace {

constexpr int64_t kBlock = 64;     // keys per block
constexpr int64_t kMaxHeadDim = 512;

struct AttentionArgs {
  CpuTensor q, k, v, y;
  int64_t tokens, heads, head_dim, kv_heads, capacity, window;
  float scale;
};

void AttendOne(const AttentionArgs& a, int64_t t, int64_t h, int64_t position) {
  const int64_t hd = a.head_dim;
  const int64_t pos = position + t;
  const int64_t first = AttentionFirstRow(pos, a.window);
  const int64_t kvh = h / (a.heads / a.kv_heads);
  const float* q = a.q.f32() + (t * a.heads + h) * hd;
  const float* keys = a.k.f32() + kvh * a.capacity * hd;
  const float* values = a.v.f32() + kvh * a.capacity * hd;
  float acc[kMaxHeadDim] = {};
  float scores[kBlock];
  float max = -INFINITY;
  float sum = 0;
  for (int64_t j0 = first; j0 <= pos; j0 += kBlock) {
    const int64_t count = std::min(kBlock, pos + 1 - j0);
    float block_max = -INFINITY;
    for (int64_t j = 0; j < count; ++j) {
      scores[j] = DotF32(q, keys + (j0 + j) * hd, hd) * a.scale;
      block_max = std::max(block_max, scores[j]);
    }
    const float new_max = std::max(max, block_max);
    const float correction = std::exp(max - new_max);
    sum *= correction;
    for (int64_t i = 0; i < hd; ++i) acc[i] *= correction;
    for (int64_t j = 0; j < count; ++j) {
      const float p = std::exp(scores[j] - new_max);
      sum += p;
      const float* vr = values + (j0 + j) * hd;
      for (int64_t i = 0; i < hd; ++i) acc[i] += p * vr[i];
    }
    max = new_max;
  }
  float* out = a.y.f32() + (t * a.heads + h) * hd;
  const float inv = 1.0f / sum;
  for (int64_t i = 0; i < hd; ++i) out[i] = acc[i] * inv;
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
  if (a.head_dim > kMaxHeadDim) {
    return absl::UnimplementedError(absl::StrCat("head_dim ", a.head_dim, " exceeds the CPU attention limit ", kMaxHeadDim));
  }
  return CpuKernel([a](const StepState& step) -> absl::Status {
    ANVIL_RETURN_IF_ERROR(CheckKvCapacity(step.position, a.tokens, a.capacity));
    const int64_t items = a.tokens * a.heads;
    const int64_t work = (step.position + a.tokens) * a.head_dim * 2;
    ParallelChunks(items, ChunkFor(work), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) AttendOne(a, i / a.heads, i % a.heads, step.position);
    });
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
