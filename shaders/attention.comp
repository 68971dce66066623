#version 450
// attention: causal GQA attention of q [tokens, heads, head_dim] over the KV cache rows
// first..pos, pos = P + t (P from the step state), first = pos - window + 1 with a sliding
// window, else 0. One workgroup per (token, head); keys in blocks of WG with a running max and
// sum (online softmax), so shared memory does not grow with the context.
// Bindings: 0 q, 1 k_cache, 2 v_cache [kv_heads, capacity, head_dim], 3 y [tokens, heads *
//   head_dim], 4 step state.
// Spec constants: 0 WG (power of two, at least head_dim / 8).
// Push constants: tokens, heads, kv_heads, head_dim, capacity, window, scale.
// Dispatch: any number of workgroups along x; workgroups stride over tokens * heads.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer Q { float q[]; };
layout(std430, binding = 1) readonly buffer K { float k_cache[]; };
layout(std430, binding = 2) readonly buffer V { float v_cache[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(std430, binding = 4) readonly buffer Step { uint position; } step;
layout(push_constant) uniform Params {
  uint tokens; uint heads; uint kv_heads; uint head_dim; uint capacity; uint window; float scale;
} p;
#include "reduce.glsl"

const uint kMaxHeadDim = 512;
const uint kMaxPerInvocation = 8;  // head_dim / WG output dims per invocation
shared float qs[kMaxHeadDim];
shared float probs[WG];

void main() {
  const uint lid = gl_LocalInvocationIndex;
  const float neg_inf = uintBitsToFloat(0xff800000u);
  for (uint item = gl_WorkGroupID.x; item < p.tokens * p.heads; item += gl_NumWorkGroups.x) {
    const uint t = item / p.heads;
    const uint h = item % p.heads;
    const uint kvh = h / (p.heads / p.kv_heads);
    const uint pos = step.position + t;
    const uint first = (p.window > 0 && pos + 1 > p.window) ? pos + 1 - p.window : 0;
    const uint kv_base = kvh * p.capacity * p.head_dim;
    for (uint d = lid; d < p.head_dim; d += WG) qs[d] = q[item * p.head_dim + d];
    barrier();
    float acc[kMaxPerInvocation];
    for (uint i = 0; i < kMaxPerInvocation; ++i) acc[i] = 0.0;
    float running_max = neg_inf;
    float running_sum = 0.0;
    for (uint j0 = first; j0 <= pos; j0 += WG) {
      const uint j = j0 + lid;
      float score = neg_inf;
      if (j <= pos) {
        float dot = 0.0;
        for (uint d = 0; d < p.head_dim; ++d) dot += qs[d] * k_cache[kv_base + j * p.head_dim + d];
        score = dot * p.scale;
      }
      const float new_max = max(running_max, WorkgroupMax(score));
      const float correction = exp(running_max - new_max);
      const float prob = j <= pos ? exp(score - new_max) : 0.0;
      probs[lid] = prob;
      running_sum = running_sum * correction + WorkgroupSum(prob);  // WorkgroupSum's barrier publishes probs
      const uint count = min(WG, pos + 1 - j0);
      for (uint i = 0; i * WG + lid < p.head_dim; ++i) {
        const uint d = i * WG + lid;
        float sum = 0.0;
        for (uint jj = 0; jj < count; ++jj) sum += probs[jj] * v_cache[kv_base + (j0 + jj) * p.head_dim + d];
        acc[i] = acc[i] * correction + sum;
      }
      running_max = new_max;
      barrier();  // probs is rewritten by the next block
    }
    for (uint i = 0; i * WG + lid < p.head_dim; ++i) y[item * p.head_dim + i * WG + lid] = acc[i] / running_sum;
    barrier();  // qs is rewritten by the next item
  }
}
