#version 450
// linear for few tokens (decode, T = 1): y[t, row_begin + r] = dot(x[t, :], w[r, :]) (+ bias).
// One workgroup per weight row; its invocations split the K axis and reduce in shared memory.
// A weight larger than one binding is bound as row blocks, one dispatch each.
// Bindings: 0 x [tokens, k], 1 w rows [row_begin, row_begin + rows) of [n, k], 2 bias [n] (a
//   dummy when HAS_BIAS is 0), 3 y [tokens, n].
// Spec constants: 0 WG (power of two), 1 HAS_BIAS.
// Push constants: tokens, k, n, row_begin, rows.
// Dispatch: any number of workgroups along x; workgroups stride over the rows.
layout(constant_id = 0) const uint WG = 64;
layout(constant_id = 1) const uint HAS_BIAS = 0;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint tokens; uint k; uint n; uint row_begin; uint rows; } p;
#include "reduce.glsl"

void main() {
  const uint lid = gl_LocalInvocationIndex;
  for (uint r = gl_WorkGroupID.x; r < p.rows; r += gl_NumWorkGroups.x) {
    const uint wbase = r * p.k;
    for (uint t = 0; t < p.tokens; ++t) {
      const uint xbase = t * p.k;
      float acc = 0.0;
      for (uint i = lid; i < p.k; i += WG) acc += x[xbase + i] * w[wbase + i];
      const float total = WorkgroupSum(acc);
      if (lid == 0) {
        const uint col = p.row_begin + r;
        y[t * p.n + col] = total + (HAS_BIAS != 0 ? bias[col] : 0.0);
      }
    }
  }
}
