#version 450
// step_advance: the last dispatch of a recorded step moves the step state on by the step's token
// count, so a chained greedy decode step needs no host write before its submit.
// Bindings: 0 step state {uint position}.  Push constants: tokens.
// Dispatch: 1 x 1 x 1 workgroups of 1 invocation.
layout(local_size_x = 1) in;
layout(std430, binding = 0) buffer Step { uint position; } step;
layout(push_constant) uniform Params { uint tokens; } p;

void main() { step.position += p.tokens; }
