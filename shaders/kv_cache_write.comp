#version 450
// kv_cache_write: cache[h, P + t, :] = x[t, h, :] (P from the step-state buffer). The host checks
// P + tokens <= capacity before submitting.
// Bindings: 0 x [tokens, kv_heads, head_dim], 1 cache [kv_heads, capacity, head_dim], 2 step state.
// Spec constants: 0 WG.  Push constants: tokens, kv_heads, head_dim, capacity.
// Dispatch: any number of workgroups along x; invocations stride over tokens * kv_heads * head_dim.
layout(constant_id = 0) const uint WG = 64;
layout(local_size_x_id = 0) in;
layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer Cache { float cache[]; };
layout(std430, binding = 2) readonly buffer Step { uint position; } step;
layout(push_constant) uniform Params { uint tokens; uint kv_heads; uint head_dim; uint capacity; } p;

void main() {
  const uint stride = gl_NumWorkGroups.x * WG;
  for (uint e = gl_GlobalInvocationID.x; e < p.tokens * p.kv_heads * p.head_dim; e += stride) {
    const uint d = e % p.head_dim;
    const uint h = (e / p.head_dim) % p.kv_heads;
    const uint t = e / (p.head_dim * p.kv_heads);
    cache[(h * p.capacity + step.position + t) * p.head_dim + d] = x[e];
  }
}
