// The CPU executor's SIMD kernels: dot products of weight rows in their stored dtype against one
// activation vector (the decode GEMV; q8_0/q4_0 also from a packed copy), the integer prefill
// GEMM for q8_0/q4_0, attention of one query head over the KV cache, SwiGLU, and the streaming
// read behind the bandwidth probe.
//
// The kernels are compiled once per instruction set with Highway (AVX2, AVX-512, AVX-512 with
// VNNI, and a portable fallback) and the best one the CPU supports is chosen at run time.
// Results depend on the weight row and the target, never on how rows are split across threads.
//
// q8_0 and q4_0 weights are multiplied in integers: the activation is quantized once per call to
// q8_0-style blocks (int8 values, one f32 scale per 32), as llama.cpp does, and each block's dot
// product is exact in int32 before scaling. f32, f16 and bf16 weights are widened to f32 and
// multiplied with the f32 activation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "base/dtype.h"
#include "base/scratch_vector.h"

namespace anvil::cpu {

// An activation vector quantized for integer dot products with q8_0/q4_0 weight rows.
struct QuantizedVector {
  int64_t k = 0;
  std::vector<int8_t> q;          // k values, |q| <= 127
  std::vector<float> scale;       // k / 32 block scales: x ~= scale[b] * q
  // For each group of 4 values, -c * their sum, where c makes unsigned weight codes signed
  // (q4_0: code - 8, so c = 8; q8_0 on VNNI: code ^ 0x80 = value + 128, so c = 128).
  std::vector<int32_t> lane_bias;
  std::vector<int32_t> block_bias;  // k / 32: the sum of each block's eight lane_bias
  std::vector<float> lane_scale;  // k / 4: the block scale of each group of 4 values
  std::vector<float> quad_scale;  // k / 8: each block scale 4 times
};

// Quantizes x[0, k) (k a multiple of 32) for dot products with `weight_dtype` rows (q8_0 or
// q4_0). Reuses `out`'s storage: no allocation once it has held k values.
void QuantizeForDot(DType weight_dtype, const float* x, int64_t k, QuantizedVector* out);

// Activation rows quantized for GemmQuant: row t as QuantizeForDot quantizes one vector.
struct QuantizedRows {
  int64_t tokens = 0, k = 0;
  std::vector<int8_t> q;             // [tokens][k]
  std::vector<float> scale;          // [tokens][k / 32]
  std::vector<int32_t> lane_bias;    // [tokens][k / 4], as in QuantizedVector
  std::vector<int32_t> block_bias;   // [tokens][k / 32]: the sum of the block's eight lane_bias
  void Resize(int64_t tokens, int64_t k);
};

// Quantizes rows [first, last) of x[tokens, k] (k a multiple of 32) into `out`, which Resize
// has sized; disjoint ranges may run in parallel.
void QuantizeRowsForDot(DType weight_dtype, const float* x, int64_t first, int64_t last, QuantizedRows* out);

// q8_0/q4_0 weights repacked for the decode GEMV and GemmQuant (simd/gemv_packed.cc), AVX-512
// VNNI only: strips of 16 rows, PackedStripBytes each (the file's size for those rows; the last strip is
// padded with zero rows). PackForGemv writes all strips of `rows` rows to `out`; DotPackedRows
// computes y[r] = dot(row r, x) for rows [0, rows) from packed strips at `packed` (a strip
// boundary), the arithmetic of DotRows up to the order of the f32 sums. Both return false,
// doing nothing, where the CPU's target has no such kernel.
inline constexpr int64_t kPackedStripRows = 16;
// DotPackedRows streams this many strips in lockstep (fewer only for a call's last ones); callers
// that split a matrix into work items do best with whole groups of them.
inline constexpr int kPackedGemvStrips = 8;
int64_t PackedStripBytes(DType dtype, int64_t k);
bool PackForGemv(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t k, int64_t rows, uint8_t* out);
bool DotPackedRows(DType dtype, const uint8_t* packed, const QuantizedVector& x, int64_t rows, float* y);

// The prefill product in integers: y[t * ldy + r] = dot(row r, token t of x) for rows [0, rows)
// of a q8_0/q4_0 weight packed by PackForGemv (strips from a strip boundary) and every token of
// `x` (QuantizeRowsForDot with the same dtype). Each row and token is DotRows' arithmetic (exact
// int32 block dots, f32 scales) up to the order of the f32 sums. Returns false, computing
// nothing, where this CPU's target has no such kernel (HasGemmQuant() is false: everything below
// AVX-512 VNNI).
bool HasGemmQuant();
bool GemmQuant(DType dtype, const uint8_t* packed, int64_t rows, const QuantizedRows& x, float* y,
               int64_t ldy);

// Where a GEMV's software prefetch goes, `distance` bytes ahead of byte `at` of a row (or packed
// strip) that the kernel streams in lockstep with others: past the row's `bytes`, on into the
// same row of the next group (`group_bytes` further), which the kernel reads next, so a group's
// rows do not start cold (before, the first KiB of three f16 rows in four was a demand miss at
// K = 2048; a prefetch never faults, past the matrix either). `anvil bench -m
// tinyllama-1.1b.graph -p 0 -n 128 -r 2`, alternated: f16 13.44-13.56 -> 13.67-14.08 tok/s, bf16
// 13.59-13.81 -> 14.05-14.24, q4_0 strips 48.5-50.2 -> 49.3-51.2 (6 rounds of 7 ahead, +1.4%),
// q8_0 alike; f16 `-p 8 -n 0 -r 3` (DotRowsTokens) 47.5-52.7 -> 55.4-57.1; f32 (8 KiB rows) alike.
struct RowPrefetch {
  int64_t bytes, skip, distance;
  RowPrefetch(int64_t row_bytes_used, int64_t group_bytes, int64_t distance_bytes)
      : bytes(row_bytes_used), skip(group_bytes - row_bytes_used), distance(distance_bytes) {}
  int64_t Offset(int64_t at) const { return at + distance + (at + distance >= bytes ? skip : 0); }
};

// The prefill product of f32/f16/bf16 weights (simd/gemm_float.cc), AVX-512 only. The activation
// rows are interleaved once per call: per tile of kGemmFloatTileTokens tokens, [k][tile] (tokens
// past `tokens` zero). InterleaveRowsForGemm fills tiles [first, last) of `out` (Resize first;
// disjoint ranges may run in parallel). GemmFloat computes c[r * x.padded_tokens() + t] =
// dot(row r, token t) for rows [0, rows) of a weight with `row_bytes` per row and the tokens
// [0, x.tokens) (the rest of each row is scratch): one f32 FMA chain per output in k order from zero,
// equal to the scalar fmaf loop over the widened weights whatever rows a call covers. Rows go in
// groups of kGemmFloatGroupRows. `c` lives in `scratch` (resized as needed: no allocation once big
// enough) until its next use. `next`, when not null, is where the caller's next call starts, with
// `next_rows` rows: the end of this call prefetches it. Returns null, computing nothing, for
// other dtypes and where this CPU's target has no such kernel (HasGemmFloat() is false: everything
// below AVX-512). TransposeProducts writes such [row][token] products out as y[t * ldy + r].
inline constexpr int64_t kGemmFloatTileTokens = 32;
inline constexpr int64_t kGemmFloatGroupRows = 12;
struct InterleavedRows {
  int64_t tokens = 0, k = 0;
  ScratchVector<float> values;  // [tiles][k][kGemmFloatTileTokens]
  void Resize(int64_t tokens, int64_t k);
  int64_t padded_tokens() const {
    return (tokens + kGemmFloatTileTokens - 1) / kGemmFloatTileTokens * kGemmFloatTileTokens;
  }
};
void InterleaveRowsForGemm(const float* x, int64_t first_tile, int64_t last_tile, InterleavedRows* out);
bool HasGemmFloat();
float* GemmFloat(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t rows, const uint8_t* next,
                 int64_t next_rows, const InterleavedRows& x, ScratchVector<float>* scratch);
void TransposeProducts(const float* c, int64_t ldc, int64_t rows, int64_t tokens, float* y, int64_t ldy);

// y[r] = dot(row r, x) for rows [0, rows) of a `dtype` weight matrix starting at `w` with
// `row_bytes` per row of k values. f32/f16/bf16 read `x`; q8_0/q4_0 read `xq` (from
// QuantizeForDot with the same dtype).
void DotRows(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t k, const float* x,
             const QuantizedVector* xq, int64_t rows, float* y);

// A GEMV for a few tokens: y[t * ldy + r] = dot(row r, x + t * k) for rows [0, rows) of an
// f32/f16/bf16 weight and tokens [0, tokens) of x[tokens, k], reading each row from memory once
// for all the tokens (prefill of short prompts, where GemmFloat's 16-token tiles would mostly
// multiply padding). Widened weights times f32 activations summed in f32 as DotRows does (one
// vector accumulator per output, so the sums' order differs from DotRows' two); a result never
// depends on the other rows or tokens of the call. Returns false, computing nothing, for other
// dtypes.
bool DotRowsTokens(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t k, const float* x, int64_t tokens,
                   int64_t rows, float* y, int64_t ldy);

// bf16 rows without permutes: SplitEvenOdd rearranges x (per group of two vectors' worth of
// values: the even-indexed ones, then the odd ones; the layout depends on this CPU's vector
// width, so split on the machine that multiplies), and DotRowsBf16Split computes DotRows(kBF16)
// from x and its split form (the same products, summed in a different order).
void SplitEvenOdd(const float* x, int64_t k, std::vector<float>* out);
void DotRowsBf16Split(const uint8_t* w, int64_t row_bytes, int64_t k, const float* x, const float* split, int64_t rows,
                      float* y);

// DequantizeRow (ops/dequantize.h) with vectors, bit-identical to it: `count` values of a
// `dtype` row to f32.
void Dequantize(DType dtype, const uint8_t* row, int64_t count, float* out);

// Attention of `heads` query heads (consecutive rows of head_dim floats in q and in out) over the
// same cached keys and values (rows of head_dim floats): out[h] = sum_j softmax_j(scale * q[h] .
// keys[j]) * values[j] for j in [first, last]. Memory is O(head_dim) per head for any number of
// keys; heads sharing a call (a GQA group) read the keys once, and each head's result equals its
// result alone, bit for bit. head_dim <= kMaxAttendHeadDim.
inline constexpr int64_t kMaxAttendHeadDim = 512;
// Heads that take one pass over the keys together (more are done in passes of this many).
inline constexpr int64_t kAttendGroupHeads = 8;
void Attend(const float* q, int64_t heads, const float* keys, const float* values, int64_t first, int64_t last,
            int64_t head_dim, float scale, float* out);

// Attention of a block of prompt tokens and `heads` query heads of one KV head at once (prefill):
// token t's head h, at q[t * q_stride + h * head_dim], attends to keys [first[t], position + t]
// and writes out[t * out_stride + h * head_dim] (out may be q). The same softmax as Attend per
// token, equal within rounding (floats summed in another order, in blocks of keys that start at
// first[0]), as small GEMMs with the rows along the vector lanes (simd/attend_tokens.cc). Reads
// cache rows [first[0], position + tokens - 1] only; first[t] <= position + t and must not
// decrease with t. Returns false, computing nothing, where HasAttendTokens(head_dim) is false
// (AVX-512 only; head_dim a multiple of 8 up to kAttendTokensMaxHeadDim), for tokens * heads over
// kAttendTokensRows (or tokens < 1), or past 2^31 positions.
inline constexpr int64_t kAttendTokensRows = 64;
inline constexpr int64_t kAttendTokensMaxHeadDim = 128;
inline bool AttendTokensFits(int64_t head_dim) {
  return head_dim > 0 && head_dim % 8 == 0 && head_dim <= kAttendTokensMaxHeadDim;
}
bool HasAttendTokens(int64_t head_dim);
bool AttendTokens(const float* q, int64_t q_stride, int64_t tokens, int64_t heads, const float* keys,
                  const float* values, const int64_t* first, int64_t position, int64_t head_dim, float scale,
                  float* out, int64_t out_stride);

// out[i] = silu(gate[i]) * up[i] (silu alone when `up` is null); `out` may be `gate` or `up`.
void Swiglu(const float* gate, const float* up, int64_t n, float* out);

// Reads `bytes` (a multiple of 64) from `data` with vector loads and returns a checksum, so the
// reads cannot be optimized away. For the memory bandwidth probe.
uint64_t StreamRead(const void* data, size_t bytes);

// The instruction set the kernels run with on this CPU ("AVX3_DL", "AVX2", "EMU128", ...).
std::string SimdTargetName();

// Every instruction set compiled in and supported by this CPU, best first (for tests), and a
// way to force one: `ForceSimdTarget(t)` until `ForceSimdTarget(0)` restores the best.
std::vector<int64_t> SimdTargets();
std::string SimdTargetName(int64_t target);
void ForceSimdTarget(int64_t target);

}  // namespace anvil::cpu
