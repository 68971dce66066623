#version 450
// add and mul (the binary op family, ops/elementwise/binary.cc): y[i] = a[i] OP b[i % period].
// Bindings: 0 a, 1 b, 2 y (y may alias a: each element is read before it is written).
// Spec constants: 0 WG workgroup size; 1 OP (0 add, 1 mul).
// Push constants: n elements of y; period = elements of b (n, or a's last dim when broadcast).
// Dispatch: any number of workgroups along x; invocations stride over the elements.
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint OP = 0;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer A { float a[]; };
layout(std430, binding = 1) readonly buffer B { float b[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint n; uint period; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * WG;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += stride) {
    const float x = a[i];
    const float w = b[i % p.period];
    y[i] = OP == 0 ? x + w : x * w;
  }
}
