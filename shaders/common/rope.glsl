// RoPE pair indexing shared by rope.comp and split_rope_kv_write.comp. Angles come from a table
// [capacity][half][2] of (cos, sin) computed on the host in double (the CPU executor's values).
// Layout 0 "interleaved" rotates (x[2i], x[2i+1]); layout 1 "half" rotates (x[i], x[i + half]).
uvec2 RopePair(uint i, uint half_count, uint layout_kind) {
  return layout_kind == 0 ? uvec2(2 * i, 2 * i + 1) : uvec2(i, i + half_count);
}
