#version 450
// split along the last axis: one dispatch per piece, piece[r, i] = x[r, offset + i].
// Bindings: 0 x [rows, width], 1 piece [rows, piece_width].
// Spec constants: 0 WG.  Push constants: rows, width, offset, piece_width.
// Dispatch: any number of workgroups along x; invocations stride over rows * piece_width.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer P { float piece[]; };
layout(push_constant) uniform Params { uint rows; uint width; uint offset; uint piece_width; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * WG;
  for (uint i = gl_GlobalInvocationID.x; i < p.rows * p.piece_width; i += stride) {
    piece[i] = x[(i / p.piece_width) * p.width + p.offset + i % p.piece_width];
  }
}
