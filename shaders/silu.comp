#version 450
// silu: y = x * sigmoid(x).
// Bindings: 0 x, 1 y (may alias x).  Spec constants: 0 WG.  Push constants: n elements.
// Dispatch: any number of workgroups along x; invocations stride over the elements.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint n; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * WG;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
    const float v = x[i];
    y[i] = v / (1.0 + exp(-v));
  }
}
