#version 450
// rope: rotary position embedding of x [tokens, heads, head_dim]; token t sits at position P + t
// (P from the step-state buffer, so one recording serves every step).
// Bindings: 0 x, 1 y (may alias x: each invocation owns a pair and reads it before writing),
//   2 table [capacity][half][2] (cos, sin), 3 step state {uint position}.
// Spec constants: 0 WG.
// Push constants: tokens, heads, head_dim, half (rotary_dim / 2), layout (0 interleaved, 1 half).
// Dispatch: any number of workgroups along x; invocations stride over tokens * heads * head_dim
//   (the first element of each pair rotates the pair; elements past rotary_dim are copied).
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 2) readonly buffer Table { float table[]; };
layout(std430, binding = 3) readonly buffer Step { uint position; } step;
layout(push_constant) uniform Params { uint tokens; uint heads; uint head_dim; uint half_count; uint layout_kind; } p;
#include "rope.glsl"

void main() {
  const uint stride = gl_NumWorkGroups.x * WG;
  const uint total = p.tokens * p.heads * p.head_dim;
  for (uint e = gl_GlobalInvocationID.x; e < total; e += stride) {
    const uint d = e % p.head_dim;
    const uint head = e - d;
    if (d >= 2 * p.half_count) {
      y[e] = x[e];
      continue;
    }
    const uint i = p.layout_kind == 0 ? d / 2 : d % p.half_count;
    const uvec2 pair = RopePair(i, p.half_count, p.layout_kind);
    if (d != pair.x) continue;  // the pair's first element does the work
    const uint t = e / (p.heads * p.head_dim);
    const uint angle = ((step.position + t) * p.half_count + i) * 2;
    const float c = table[angle], s = table[angle + 1];
    const float x0 = x[head + pair.x], x1 = x[head + pair.y];
    y[head + pair.x] = x0 * c - x1 * s;
    y[head + pair.y] = x0 * s + x1 * c;
  }
}
