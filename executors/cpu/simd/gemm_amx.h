// GemmAmx: the prefill product of f16/bf16 weights on Intel AMX (simd/gemm_amx.cc).
//
// TDPBF16PS multiplies a 16 x 32 bf16 tile by a 32 x 16 one and adds the products to 16 x 16 f32
// sums, 16 times the work of an AVX-512 FMA per instruction. Its operands are bf16, so to keep
// the f32 activation's precision each activation value is split into three bf16, x = hi + mid +
// lo (each rounded to nearest from what the one before left: they sum back to x exactly), and the
// product takes all three against the weight. bf16 weights go in as they are; f16 weights (11
// significant bits) split into two bf16, w = hi + lo, exactly, and the lo x lo product (under
// 2^-26 of |w x|) is left out. Every product is exact in f32 (8-bit by 8-bit significands) and
// only the order of the f32 sums differs from the scalar fmaf loop over the widened weights:
// 3 (bf16) or 5 (f16) tile products where a bf16 activation would take 1.
//
// Layout: the activation is split once per linear (SplitRowsForAmx) into TDPBF16PS's B operand,
// per tile of kAmxTileTokens tokens and step of 32 values of k: [16 pairs of k][16 tokens][2]
// (k past `k` and tokens past `tokens` are zero). GemmAmx repacks weight rows per group of
// kAmxGroupRows rows and block of k into A tiles (each row's 32 values, 64 bytes apart) and
// returns c[r * x.padded_tokens() + t] = dot(row r, token t) for rows [0, rows) and tokens
// [0, x.tokens) (the rest of each row is scratch), in `scratch` until its next use. A result
// depends only on its row and token, never on how rows are split into calls or threads.
#pragma once

#include <array>
#include <cstdint>

#include "base/dtype.h"
#include "base/scratch_vector.h"

namespace anvil::cpu {

inline constexpr int64_t kAmxTileTokens = 16;
inline constexpr int64_t kAmxGroupRows = 32;  // two tiles of 16 rows
// Values of k per repacked weight block: 32 rows x 512 values are 32 KiB (hi) + 32 KiB (f16 lo).
inline constexpr int64_t kAmxBlockK = 512;

// True where the CPU has AMX-TILE, AMX-BF16 and AVX-512BW, the OS saves tile state, and Linux
// granted this process the tile registers (asked once, on the first call); false when the
// environment sets ANVIL_CPU_AMX=0 or while ForceGemmAmxOff(true) is in effect (tests and
// benchmarks comparing with the AVX-512 path; it steers which path a linear takes at bind, and
// SplitRowsForAmx and GemmAmx still compute wherever the CPU and OS allow).
bool HasGemmAmx();
void ForceGemmAmxOff(bool off);

// Values in one tile: 16 rows x 32 bf16 (A), or 16 pairs of k x 16 tokens x 2 (B).
inline constexpr int64_t kAmxTileValues = 512;

// An activation [tokens, k] split for GemmAmx.
struct AmxRows {
  static constexpr int kParts = 3;  // hi, mid, lo
  int64_t tokens = 0, k = 0;
  ScratchVector<uint16_t> parts;  // [part][tile][step][16][16][2]
  void Resize(int64_t tokens, int64_t k);
  int64_t tiles() const { return (tokens + kAmxTileTokens - 1) / kAmxTileTokens; }
  int64_t steps() const { return (k + 31) / 32; }
  int64_t padded_tokens() const { return tiles() * kAmxTileTokens; }
  // Values from a tile to the same step of the next token tile, and to the same tile of the next
  // part.
  int64_t tile_stride() const { return steps() * kAmxTileValues; }
  int64_t part_stride() const { return tiles() * tile_stride(); }
  // The B tile of `part` for token tile `tile` and values [32 step, 32 step + 32).
  const uint16_t* Tile(int part, int64_t tile, int64_t step) const {
    return parts.data() + part * part_stride() + tile * tile_stride() + step * kAmxTileValues;
  }
  uint16_t* Tile(int part, int64_t tile, int64_t step) {
    return parts.data() + part * part_stride() + tile * tile_stride() + step * kAmxTileValues;
  }
};

// Splits tiles [first, last) of x[tokens, k] into `out` (Resize first); disjoint ranges may run in
// parallel. Does nothing where the CPU or OS does not allow AMX.
void SplitRowsForAmx(const float* x, int64_t first_tile, int64_t last_tile, AmxRows* out);

// Per-thread scratch of GemmAmx: the repacked weight block, and the products.
struct AmxScratch {
  alignas(64) std::array<uint16_t, 2 * kAmxGroupRows * kAmxBlockK> block;  // hi, then lo
  ScratchVector<float> c;
};

// The products described at the top, or null (computing nothing) for dtypes other than f16/bf16
// and where the CPU or OS does not allow AMX. `next`, when not null, is where the caller's next
// call starts, with `next_rows` rows: the end of this call prefetches it.
float* GemmAmx(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t rows, const uint8_t* next,
               int64_t next_rows, const AmxRows& x, AmxScratch* scratch);

}  // namespace anvil::cpu
