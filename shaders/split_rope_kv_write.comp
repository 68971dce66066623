#version 450
// split_rope_kv_write (fused): one workgroup per (token, head slot) of the fused QKV row
// [tokens, (heads + 2 * kv_heads) * head_dim]. Slots < heads are q heads (QK-norm?, RoPE -> q),
// then kv_heads k heads (QK-norm?, RoPE -> K cache), then kv_heads v heads (-> V cache).
// Bindings: 0 qkv, 1 k_cache, 2 v_cache [kv_heads, capacity, head_dim], 3 q_norm [head_dim],
//   4 k_norm (dummies when HAS_NORM is 0), 5 q [tokens, heads, head_dim], 6 rope table, 7 step.
// Spec constants: 0 WG (power of two), 1 HAS_NORM.
// Push constants: tokens, heads, kv_heads, head_dim, half, layout, capacity, eps.
// Dispatch: any number of workgroups along x; workgroups stride over tokens * (heads + 2 kv_heads).
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HAS_NORM = 0;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer QKV { float qkv[]; };
layout(std430, binding = 1) writeonly buffer KC { float k_cache[]; };
layout(std430, binding = 2) writeonly buffer VC { float v_cache[]; };
layout(std430, binding = 3) readonly buffer QN { float q_norm[]; };
layout(std430, binding = 4) readonly buffer KN { float k_norm[]; };
layout(std430, binding = 5) writeonly buffer Q { float q[]; };
layout(std430, binding = 6) readonly buffer Table { float table[]; };
layout(std430, binding = 7) readonly buffer Step { uint position; } step;
layout(push_constant) uniform Params {
  uint tokens; uint heads; uint kv_heads; uint head_dim; uint half_count; uint layout_kind; uint capacity; float eps;
} p;
#include "reduce.glsl"
#include "rope.glsl"

const uint kMaxHeadDim = 512;
shared float head[kMaxHeadDim];

void main() {
  const uint lid = gl_LocalInvocationIndex;
  const uint slots = p.heads + 2 * p.kv_heads;
  for (uint item = gl_WorkGroupID.x; item < p.tokens * slots; item += gl_NumWorkGroups.x) {
    const uint t = item / slots;
    const uint slot = item % slots;
    const uint pos = step.position + t;
    const uint src = (t * slots + slot) * p.head_dim;
    const bool is_q = slot < p.heads;
    const bool is_v = slot >= p.heads + p.kv_heads;
    float squares = 0.0;
    for (uint d = lid; d < p.head_dim; d += WG) {
      const float v = qkv[src + d];
      head[d] = v;
      squares += v * v;
    }
    if (HAS_NORM != 0 && !is_v) {
      const float scale = 1.0 / sqrt(WorkgroupSum(squares) / float(p.head_dim) + p.eps);
      for (uint d = lid; d < p.head_dim; d += WG) head[d] *= scale * (is_q ? q_norm[d] : k_norm[d]);
    }
    barrier();  // the whole head is in shared memory before pairs are read
    for (uint d = lid; d < p.head_dim; d += WG) {
      float value = head[d];
      if (!is_v && d < 2 * p.half_count) {
        const uint i = p.layout_kind == 0 ? d / 2 : d % p.half_count;
        const uvec2 pair = RopePair(i, p.half_count, p.layout_kind);
        const uint angle = (pos * p.half_count + i) * 2;
        const float c = table[angle], s = table[angle + 1];
        const float x0 = head[pair.x], x1 = head[pair.y];
        value = d == pair.x ? x0 * c - x1 * s : x0 * s + x1 * c;
      }
      if (is_q) {
        q[(t * p.heads + slot) * p.head_dim + d] = value;
      } else if (!is_v) {
        k_cache[((slot - p.heads) * p.capacity + pos) * p.head_dim + d] = value;
      } else {
        v_cache[((slot - p.heads - p.kv_heads) * p.capacity + pos) * p.head_dim + d] = value;
      }
    }
    barrier();  // before the next item overwrites the shared head
  }
}
