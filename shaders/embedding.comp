#version 450
// embedding: y[t, :] = table[ids[t], :] for the ids inside this dispatch's block of table rows
// (a table larger than one binding is bound as row blocks, one dispatch each). Ids are checked
// on the host before the step is submitted.
// Bindings: 0 table rows [row_begin, row_begin + row_count), 1 ids (int), 2 y [tokens, dim].
// Spec constants: 0 WG.
// Push constants: tokens, dim, row_begin, row_count.
// Dispatch: any number of workgroups along x; invocations stride over tokens * dim.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer Table { float table[]; };
layout(std430, binding = 1) readonly buffer Ids { int ids[]; };
layout(std430, binding = 2) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint tokens; uint dim; uint row_begin; uint row_count; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * WG;
  for (uint i = gl_GlobalInvocationID.x; i < p.tokens * p.dim; i += stride) {
    const uint id = uint(ids[i / p.dim]);
    if (id >= p.row_begin && id < p.row_begin + p.row_count) {
      y[i] = table[(id - p.row_begin) * p.dim + i % p.dim];
    }
  }
}
