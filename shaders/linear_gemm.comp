#version 450
// linear for many tokens (prefill, T > 1): a tiled GEMM, y[t, row_begin + r] = x[t, :] . w[r, :]
// (+ bias). Each TILE x TILE workgroup computes a tile of TILE tokens x TILE weight rows, staging
// TILE x TILE blocks of x and w in shared memory along K.
// Bindings: 0 x [tokens, k], 1 w rows [row_begin, row_begin + rows) of [n, k], 2 bias [n] (dummy
//   when HAS_BIAS is 0), 3 y [tokens, n].
// Spec constants: 0 TILE (workgroup is TILE x TILE), 1 HAS_BIAS.
// Push constants: tokens, k, n, row_begin, rows.
// Dispatch: (ceil(rows / TILE), ceil(tokens / TILE), 1).
layout(constant_id = 0) const uint TILE = 16;
layout(constant_id = 1) const uint HAS_BIAS = 0;
layout(local_size_x_id = 0, local_size_y_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Wt { float w[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, binding = 3) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Params { uint tokens; uint k; uint n; uint row_begin; uint rows; } p;

shared float xs[TILE][TILE];
shared float ws[TILE][TILE];

void main() {
  const uint lx = gl_LocalInvocationID.x;  // weight row within the tile
  const uint ly = gl_LocalInvocationID.y;  // token within the tile
  const uint r = gl_WorkGroupID.x * TILE + lx;
  const uint t = gl_WorkGroupID.y * TILE + ly;
  const uint r_load = gl_WorkGroupID.x * TILE + ly;  // w row this invocation stages
  float acc = 0.0;
  for (uint k0 = 0; k0 < p.k; k0 += TILE) {
    xs[ly][lx] = (t < p.tokens && k0 + lx < p.k) ? x[t * p.k + k0 + lx] : 0.0;
    ws[ly][lx] = (r_load < p.rows && k0 + lx < p.k) ? w[r_load * p.k + k0 + lx] : 0.0;
    barrier();
    for (uint i = 0; i < TILE; ++i) acc += xs[ly][i] * ws[lx][i];
    barrier();
  }
  if (t < p.tokens && r < p.rows) {
    const uint col = p.row_begin + r;
    y[t * p.n + col] = acc + (HAS_BIAS != 0 ? bias[col] : 0.0);
  }
}
