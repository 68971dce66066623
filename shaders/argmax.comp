#version 450
// argmax over each row: the index of the first maximum (NaNs never win).
// Bindings: 0 x [rows, width], 1 ids [rows] (int).
// Spec constants: 0 WG (power of two).  Push constants: rows, width.
// Dispatch: any number of workgroups along x; workgroups stride over the rows.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Ids { int ids[]; };
layout(push_constant) uniform Params { uint rows; uint width; } p;

shared float best_value[WG];
shared uint best_index[WG];

void main() {
  const uint lid = gl_LocalInvocationIndex;
  for (uint row = gl_WorkGroupID.x; row < p.rows; row += gl_NumWorkGroups.x) {
    float value = uintBitsToFloat(0xff800000u);  // -inf
    uint index = 0xffffffffu;
    for (uint i = lid; i < p.width; i += WG) {
      const float v = x[row * p.width + i];
      if (v > value || index == 0xffffffffu && !isnan(v)) {
        value = v;
        index = i;
      }
    }
    best_value[lid] = value;
    best_index[lid] = index;
    barrier();
    for (uint s = WG / 2; s > 0; s >>= 1) {
      if (lid < s) {
        const float v = best_value[lid + s];
        const uint j = best_index[lid + s];
        if (j != 0xffffffffu && (best_index[lid] == 0xffffffffu || v > best_value[lid] ||
                                 (v == best_value[lid] && j < best_index[lid]))) {
          best_value[lid] = v;
          best_index[lid] = j;
        }
      }
      barrier();
    }
    if (lid == 0) ids[row] = int(best_index[0] == 0xffffffffu ? 0u : best_index[0]);
    barrier();
  }
}
