// Workgroup reductions over shared memory, for shaders that declare
//   layout(constant_id = 0) const uint WG = ...;  (a power of two; local_size_x_id = 0)
// Every invocation of the workgroup must call them (they contain barriers). No subgroup size is
// assumed. The summation order is fixed, so results are deterministic.
shared float reduce_scratch[WG];

float WorkgroupSum(float v) {
  const uint lid = gl_LocalInvocationIndex;
  reduce_scratch[lid] = v;
  barrier();
  for (uint s = WG / 2; s > 0; s >>= 1) {
    if (lid < s) reduce_scratch[lid] += reduce_scratch[lid + s];
    barrier();
  }
  const float total = reduce_scratch[0];
  barrier();
  return total;
}

float WorkgroupMax(float v) {
  const uint lid = gl_LocalInvocationIndex;
  reduce_scratch[lid] = v;
  barrier();
  for (uint s = WG / 2; s > 0; s >>= 1) {
    if (lid < s) reduce_scratch[lid] = max(reduce_scratch[lid], reduce_scratch[lid + s]);
    barrier();
  }
  const float result = reduce_scratch[0];
  barrier();
  return result;
}
