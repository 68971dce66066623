#version 450
// gate_up_swiglu (fused): y[t, f] = silu(x[t] . w_gate[f]) * (x[t] . w_up[f]), where the weight
// [2F, k] holds the gate rows then the up rows. One workgroup per output column f; both dot
// products share one pass over x. The gate and up rows come through two bindings: the whole
// weight twice (rows gate_row0 + r and up_row0 + r), or, when the weight is larger than one
// binding, matching row blocks of the two halves (one dispatch per block pair).
// Bindings: 0 x [tokens, k], 1 gate rows, 2 up rows, 3 y [tokens, f].
// Spec constants: 0 WG (power of two).
// Push constants: tokens, k, f, row_begin (first output column), rows, gate_row0, up_row0.
// Dispatch: any number of workgroups along x; workgroups stride over the rows.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Gate { float wg[]; };
layout(std430, binding = 2) readonly buffer Up { float wu[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params {
  uint tokens; uint k; uint f; uint row_begin; uint rows; uint gate_row0; uint up_row0;
} p;
#include "reduce.glsl"

void main() {
  const uint lid = gl_LocalInvocationIndex;
  for (uint r = gl_WorkGroupID.x; r < p.rows; r += gl_NumWorkGroups.x) {
    const uint gbase = (p.gate_row0 + r) * p.k;
    const uint ubase = (p.up_row0 + r) * p.k;
    for (uint t = 0; t < p.tokens; ++t) {
      const uint xbase = t * p.k;
      float g = 0.0, u = 0.0;
      for (uint i = lid; i < p.k; i += WG) {
        const float xv = x[xbase + i];
        g += xv * wg[gbase + i];
        u += xv * wu[ubase + i];
      }
      const float gate = WorkgroupSum(g);
      const float up = WorkgroupSum(u);
      if (lid == 0) y[t * p.f + p.row_begin + r] = gate / (1.0 + exp(-gate)) * up;
    }
  }
}
