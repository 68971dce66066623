// linear: y[T, N] = x[T, K] * W[N, K]^T (+ bias).
//   T = 1: GEMV over the stored dtype (simd/), output rows in fixed chunks across threads.
//   T > 1: f32/f16/bf16 weights and at most TokensGemvMax tokens: a GEMV that reads each weight
//          row once for all the tokens (DotRowsTokens), output rows in fixed chunks across threads.
//          q8_0/q4_0 weights on CPUs with AVX-512 VNNI: the activation rows are quantized once
//          (as the GEMV quantizes its vector) and GemmQuant multiplies in int8 per fixed chunk of
//          output columns, from the plan's packed copy of the weight (packed_weights.h) or, with
//          packing turned off, a chunk packed on the spot.
//          More bf16 tokens (f16: kAmxMinTokensF16 and more) on CPUs with AMX (simd/gemm_amx.h):
//          the activation rows are split once into three bf16 parts and GemmAmx multiplies in
//          tiles per call of whole 32-row groups (GemmCalls), every product exact, summed in f32
//          (turned off by ANVIL_CPU_AMX=0).
//          More f32/f16/bf16 tokens on CPUs with AVX-512: the activation rows are
//          interleaved once and GemmFloat multiplies per call of whole 12-row groups (GemmCalls),
//          widening the weights block by block (no f32 copy of the matrix).
//          Otherwise OpenBLAS sgemm per fixed chunk of output columns (OpenBLAS runs
//          single-threaded inside TBB tasks; the chunking does the parallelism), weights that are
//          not f32 dequantized chunk by chunk into a per-thread buffer.
// With `swiglu` (gate_up_swiglu's T > 1 path, BindLinear(ctx, true)) the weight is [2F, K] and
// y[T, F] the activation of the two halves' products: on the GemmFloat path each call computes
// gate rows and the matching up rows and applies it to their products in cache (`perf` on a
// pp128 f16 step: widening + transposes + SwiGLU 7.1% -> 5.9% of the samples, against the [T, 2F]
// product and a pass over it, which the other paths still take).
// Per-thread buffers are allocated on first use and reused.
#include <cblas.h>  // the CBLAS constants; the functions come from LoadBlas()

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/scratch_vector.h"
#include "base/status.h"
#include "executors/cpu/blas.h"
#include "executors/cpu/kernel.h"
#include "executors/cpu/kernels/gemv.h"
#include "executors/cpu/kernels/packed_weights.h"
#include "executors/cpu/parallel.h"
#include "executors/cpu/simd/gemm_amx.h"
#include "executors/cpu/simd/simd.h"
#include "ops/dequantize.h"
#include "tbb/enumerable_thread_specific.h"

namespace anvil::cpu {
namespace {

// Output columns per sgemm call. 128/256/512 and one 2-thread OpenBLAS call measured alike
// (gemm_bench f32 2048x5632 and 11264x2048, 2 threads: 130-165 GFLOP/s, within this machine's
// noise); chunks let compressed weights be dequantized a chunk at a time.
constexpr int64_t kGemmChunk = 256;
// Output columns per GemmFloat call, about: whole 12-row groups (kGemmFloatGroupRows), in a
// count of calls that is a multiple of 4 so that TBB's halving of the range gives 2 or 4 threads
// equal shares (calls differ by at most one group). Calls of exactly 96 columns left a short
// last call, and one thread idled at the end of each linear while the other finished its share
// (2048 columns: 1056 against 992; 2560: 1312 against 1248). gemm_bench f16 T128, 2 threads,
// best of 3 alternated: 2048x2048 269 -> 291 GFLOP/s, 2048x5632 258 -> 277, 2560x2048 284 -> 294;
// `anvil bench` pp128 bf16 median of 5 137.8 -> 143.9 tok/s. About 192 or 48 columns instead:
// f16 pp128 median of 8 136.0 and 133.0 tok/s against 138.0.
constexpr int64_t kGemmFloatChunk = 96;
// Every call reads the whole interleaved activation (all tokens, all of k) once more. Up to a few
// MiB it stays in cache; long prompts' (16-46 MiB at 2048 tokens) come from memory each time, so
// from kGemmFloatLongBytes on calls take about kGemmFloatLongChunk columns: 4x fewer passes over
// it. gemm_bench f16 T2048 2048x5632, 2 threads, best of 16 short runs alternated: 96 columns
// 248-253 GFLOP/s, 192: 266, 384: 276-283, 768: 277; at T128 96 stayed best by 1-3% (fewer
// calls balance worse). `anvil bench` f16 (each twice, alternated): pp1024 128.1-128.4 ->
// 135.3-137.4 tok/s, pp2048 115.7-116.2 -> 122.9-124.0; at pp1024 this takes only the down
// projection (K = 5632: 23 MiB); at 8 MiB instead pp1024 134.9-135.2.
constexpr int64_t kGemmFloatLongChunk = 384;
constexpr int64_t kGemmFloatLongBytes = int64_t{16} << 20;
int64_t FloatChunk(const InterleavedRows& x) {
  const auto bytes = static_cast<int64_t>(x.values.size() * sizeof(float));
  return bytes >= kGemmFloatLongBytes ? kGemmFloatLongChunk : kGemmFloatChunk;
}
// Output columns per GemmAmx call, about (whole groups of kAmxGroupRows, as above).
constexpr int64_t kGemmAmxChunk = 96;
// The calls of the GemmFloat and AMX paths over `columns` output columns: whole groups of
// `group_rows`, about `chunk` columns each.
struct GemmCalls {
  int64_t n, group_rows, groups, count;
  GemmCalls(int64_t columns, int64_t group, int64_t chunk)
      : n(columns),
        group_rows(group),
        groups((columns + group - 1) / group),
        count(((groups * group + chunk - 1) / chunk + 3) / 4 * 4) {}
  // Where call c starts (call `count` ends at n).
  int64_t Begin(int64_t c) const { return std::min(n, group_rows * (groups * c / count)); }
  // fn(begin, end, after) per call across threads: columns [begin, end), and the `after` columns
  // of the call after it (a thread's next call, usually: each thread takes a contiguous share).
  template <typename Fn>
  void Run(const Fn& fn) const {
    ParallelChunks(count, 1, [&](int64_t call, int64_t) {
      const int64_t begin = Begin(call), end = Begin(call + 1);
      fn(begin, end, Begin(call + 2) - end);
    });
  }
};
// GemmFloat computes tokens in tiles of 32 (16 for a last tile), so a handful of tokens pays for
// 16, and sgemm (f32's path for them before) measured slower per token than decode; up to this
// many tokens of f32/f16/bf16 weights go through DotRowsTokens instead, which reads each weight
// once and costs one more pass over cached rows per 4 tokens. `anvil bench` tinyllama-1.1b, tok/s, sgemm (f32)
// or GemmFloat (f16/bf16) -> DotRowsTokens: f32 pp2 7.7 -> 13.8-14.1, pp4 14.8 -> 25.5-26.9, pp8
// 24.7 -> 43-45; f16 pp2 10.3-10.9 -> 22.2-22.5, pp4 20.1-21.7 -> 42.5-44.5, pp8 42.8-44.3 ->
// 61-62; bf16 alike. The crossover, measured again once GemmFloat prefetched its weights spread
// out (DotRowsTokens vs GemmFloat, alternated twice): f16 pp8 62.6-62.9 vs 47.7-50.3, pp9 53.3-53.5
// vs 55.2-59.2, pp10 59.9 vs 65.5-66.4; bf16 pp8 65.6-66.0 vs 50.8-53.7, pp9 57.0-57.1 vs
// 60.2-61.1; f32 (4-byte weights cost GemmFloat more) pp8 39.0-40.6 vs 34.9-35.4, pp10 46.2 vs
// 43.9, pp12 47-51 vs 51-52, pp16 58-59 vs 66-67.
int64_t TokensGemvMax(DType dtype) { return dtype == DType::kF32 ? 10 : 8; }
// f16 weights take AMX from this many tokens: their split into two bf16 per call costs the same
// for any prompt, and under it GemmFloat measured faster. `anvil bench` tinyllama-1.1b f16, tok/s,
// AMX against ANVIL_CPU_AMX=0 (alternated twice): pp16 69 vs 99-102, pp32 104-109 vs 127-131,
// pp48 136-141 vs 131-139, pp64 159 vs 142-152. bf16 weights (taken as they are) from pp9 on:
// pp9 58-60 vs 54, pp16 103-104 vs 97-103.
constexpr int64_t kAmxMinTokensF16 = 48;
// Output columns per GemmQuant call (a multiple of the 16-row packed strip).
// gemm_bench q8_0/q4_0 T128, 2 threads: 64 columns 740-810 GFLOP/s, 128: 670-765, 256: 660-750.
constexpr int64_t kGemmQuantChunk = 64;

// How a T > 1 linear multiplies, chosen once at bind (see the top of this file).
enum class GemmPath { kTokensGemv, kInt8, kAmx, kFloat, kSgemm };

struct LinearArgs {
  CpuTensor x, w, bias, y;
  int64_t tokens, k, n, row_bytes;
  bool swiglu = false;  // gate_up_swiglu: y[T, N / 2] = silu(first N / 2 products) * the rest
  const Blas* blas = nullptr;
  GemmPath path = GemmPath::kSgemm;
  std::shared_ptr<const PackedWeight> packed;  // kInt8: the plan's packed copy, unless turned off
};

// Scratch of the T > 1 path: per-thread dequantized or repacked weights or GemmFloat's products,
// the quantized or interleaved activation, and the product a fused activation reads on the paths
// that cannot take it in cache.
struct GemmScratch {
  tbb::enumerable_thread_specific<ScratchVector<float>> tiles;
  tbb::enumerable_thread_specific<std::vector<uint8_t>> packed;
  tbb::enumerable_thread_specific<ScratchVector<float>> up_tiles;  // GemmFloat's, for the up rows
  tbb::enumerable_thread_specific<AmxScratch> amx, up_amx;
  QuantizedRows xq;
  InterleavedRows xi;
  AmxRows xa;
  ScratchVector<float> product;  // [T, N] before the activation, for a fused one GemmFloat can't take
};

void AddBias(const LinearArgs& a, int64_t begin, int64_t end) {
  if (!a.bias.data) return;
  for (int64_t t = 0; t < a.tokens; ++t) {
    for (int64_t c = begin; c < end; ++c) a.y.f32()[t * a.n + c] += a.bias.f32()[c];
  }
}

GemmPath ChoosePath(DType dtype, int64_t tokens) {
  if (dtype == DType::kQ8_0 || dtype == DType::kQ4_0) return HasGemmQuant() ? GemmPath::kInt8 : GemmPath::kSgemm;
  const bool float_weights = dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16;
  if (float_weights && tokens <= TokensGemvMax(dtype)) return GemmPath::kTokensGemv;
  if (HasGemmAmx() && (dtype == DType::kBF16 || (dtype == DType::kF16 && tokens >= kAmxMinTokensF16))) {
    return GemmPath::kAmx;
  }
  return float_weights && HasGemmFloat() ? GemmPath::kFloat : GemmPath::kSgemm;
}

void RunGemv(const LinearArgs& a, Gemv& gemv) {
  gemv.Prepare(a.x.f32());
  ParallelChunks(a.n, gemv.chunk(), [&](int64_t begin, int64_t end) {
    gemv.Rows(begin, end, a.y.f32() + begin);
    AddBias(a, begin, end);
  });
}

// Output columns [begin, end) through sgemm (compressed weights dequantized first).
void SgemmColumns(const LinearArgs& a, GemmScratch& scratch, int64_t begin, int64_t end) {
  const int64_t cols = end - begin;
  const float* w;
  if (a.w.dtype == DType::kF32) {
    w = a.w.f32() + begin * a.k;
  } else {
    ScratchVector<float>& tile = scratch.tiles.local();
    tile.resize(cols * a.k);
    for (int64_t r = 0; r < cols; ++r) {
      Dequantize(a.w.dtype, a.w.data + (begin + r) * a.row_bytes, a.k, tile.data() + r * a.k);
    }
    w = tile.data();
  }
  a.blas->sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(a.tokens), static_cast<int>(cols),
                static_cast<int>(a.k), 1.0f, a.x.f32(), static_cast<int>(a.k), w, static_cast<int>(a.k), 0.0f,
                a.y.f32() + begin, static_cast<int>(a.n));
}

void GemmInt8(const LinearArgs& a, GemmScratch& scratch) {
  ParallelChunks(a.tokens, 1, [&](int64_t begin, int64_t end) {
    QuantizeRowsForDot(a.w.dtype, a.x.f32(), begin, end, &scratch.xq);
  });
  ParallelChunks(a.n, kGemmQuantChunk, [&](int64_t begin, int64_t end) {
    const uint8_t* packed = nullptr;
    if (a.packed) {
      packed = a.packed->bytes.data() + begin / kPackedStripRows * a.packed->strip_bytes;
    } else {
      std::vector<uint8_t>& chunk = scratch.packed.local();
      chunk.resize(PackedStripBytes(a.w.dtype, a.k) * ((end - begin + kPackedStripRows - 1) / kPackedStripRows));
      if (PackForGemv(a.w.dtype, a.w.data + begin * a.row_bytes, a.row_bytes, a.k, end - begin, chunk.data())) {
        packed = chunk.data();
      }
    }
    // PackForGemv declines rows too long for its 32-bit gather offsets (> 128 MiB).
    if (packed == nullptr || !GemmQuant(a.w.dtype, packed, end - begin, scratch.xq, a.y.f32() + begin, a.n)) {
      SgemmColumns(a, scratch, begin, end);
    }
    AddBias(a, begin, end);
  });
}

// ChoosePath takes this path only for f32/f16/bf16 weights where HasGemmFloat(), or f16/bf16 ones
// where HasGemmAmx(), so GemmFloat or GemmAmx always computes here (never returns null).
void GemmWide(const LinearArgs& a, GemmScratch& scratch) {
  const bool amx = a.path == GemmPath::kAmx;
  int64_t ldc;
  if (amx) {
    ParallelChunks(scratch.xa.tiles(), 1,
                   [&](int64_t begin, int64_t end) { SplitRowsForAmx(a.x.f32(), begin, end, &scratch.xa); });
    ldc = scratch.xa.padded_tokens();
  } else {
    const int64_t tiles = (a.tokens + kGemmFloatTileTokens - 1) / kGemmFloatTileTokens;
    ParallelChunks(tiles, 1,
                   [&](int64_t begin, int64_t end) { InterleaveRowsForGemm(a.x.f32(), begin, end, &scratch.xi); });
    ldc = scratch.xi.padded_tokens();
  }
  const auto rows = [&](int64_t first) { return a.w.data + first * a.row_bytes; };
  // The [row][token] products of `count` rows from `first`, prefetching the `next_count` rows from
  // `next` at the end. `up`: the up rows of gate_up_swiglu (their own scratch).
  const auto products = [&](int64_t first, int64_t count, int64_t next, int64_t next_count, bool up) {
    const uint8_t* ahead = next_count > 0 ? rows(next) : nullptr;
    if (amx) {
      return GemmAmx(a.w.dtype, rows(first), a.row_bytes, count, ahead, next_count, scratch.xa,
                     &(up ? scratch.up_amx : scratch.amx).local());
    }
    return GemmFloat(a.w.dtype, rows(first), a.row_bytes, count, ahead, next_count, scratch.xi,
                     &(up ? scratch.up_tiles : scratch.tiles).local());
  };
  const auto calls = [&](int64_t columns) {
    return amx ? GemmCalls(columns, kAmxGroupRows, kGemmAmxChunk)
               : GemmCalls(columns, kGemmFloatGroupRows, FloatChunk(scratch.xi));
  };
  if (a.swiglu) {
    // Each call takes the gate rows [begin, end) and the matching up rows [f + begin, f + end), and
    // applies the activation to the products while they are in cache: no [T, 2F] product.
    const int64_t f = a.n / 2;
    calls(f).Run([&](int64_t begin, int64_t end, int64_t after) {
      float* gate = products(begin, end - begin, f + begin, end - begin, false);
      const float* up = products(f + begin, end - begin, end, after, true);
      for (int64_t r = 0; r < end - begin; ++r) Swiglu(gate + r * ldc, up + r * ldc, a.tokens, gate + r * ldc);
      TransposeProducts(gate, ldc, end - begin, a.tokens, a.y.f32() + begin, f);
    });
    return;
  }
  calls(a.n).Run([&](int64_t begin, int64_t end, int64_t after) {
    const float* c = products(begin, end - begin, end, after, false);
    TransposeProducts(c, ldc, end - begin, a.tokens, a.y.f32() + begin, a.n);
    AddBias(a, begin, end);
  });
}

void GemmTokensGemv(const LinearArgs& a) {
  ParallelChunks(a.n, GemvChunkRows(a.n, a.row_bytes, 4), [&](int64_t begin, int64_t end) {
    DotRowsTokens(a.w.dtype, a.w.data + begin * a.row_bytes, a.row_bytes, a.k, a.x.f32(), a.tokens, end - begin,
                  a.y.f32() + begin, a.n);
    AddBias(a, begin, end);
  });
}

void Gemm(const LinearArgs& a, GemmScratch& scratch) {
  if (a.path == GemmPath::kFloat || a.path == GemmPath::kAmx) return GemmWide(a, scratch);
  if (a.swiglu) {
    // The product first, then the activation.
    LinearArgs product = a;
    product.swiglu = false;
    product.y.data = reinterpret_cast<uint8_t*>(scratch.product.data());
    Gemm(product, scratch);
    const float* p = scratch.product.data();
    const int64_t f = a.n / 2;
    ParallelChunks(a.tokens * f, ChunkFor(16, 1 << 15), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end;) {  // runs within one token's row
        const int64_t t = i / f, c = i % f, run = std::min(end - i, f - c);
        Swiglu(p + t * 2 * f + c, p + t * 2 * f + f + c, run, a.y.f32() + i);
        i += run;
      }
    });
    return;
  }
  if (a.path == GemmPath::kTokensGemv) return GemmTokensGemv(a);
  if (a.path == GemmPath::kInt8) return GemmInt8(a, scratch);
  ParallelChunks(a.n, kGemmChunk, [&](int64_t begin, int64_t end) {
    SgemmColumns(a, scratch, begin, end);
    AddBias(a, begin, end);
  });
}

}  // namespace

absl::StatusOr<CpuKernel> BindLinear(const BindContext& ctx) { return BindLinear(ctx, false); }

absl::StatusOr<CpuKernel> BindLinear(const BindContext& ctx, bool swiglu) {
  LinearArgs a;
  a.x = ctx.inputs[0];
  a.w = ctx.inputs[1];
  if (ctx.inputs.size() > 2) a.bias = ctx.inputs[2];
  a.y = ctx.outputs[0];
  a.tokens = a.x.dims[0];
  a.k = a.x.dims[1];
  a.n = a.w.dims[0];
  a.row_bytes = RowBytes(a.w.dtype, a.k);
  a.swiglu = swiglu;
  if (swiglu && (a.bias.data != nullptr || a.n % 2 != 0)) {
    return absl::InvalidArgumentError(absl::StrCat("linear with swiglu: needs an even row count and no bias, got ",
                                                   a.n, " rows", a.bias.data != nullptr ? " and a bias" : ""));
  }
  if (a.tokens == 1 && !swiglu) {
    auto gemv = std::make_shared<Gemv>(a.w, a.k, ctx.plan_resources);
    return CpuKernel([a, gemv](const StepState&) {
      RunGemv(a, *gemv);
      return absl::OkStatus();
    });
  }
  ANVIL_ASSIGN_OR_RETURN(a.blas, LoadBlas());
  auto scratch = std::make_shared<GemmScratch>();
  a.path = ChoosePath(a.w.dtype, a.tokens);
  if (a.path == GemmPath::kInt8) {
    scratch->xq.Resize(a.tokens, a.k);
    a.packed = PackedForGemv(a.w, a.n, a.k, ctx.plan_resources);
  } else if (a.path == GemmPath::kFloat) {
    scratch->xi.Resize(a.tokens, a.k);
  } else if (a.path == GemmPath::kAmx) {
    scratch->xa.Resize(a.tokens, a.k);
  }
  if (swiglu && a.path != GemmPath::kFloat && a.path != GemmPath::kAmx) scratch->product.resize(a.tokens * a.n);
  return CpuKernel([a, scratch](const StepState&) {
    Gemm(a, *scratch);
    return absl::OkStatus();
  });
}

}  // namespace anvil::cpu
