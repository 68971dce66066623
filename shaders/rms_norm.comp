#version 450
// rms_norm over the last axis: y = x / sqrt(mean(x^2) + eps) * w. Also per head (QK-norm).
// Bindings: 0 x, 1 w, 2 y (may alias x: the reduction barrier orders all reads before writes).
// Spec constants: 0 WG (power of two).
// Push constants: rows, dim, eps.
// Dispatch: any number of workgroups along x; workgroups stride over the rows.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer W { float w[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint rows; uint dim; float eps; } p;
#include "reduce.glsl"

void main() {
  const uint lid = gl_LocalInvocationIndex;
  for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
    const uint base = row * p.dim;
    float squares = 0.0;
    for (uint i = lid; i < p.dim; i += WG) squares += x[base + i] * x[base + i];
    const float scale = 1.0 / sqrt(WorkgroupSum(squares) / float(p.dim) + p.eps);
    for (uint i = lid; i < p.dim; i += WG) y[base + i] = x[base + i] * scale * w[i];
  }
}
