#version 450
// add_rms_norm (fused): sum = a + b; y = rms_norm(sum, w) over the last axis.
// Bindings: 0 a, 1 b, 2 w, 3 sum (may alias a), 4 y (may alias b). Each invocation reads its own
// elements of a and b before writing sum, and reads sum back only for elements it wrote.
// Spec constants: 0 WG (power of two).
// Push constants: rows, dim, eps.
// Dispatch: any number of workgroups along x; workgroups stride over the rows.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) readonly buffer W { float w[]; };
layout(std430, binding = 3) buffer S { float s[]; };
layout(std430, binding = 4) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint rows; uint dim; float eps; } p;
#include "reduce.glsl"

void main() {
  const uint lid = gl_LocalInvocationIndex;
  for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
    const uint base = row * p.dim;
    float squares = 0.0;
    for (uint i = lid; i < p.dim; i += WG) {
      const float v = a[base + i] + b[base + i];
      s[base + i] = v;
      squares += v * v;
    }
    const float scale = 1.0 / sqrt(WorkgroupSum(squares) / float(p.dim) + p.eps);
    for (uint i = lid; i < p.dim; i += WG) y[base + i] = s[base + i] * scale * w[i];
  }
}
