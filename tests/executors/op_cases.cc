#include "tests/executors/op_cases.h"

#include "absl/strings/str_cat.h"
#include "models/graph_builder.h"

namespace anvil::testing {
namespace {

constexpr double kElementwise = 1e-7;
constexpr double kMatmul = 5e-4;
constexpr double kExact = 0;

TensorSpec In(std::vector<int64_t> dims) { return {TensorSpec::kInput, DType::kF32, std::move(dims)}; }
TensorSpec Ids(int64_t count, int64_t vocab) { return {TensorSpec::kInput, DType::kI32, {count}, vocab}; }
TensorSpec W(DType dtype, std::vector<int64_t> dims) { return {TensorSpec::kWeight, dtype, std::move(dims)}; }
TensorSpec Cache(int64_t kv_heads, int64_t capacity, int64_t head_dim) {
  return {TensorSpec::kState, DType::kF32, {kv_heads, capacity, head_dim}};
}
TensorSpec Absent() { return {TensorSpec::kInput, DType::kF32, {}, 0, true}; }

void Elementwise(std::vector<OpCase>& cases) {
  for (std::vector<int64_t> dims : {std::vector<int64_t>{1, 7}, {5, 64}, {3, 4, 33}}) {
    const std::string shape = DimsString(dims);
    cases.push_back({"add" + shape, "add", {In(dims), In(dims)}, 1, {}, 0, kElementwise});
    cases.push_back({"add_broadcast" + shape, "add", {In(dims), In({dims.back()})}, 1, {}, 0, kElementwise});
    cases.push_back({"mul" + shape, "mul", {In(dims), In(dims)}, 1, {}, 0, kElementwise});
    cases.push_back({"mul_broadcast" + shape, "mul", {In(dims), In({dims.back()})}, 1, {}, 0, kElementwise});
    cases.push_back({"silu" + shape, "silu", {In(dims)}, 1, {}, 0, kElementwise});
    cases.push_back({"swiglu" + shape, "swiglu", {In(dims), In(dims)}, 1, {}, 0, kElementwise});
  }
}

void Norms(std::vector<OpCase>& cases) {
  for (std::vector<int64_t> dims : {std::vector<int64_t>{1, 64}, {7, 33}, {3, 8, 20}, {2, 4096}}) {
    const std::string shape = DimsString(dims);
    const Attributes eps = Attrs({{"eps", 1e-5}});
    cases.push_back({"rms_norm" + shape, "rms_norm", {In(dims), In({dims.back()})}, 1, eps, 0, kElementwise});
    cases.push_back({"add_rms_norm" + shape, "add_rms_norm", {In(dims), In(dims), In({dims.back()})}, 2, eps, 0,
                     kElementwise});
  }
}

void Linear(std::vector<OpCase>& cases) {
  struct Shape {
    int64_t tokens, k, n;
  };
  // T = 40: the CPU's own prefill GEMM (16+ tokens: a tile of 32 and a half tile, a k tail, calls
  // of whole 12-row groups and a partial group).
  for (Shape s : {Shape{1, 64, 64}, Shape{1, 67, 131}, Shape{5, 67, 131}, Shape{9, 256, 300}, Shape{1, 2048, 64},
                  Shape{40, 67, 131}}) {
    for (bool bias : {false, true}) {
      OpCase c{absl::StrCat("linear_T", s.tokens, "_K", s.k, "_N", s.n, bias ? "_bias" : ""), "linear",
               {In({s.tokens, s.k}), W(DType::kF32, {s.n, s.k})}};
      if (bias) c.inputs.push_back(In({s.n}));
      c.max_nmse = kMatmul;
      cases.push_back(c);
    }
  }
  for (DType dtype : {DType::kF16, DType::kBF16, DType::kQ8_0, DType::kQ4_0}) {
    // K = 288: an odd number of 32-value blocks; N = 37: a row count that is no multiple of 4.
    // T = 20 (f16/bf16: the prefill GEMM) with N = 20: fewer 12-row groups than calls. T = 64 with
    // K = 1056 (f16/bf16 on AMX: two blocks of 512 values and a step more) and N = 45 (a partial
    // 32-row group).
    for (Shape s : {Shape{1, 96, 70}, Shape{6, 128, 130}, Shape{1, 288, 37}, Shape{1, 2048, 300}, Shape{20, 288, 100},
                    Shape{20, 288, 20}, Shape{64, 1056, 45}}) {
      cases.push_back({absl::StrCat("linear_", DTypeName(dtype), "_T", s.tokens, "_K", s.k, "_N", s.n), "linear",
                       {In({s.tokens, s.k}), W(dtype, {s.n, s.k})}, 1, {}, 0, kMatmul});
    }
    // T = 40 and 64 (two whole tiles): on AVX-512, f16/bf16 through the prefill GEMM with the
    // activation fused into its output, q8_0/q4_0 through the product and then it. F = 100: calls of
    // whole 12-row groups and a partial one; F = 20 with K = 320: fewer groups than calls (empty
    // calls) and more than one block of k.
    for (Shape s : {Shape{1, 96, 2 * 40}, Shape{3, 64, 2 * 9}, Shape{40, 96, 2 * 100}, Shape{64, 96, 2 * 100},
                    Shape{40, 320, 2 * 20}}) {
      cases.push_back({absl::StrCat("gate_up_swiglu_", DTypeName(dtype), "_T", s.tokens, "_K", s.k, "_F", s.n / 2),
                       "gate_up_swiglu", {In({s.tokens, s.k}), W(dtype, {s.n, s.k})}, 1, {}, 0, kMatmul});
    }
    cases.push_back({absl::StrCat("embedding_", DTypeName(dtype)), "embedding", {W(dtype, {50, 64}), Ids(7, 50)}, 1, {}, 0,
                     kExact});
  }
  cases.push_back({"embedding_f32", "embedding", {W(DType::kF32, {50, 33}), Ids(7, 50)}, 1, {}, 0, kExact});
  for (Shape s : {Shape{1, 64, 2 * 48}, Shape{4, 33, 2 * 7}, Shape{17, 33, 2 * 60}}) {
    cases.push_back({absl::StrCat("gate_up_swiglu_T", s.tokens, "_K", s.k, "_F", s.n / 2), "gate_up_swiglu",
                     {In({s.tokens, s.k}), W(DType::kF32, {s.n, s.k})}, 1, {}, 0, kMatmul});
  }
}

void ShapeOps(std::vector<OpCase>& cases) {
  cases.push_back({"split_3", "split", {In({4, 12})}, 3, Attrs({{"sizes", std::vector<int64_t>{5, 4, 3}}}), 0, kExact});
  cases.push_back({"split_2", "split", {In({1, 64})}, 2, Attrs({{"sizes", std::vector<int64_t>{32, 32}}}), 0, kExact});
  cases.push_back({"reshape", "reshape", {In({3, 24})}, 1, Attrs({{"shape", std::vector<int64_t>{0, 4, 6}}}), 0, kExact});
  cases.push_back({"take_last", "take_last", {In({6, 33})}, 1, {}, 0, kExact});
  cases.push_back({"argmax", "argmax", {In({3, 517})}, 1, {}, 0, kExact});
}

Attributes Rope(const std::string& layout, bool llama3 = false) {
  Attributes a = Attrs({{"theta", 10000.0}, {"layout", layout}});
  if (llama3) {
    a.Set("theta", 500000.0);
    a.Set("scaling_factor", 8.0);
    a.Set("low_freq_factor", 1.0);
    a.Set("high_freq_factor", 4.0);
    a.Set("original_max_position", int64_t{64});
  }
  return a;
}

void RopeAndCache(std::vector<OpCase>& cases) {
  for (const std::string layout : {"interleaved", "half"}) {
    for (int64_t position : {0, 5, 300}) {
      cases.push_back({absl::StrCat("rope_", layout, "_P", position), "rope", {In({3, 4, 16})}, 1, Rope(layout), position,
                       kElementwise});
    }
    cases.push_back({"rope_" + layout + "_llama3", "rope", {In({2, 2, 64})}, 1, Rope(layout, true), 1000, kElementwise});
    Attributes partial = Rope(layout);
    partial.Set("rotary_dim", int64_t{8});
    cases.push_back({"rope_" + layout + "_rotary8", "rope", {In({2, 3, 12})}, 1, partial, 3, kElementwise});
  }
  for (int64_t position : {0, 9}) {
    cases.push_back({absl::StrCat("kv_cache_write_P", position), "kv_cache_write", {In({3, 2, 8}), Cache(2, 16, 8)}, 1, {},
                     position, kExact});
  }
  // Fused split + QK-norm + RoPE + cache writes.
  for (const std::string layout : {"interleaved", "half"}) {
    for (bool qk_norm : {false, true}) {
      for (auto [heads, kv_heads] : {std::pair<int64_t, int64_t>{4, 2}, {4, 4}, {8, 2}}) {
        const int64_t hd = 8, tokens = 3;
        Attributes a = Rope(layout);
        a.Set("num_heads", heads);
        a.Set("num_kv_heads", kv_heads);
        a.Set("head_dim", hd);
        a.Set("norm_eps", 1e-6);
        OpCase c{absl::StrCat("split_rope_kv_write_", layout, qk_norm ? "_qknorm" : "", "_H", heads, "_KV", kv_heads),
                 "split_rope_kv_write",
                 {In({tokens, (heads + 2 * kv_heads) * hd}), Cache(kv_heads, 12, hd), Cache(kv_heads, 12, hd),
                  qk_norm ? In({hd}) : Absent(), qk_norm ? In({hd}) : Absent()},
                 3, a, 4, kElementwise};
        cases.push_back(c);
      }
    }
  }
}

void Attention(std::vector<OpCase>& cases) {
  struct Shape {
    int64_t tokens, heads, kv_heads, head_dim, position, window;
  };
  for (Shape s : {Shape{1, 4, 4, 8, 0, 0}, Shape{1, 4, 2, 8, 9, 0}, Shape{1, 8, 2, 20, 30, 0}, Shape{4, 4, 1, 16, 0, 0},
                  Shape{5, 6, 3, 8, 7, 0}, Shape{1, 4, 2, 64, 100, 0}, Shape{6, 4, 2, 8, 3, 4}, Shape{1, 4, 4, 8, 50, 16},
                  Shape{3, 2, 2, 8, 0, 1},
                  // Prompts in blocks of tokens (AttendTokens on AVX-512): several blocks of tokens and
                  // of keys, GQA groups of 8 and 6 (rows padded to a tile), windows across blocks of
                  // keys and of tokens, head_dim 128 and 24, and a last block of one token.
                  Shape{40, 16, 2, 64, 5, 0}, Shape{37, 12, 2, 128, 30, 0}, Shape{50, 4, 4, 16, 20, 24},
                  Shape{33, 2, 1, 24, 0, 0}, Shape{40, 8, 1, 64, 10, 20},
                  // A GQA group of 9 in parts of 5 and 4 heads (blocks of 12 tokens).
                  Shape{20, 18, 2, 32, 7, 0},
                  // head_dim 20: no AttendTokens kernel, a token per work item.
                  Shape{9, 4, 2, 20, 3, 0}}) {
    Attributes a;
    if (s.window > 0) a.Set("sliding_window", s.window);
    const int64_t capacity = s.position + s.tokens + 3;
    cases.push_back({absl::StrCat("attention_T", s.tokens, "_H", s.heads, "_KV", s.kv_heads, "_hd", s.head_dim, "_P",
                                  s.position, s.window ? absl::StrCat("_W", s.window) : ""),
                     "attention",
                     {In({s.tokens, s.heads, s.head_dim}), Cache(s.kv_heads, capacity, s.head_dim),
                      Cache(s.kv_heads, capacity, s.head_dim)},
                     1, a, s.position, kMatmul});
  }
}

}  // namespace

std::vector<OpCase> AllOpCases() {
  std::vector<OpCase> cases;
  Elementwise(cases);
  Norms(cases);
  Linear(cases);
  ShapeOps(cases);
  RopeAndCache(cases);
  Attention(cases);
  return cases;
}

}  // namespace anvil::testing
