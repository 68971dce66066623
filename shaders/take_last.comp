#version 450
// take_last: y[0, :] = x[tokens - 1, :].
// Bindings: 0 x [tokens, dim], 1 y [1, dim].  Spec constants: 0 WG.  Push constants: tokens, dim.
// Dispatch: any number of workgroups along x; invocations stride over dim.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint tokens; uint dim; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * WG;
  for (uint i = gl_GlobalInvocationID.x; i < p.dim; i += stride) y[i] = x[(p.tokens - 1) * p.dim + i];
}
