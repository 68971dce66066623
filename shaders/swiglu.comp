#version 450
// swiglu: y = silu(gate) * up.
// Bindings: 0 gate, 1 up, 2 y (may alias gate).  Spec constants: 0 WG.  Push constants: n.
// Dispatch: any number of workgroups along x; invocations stride over the elements.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer G { float gate[]; };
layout(std430, binding = 1) readonly buffer U { float up[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint n; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * WG;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
    const float g = gate[i];
    y[i] = g / (1.0 + exp(-g)) * up[i];
  }
}
