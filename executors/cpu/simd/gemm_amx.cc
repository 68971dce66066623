// GemmAmx (gemm_amx.h). The kernels carry their instruction sets as function attributes
// (ANVIL_AMX), so this file builds for any x86-64 and runs them only where the CPU and OS allow.
//
// Tiles: 0-3 the sums of 32 rows x 32 tokens (0/1: rows 0-15, tokens 0-15/16-31; 2/3: rows 16-31),
// 4-5 the two 16-row halves of the weight group, 6-7 one activation part for the two token tiles.
// Per step of 32 values: load the weight halves, then per activation part load its two tiles and
// take the four products (f16: again with the weights' lo halves against hi and mid).
#include "executors/cpu/simd/gemm_amx.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace anvil::cpu {
namespace {

std::atomic<bool> forced_off{false};
bool AmxAvailable();

#if defined(__x86_64__)

// GCC 12's AVX-512 intrinsics pass self-initialized `_mm512_undefined_*()` values through, which
// -Wmaybe-uninitialized reports in functions given their instruction sets by attribute.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define ANVIL_AMX __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,amx-tile,amx-bf16")))

bool DetectAmx() {
  const char* env = std::getenv("ANVIL_CPU_AMX");
  if (env != nullptr && std::strcmp(env, "0") == 0) return false;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c >> 27 & 1)) return false;  // OSXSAVE
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return false;
  const bool avx512 = (b >> 16 & 1) && (b >> 30 & 1);  // F, BW
  const bool amx = (d >> 24 & 1) && (d >> 22 & 1);     // TILE, BF16
  if (!avx512 || !amx) return false;
  unsigned lo, hi;
  __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  // XCR0: the OS saves the AVX-512 state (bits 5-7) and the tile config and data (17, 18).
  if ((lo & 0xE0) != 0xE0 || (lo & 0x60000) != 0x60000) return false;
  constexpr long kReqXcompPerm = 0x1023, kXtileData = 18;
  return syscall(SYS_arch_prctl, kReqXcompPerm, kXtileData) == 0;
}

constexpr int64_t kBlockK = kAmxBlockK;
constexpr int64_t kBlockSteps = kBlockK / 32;
constexpr int64_t kTileValues = kAmxTileValues;
// Token tiles per pass over the call's weights, so that a block's activation parts
// (kPassTiles x 16 tokens x kBlockK x 3 parts x 2 bytes = 768 KiB) stay in L2.
constexpr int64_t kPassTiles = 16;

struct TileConfig {
  uint8_t palette = 1, start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t bytes_per_row[16] = {};
  uint8_t rows[16] = {};
};

// The bits of v rounded to the nearest bf16 (ties to even), low 16 bits zero.
ANVIL_AMX inline __m512i RoundToBf16(__m512 v) {
  const __m512i bits = _mm512_castps_si512(v);
  const __m512i odd = _mm512_and_si512(_mm512_srli_epi32(bits, 16), _mm512_set1_epi32(1));
  const __m512i up = _mm512_add_epi32(bits, _mm512_add_epi32(odd, _mm512_set1_epi32(0x7FFF)));
  return _mm512_and_si512(up, _mm512_set1_epi32(static_cast<int>(0xFFFF0000u)));
}

// 32 bf16 from two vectors of bf16 bits (low halves zero), in order: the high halves, one permute.
ANVIL_AMX inline __m512i PackBf16(__m512i first, __m512i second) {
  const __m512i high_halves =
      _mm512_set_epi16(63, 61, 59, 57, 55, 53, 51, 49, 47, 45, 43, 41, 39, 37, 35, 33, 31, 29, 27,
                       25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
  return _mm512_permutex2var_epi16(first, high_halves, second);
}

// Token tile `tile` of `out` from its rows x[0, tokens) (tokens <= kAmxTileTokens).
ANVIL_AMX void SplitTile(const float* x, int64_t tokens, int64_t tile, AmxRows* out) {
  const int64_t k = out->k;
  const __m512i pairs =
      _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                         _mm512_set1_epi32(16));
  for (int64_t s = 0; s < out->steps(); ++s) {
    const int64_t k0 = s * 32, n = std::min<int64_t>(32, k - k0);
    const auto m0 = static_cast<__mmask16>(n >= 16 ? 0xFFFF : (1u << n) - 1);
    const auto m1 = static_cast<__mmask16>(n >= 32 ? 0xFFFF : n <= 16 ? 0 : (1u << (n - 16)) - 1);
    for (int64_t t = 0; t < kAmxTileTokens; ++t) {
      __m512 v0 = _mm512_setzero_ps(), v1 = _mm512_setzero_ps();
      if (t < tokens) {
        v0 = _mm512_maskz_loadu_ps(m0, x + t * k + k0);
        v1 = _mm512_maskz_loadu_ps(m1, x + t * k + k0 + 16);
      }
      // Pair j of token t goes to 32-bit slot 16 j + t of the tile.
      const __m512i slots = _mm512_add_epi32(pairs, _mm512_set1_epi32(static_cast<int>(t)));
      for (int part = 0; part < AmxRows::kParts; ++part) {
        const __m512i h0 = RoundToBf16(v0), h1 = RoundToBf16(v1);
        _mm512_i32scatter_epi32(out->Tile(part, tile, s), slots, PackBf16(h0, h1), 4);
        v0 = _mm512_sub_ps(v0, _mm512_castsi512_ps(h0));
        v1 = _mm512_sub_ps(v1, _mm512_castsi512_ps(h1));
      }
    }
  }
}

// Rows [0, rows) (rows <= kAmxGroupRows) of the weight, values [k0, k0 + 32 steps), into A tiles:
// hi[(2 s + half) * kTileValues + row * 32 + j] (half = row / 16), and for f16 the lo parts alike.
// Values past k and rows past `rows` are zero.
template <DType kType>
ANVIL_AMX void PackGroup(const uint8_t* w, int64_t row_bytes, int64_t rows, int64_t k, int64_t k0,
                         int64_t steps, uint16_t* hi, uint16_t* lo) {
  for (int64_t r = 0; r < kAmxGroupRows; ++r) {
    const int64_t offset = r / 16 * kTileValues + r % 16 * 32;
    if (r >= rows) {
      for (int64_t s = 0; s < steps; ++s) {
        _mm512_storeu_si512(hi + s * 2 * kTileValues + offset, _mm512_setzero_si512());
        if (kType == DType::kF16)
          _mm512_storeu_si512(lo + s * 2 * kTileValues + offset, _mm512_setzero_si512());
      }
      continue;
    }
    const auto* src = reinterpret_cast<const uint16_t*>(w + r * row_bytes);
    for (int64_t s = 0; s < steps; ++s) {
      const int64_t j = k0 + s * 32, n = std::min<int64_t>(32, k - j);
      const __mmask32 mask = n >= 32 ? 0xFFFFFFFFu : (1u << n) - 1;
      const __m512i raw = _mm512_maskz_loadu_epi16(mask, src + j);
      if constexpr (kType == DType::kBF16) {
        _mm512_storeu_si512(hi + s * 2 * kTileValues + offset, raw);
      } else {
        const __m512 f0 = _mm512_cvtph_ps(_mm512_castsi512_si256(raw));
        const __m512 f1 = _mm512_cvtph_ps(_mm512_extracti64x4_epi64(raw, 1));
        const __m512i h0 = RoundToBf16(f0), h1 = RoundToBf16(f1);
        // w - hi has at most 3 significant bits: exactly a bf16.
        const __m512i l0 = _mm512_castps_si512(_mm512_sub_ps(f0, _mm512_castsi512_ps(h0)));
        const __m512i l1 = _mm512_castps_si512(_mm512_sub_ps(f1, _mm512_castsi512_ps(h1)));
        _mm512_storeu_si512(hi + s * 2 * kTileValues + offset, PackBf16(h0, h1));
        _mm512_storeu_si512(lo + s * 2 * kTileValues + offset, PackBf16(l0, l1));
      }
    }
  }
}

// Cache lines a MultiplyBlock call prefetches into L2, spread over its steps: lines [begin, end)
// of a list that takes `lines` lines of each row, rows `stride` bytes apart from `first` (the
// weights PackGroup reads next, which otherwise wait on memory).
struct Ahead {
  const uint8_t* first = nullptr;
  int64_t stride = 0, lines = 0, begin = 0, end = 0;
};

// The list for `rows` rows (at most a group) from `first`, `row_bytes` apart, `values` values each
// (from the line `first` is on).
Ahead RowsAhead(const uint8_t* first, int64_t row_bytes, int64_t rows, int64_t values) {
  if (first == nullptr || rows <= 0) return {};
  const auto skew = static_cast<int64_t>(reinterpret_cast<uintptr_t>(first) % 64);
  const int64_t lines = (skew + values * 2 + 63) / 64;
  return {first - skew, row_bytes, lines, 0, std::min(rows, kAmxGroupRows) * lines};
}

// The four (kTiles 2) or two (kTiles 1) products of the weight tiles in 4-5 with part tiles at b.
template <int kTiles>
ANVIL_AMX inline void Products(const uint16_t* b, int64_t tile_stride) {
  _tile_loadd(6, b, 64);
  if constexpr (kTiles == 2) _tile_loadd(7, b + tile_stride, 64);
  _tile_dpbf16ps(0, 4, 6);
  _tile_dpbf16ps(2, 5, 6);
  if constexpr (kTiles == 2) {
    _tile_dpbf16ps(1, 4, 7);
    _tile_dpbf16ps(3, 5, 7);
  }
}

// c[r * ldc + t] (+)= the group's rows times token tiles [tile, tile + kTiles) over `steps` steps
// from `step0`; `accumulate` continues the sums in c.
template <DType kType, int kTiles>
ANVIL_AMX void MultiplyBlock(const uint16_t* hi, const uint16_t* lo, const AmxRows& x, int64_t tile,
                             int64_t step0, int64_t steps, float* c, int64_t ldc, bool accumulate,
                             Ahead ahead) {
  const int64_t stride = ldc * static_cast<int64_t>(sizeof(float));
  float* c_lo = c + 16 * ldc;  // rows 16-31
  if (accumulate) {
    _tile_loadd(0, c, stride);
    _tile_loadd(2, c_lo, stride);
    if constexpr (kTiles == 2) {
      _tile_loadd(1, c + 16, stride);
      _tile_loadd(3, c_lo + 16, stride);
    }
  } else {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
  }
  const int64_t tile_stride = x.tile_stride(), part_stride = x.part_stride();
  const uint16_t* b = x.Tile(0, tile, step0);
  const int64_t per_step = (ahead.end - ahead.begin + steps - 1) / steps;
  int64_t line = ahead.begin;
  for (int64_t s = 0; s < steps; ++s, b += kTileValues) {
    for (int64_t i = 0; i < per_step && line < ahead.end; ++i, ++line) {
      _mm_prefetch(reinterpret_cast<const char*>(ahead.first + line / ahead.lines * ahead.stride +
                                                 line % ahead.lines * 64),
                   _MM_HINT_T1);
    }
    _tile_loadd(4, hi + s * 2 * kTileValues, 64);
    _tile_loadd(5, hi + (s * 2 + 1) * kTileValues, 64);
    Products<kTiles>(b, tile_stride);
    Products<kTiles>(b + part_stride, tile_stride);
    Products<kTiles>(b + 2 * part_stride, tile_stride);
    if constexpr (kType == DType::kF16) {
      _tile_loadd(4, lo + s * 2 * kTileValues, 64);
      _tile_loadd(5, lo + (s * 2 + 1) * kTileValues, 64);
      Products<kTiles>(b, tile_stride);
      Products<kTiles>(b + part_stride, tile_stride);
    }
  }
  _tile_stored(0, c, stride);
  _tile_stored(2, c_lo, stride);
  if constexpr (kTiles == 2) {
    _tile_stored(1, c + 16, stride);
    _tile_stored(3, c_lo + 16, stride);
  }
}

template <DType kType>
ANVIL_AMX float* GemmAmxTyped(const uint8_t* w, int64_t row_bytes, int64_t rows,
                              const uint8_t* next, int64_t next_rows, const AmxRows& x,
                              AmxScratch* scratch) {
  const int64_t ldc = x.padded_tokens(), tiles = x.tiles();
  const int64_t padded_rows = (rows + kAmxGroupRows - 1) / kAmxGroupRows * kAmxGroupRows;
  scratch->c.resize(padded_rows * ldc);
  uint16_t* hi = scratch->block.data();
  uint16_t* lo = hi + kBlockSteps * 2 * kTileValues;
  TileConfig config;
  for (int i = 0; i < 8; ++i) {
    config.bytes_per_row[i] = 64;
    config.rows[i] = 16;
  }
  _tile_loadconfig(&config);
  for (int64_t t0 = 0; t0 < tiles; t0 += kPassTiles) {
    const int64_t t1 = std::min(tiles, t0 + kPassTiles);
    for (int64_t k0 = 0; k0 < x.k; k0 += kBlockK) {
      const int64_t steps = std::min(kBlockK, x.k - k0 + 31) / 32;
      for (int64_t g = 0; g < padded_rows; g += kAmxGroupRows) {
        PackGroup<kType>(w + g * row_bytes, row_bytes, std::min(kAmxGroupRows, rows - g), x.k, k0,
                         steps, hi, lo);
        // While this group multiplies, the weights PackGroup reads next come in: the next group's
        // rows, after the last group the first group's next block, after the last block the first
        // block again for the next pass, after the last pass the caller's next call.
        Ahead ahead;
        if (g + kAmxGroupRows < padded_rows) {
          ahead = RowsAhead(w + (g + kAmxGroupRows) * row_bytes + k0 * 2, row_bytes,
                            rows - g - kAmxGroupRows, steps * 32);
        } else if (k0 + kBlockK < x.k) {
          ahead = RowsAhead(w + (k0 + kBlockK) * 2, row_bytes, rows,
                            std::min(kBlockK, x.k - k0 - kBlockK));
        } else if (t1 < tiles) {
          ahead = RowsAhead(w, row_bytes, rows, std::min(kBlockK, x.k));
        } else {
          ahead = RowsAhead(next, row_bytes, next_rows, std::min(kBlockK, x.k));
        }
        const int64_t calls = (t1 - t0 + 1) / 2, lines = ahead.end;
        float* cg = scratch->c.data() + g * ldc;
        for (int64_t t = t0; t < t1; t += 2) {
          ahead.begin = lines * ((t - t0) / 2) / calls;
          ahead.end = lines * ((t - t0) / 2 + 1) / calls;
          if (t + 1 < t1) {
            MultiplyBlock<kType, 2>(hi, lo, x, t, k0 / 32, steps, cg + t * kAmxTileTokens, ldc,
                                    k0 > 0, ahead);
          } else {
            MultiplyBlock<kType, 1>(hi, lo, x, t, k0 / 32, steps, cg + t * kAmxTileTokens, ldc,
                                    k0 > 0, ahead);
          }
        }
      }
    }
  }
  _tile_release();
  return scratch->c.data();
}

bool AmxAvailable() {
  static const bool available = DetectAmx();
  return available;
}

#else

bool AmxAvailable() { return false; }

#endif  // __x86_64__

}  // namespace

bool HasGemmAmx() { return AmxAvailable() && !forced_off.load(std::memory_order_relaxed); }

void ForceGemmAmxOff(bool off) { forced_off.store(off, std::memory_order_relaxed); }

void AmxRows::Resize(int64_t new_tokens, int64_t new_k) {
  tokens = new_tokens;
  k = new_k;
  parts.resize(kParts * part_stride());
}

void SplitRowsForAmx(const float* x, int64_t first_tile, int64_t last_tile, AmxRows* out) {
#if defined(__x86_64__)
  if (!AmxAvailable()) return;
  for (int64_t tile = first_tile; tile < last_tile; ++tile) {
    const int64_t first = tile * kAmxTileTokens;
    SplitTile(x + first * out->k, std::min(kAmxTileTokens, out->tokens - first), tile, out);
  }
#endif
}

float* GemmAmx(DType dtype, const uint8_t* w, int64_t row_bytes, int64_t rows, const uint8_t* next,
               int64_t next_rows, const AmxRows& x, AmxScratch* scratch) {
#if defined(__x86_64__)
  if (!AmxAvailable()) return nullptr;
  if (dtype == DType::kBF16)
    return GemmAmxTyped<DType::kBF16>(w, row_bytes, rows, next, next_rows, x, scratch);
  if (dtype == DType::kF16)
    return GemmAmxTyped<DType::kF16>(w, row_bytes, rows, next, next_rows, x, scratch);
#endif
  return nullptr;
}

}  // namespace anvil::cpu
