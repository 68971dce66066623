#include "models/llama_family.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/status.h"
#include "graph/verifier.h"
#include "ops/registry.h"

namespace anvil {
namespace {

// Hands out weights by name, checking shapes; remembers which were used.
class WeightTable {
 public:
  explicit WeightTable(WeightMap weights, GraphBuilder& b) : weights_(std::move(weights)), b_(b) {}

  ValueId Get(const std::string& name, std::vector<int64_t> dims) {
    if (!status_.ok()) return kNoValue;
    auto it = weights_.find(name);
    if (it == weights_.end()) {
      status_ = absl::InvalidArgumentError(absl::StrCat("weight '", name, "' is missing"));
      return kNoValue;
    }
    if (it->second.dims != dims) {
      status_ = absl::InvalidArgumentError(absl::StrCat("weight '", name, "' has shape ", DimsString(it->second.dims),
                                                        ", expected ", DimsString(dims)));
      return kNoValue;
    }
    auto [added, inserted] = ids_.try_emplace(name, kNoValue);
    if (inserted) added->second = b_.Weight(name, it->second);
    return added->second;
  }

  // False after the first missing or misshapen weight (the rest of the graph need not be built).
  bool ok() const { return status_.ok(); }

  absl::Status Finish() const {
    if (!status_.ok()) return status_;
    std::vector<std::string> unused;
    for (const auto& [name, w] : weights_) {
      if (!ids_.count(name)) unused.push_back(name);
    }
    if (!unused.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("weights not used by the model: ", absl::StrJoin(unused, ", ")));
    }
    return absl::OkStatus();
  }

 private:
  WeightMap weights_;
  GraphBuilder& b_;
  std::map<std::string, ValueId> ids_;
  absl::Status status_;
};

Attributes RopeAttributes(const ModelConfig& c) {
  Attributes a = Attrs({{"theta", c.rope_theta}, {"layout", c.rope_layout}});
  if (c.rope_scaling.type == "llama3") {
    a.Set("scaling_factor", c.rope_scaling.factor);
    a.Set("low_freq_factor", c.rope_scaling.low_freq_factor);
    a.Set("high_freq_factor", c.rope_scaling.high_freq_factor);
    a.Set("original_max_position", c.rope_scaling.original_max_position);
  }
  return a;
}

}  // namespace

absl::Status ValidateLlamaConfig(const ModelConfig& c) {
  auto positive = [](const char* field, int64_t v, int64_t max) -> absl::Status {
    if (v <= 0 || v > max) {
      return absl::InvalidArgumentError(absl::StrCat("config: ", field, " = ", v, " must be in 1..", max));
    }
    return absl::OkStatus();
  };
  ANVIL_RETURN_IF_ERROR(positive("vocab_size", c.vocab_size, int64_t{1} << 24));
  ANVIL_RETURN_IF_ERROR(positive("hidden_size", c.hidden_size, 1 << 16));
  ANVIL_RETURN_IF_ERROR(positive("intermediate_size", c.intermediate_size, 1 << 18));
  ANVIL_RETURN_IF_ERROR(positive("num_layers", c.num_layers, 1024));
  ANVIL_RETURN_IF_ERROR(positive("num_heads", c.num_heads, 1024));
  ANVIL_RETURN_IF_ERROR(positive("num_kv_heads", c.num_kv_heads, 1024));
  ANVIL_RETURN_IF_ERROR(positive("head_dim", c.head_dim, 1024));
  ANVIL_RETURN_IF_ERROR(positive("max_context", c.max_context, int64_t{1} << 24));
  if (c.num_heads % c.num_kv_heads != 0) {
    return absl::InvalidArgumentError(absl::StrCat("config: num_heads ", c.num_heads,
                                                   " is not a multiple of num_kv_heads ", c.num_kv_heads));
  }
  if (c.head_dim % 2 != 0) return absl::InvalidArgumentError(absl::StrCat("config: head_dim ", c.head_dim, " must be even for RoPE"));
  if (c.rope_layout != "interleaved" && c.rope_layout != "half") {
    return absl::InvalidArgumentError(absl::StrCat("config: rope_layout \"", c.rope_layout, "\" must be interleaved or half"));
  }
  if (!(c.rms_norm_eps > 0)) return absl::InvalidArgumentError("config: rms_norm_eps must be positive");
  if (c.sliding_window < 0) return absl::InvalidArgumentError("config: sliding_window must be >= 0");
  if (!c.rope_scaling.type.empty() && c.rope_scaling.type != "llama3") {
    return absl::InvalidArgumentError(absl::StrCat("config: rope scaling \"", c.rope_scaling.type, "\" is not supported (llama3 is)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<Model> BuildLlamaModel(const ModelConfig& config, WeightMap weights) {
  ANVIL_RETURN_IF_ERROR(ValidateLlamaConfig(config));
  Model model;
  model.opset_version = kOpsetVersion;
  model.config = config;
  Graph& g = model.graph;
  g.name = config.family.empty() ? "llama" : config.family;
  GraphBuilder b(g);
  WeightTable w(std::move(weights), b);

  const int64_t V = config.vocab_size, D = config.hidden_size, F = config.intermediate_size;
  const int64_t H = config.num_heads, Hkv = config.num_kv_heads, hd = config.head_dim;
  const Dim T = Dim::Symbol(kTokensSymbol), C = Dim::Symbol(kCapacitySymbol);
  const Attributes norm = Attrs({{"eps", config.rms_norm_eps}});
  const Attributes rope = RopeAttributes(config);
  Attributes attention;
  if (config.sliding_window > 0) attention.Set("sliding_window", config.sliding_window);
  // Weights are fetched q, k, v (and gate, up) back to back so the file stores them adjacently and
  // the concat passes can stack them as views, without copying.
  auto linear = [&](const std::string& name, ValueId x, ValueId weight, ValueId bias = kNoValue) {
    std::vector<ValueId> in = {x, weight};
    if (bias != kNoValue) in.push_back(bias);
    return b.Op(name, "linear", in);
  };
  auto heads = [&](const std::string& name, ValueId x, int64_t count) {
    return b.Op(name, "reshape", {x}, Attrs({{"shape", std::vector<int64_t>{0, count, hd}}}));
  };

  const ValueId tokens = b.Input("tokens", {DType::kI32, {T}});
  const ValueId embedding_table = w.Get("token_embd.weight", {V, D});
  ValueId x = b.Op("token_embd", "embedding", {embedding_table, tokens});

  for (int64_t l = 0; l < config.num_layers; ++l) {
    const std::string p = absl::StrCat("blk.", l, ".");
    const ValueId k_cache = b.State(p + "k_cache", {DType::kF32, {Dim::Fixed(Hkv), C, Dim::Fixed(hd)}});
    const ValueId v_cache = b.State(p + "v_cache", {DType::kF32, {Dim::Fixed(Hkv), C, Dim::Fixed(hd)}});

    // Attention block: norm -> Q/K/V -> [QK-norm] -> RoPE -> cache -> attention -> output -> residual.
    const ValueId h = b.Op(p + "attn_norm", "rms_norm", {x, w.Get(p + "attn_norm.weight", {D})}, norm);
    const ValueId wq = w.Get(p + "attn_q.weight", {H * hd, D});
    const ValueId wk = w.Get(p + "attn_k.weight", {Hkv * hd, D});
    const ValueId wv = w.Get(p + "attn_v.weight", {Hkv * hd, D});
    ValueId bq = kNoValue, bk = kNoValue, bv = kNoValue;
    if (config.attention_bias) {
      bq = w.Get(p + "attn_q.bias", {H * hd});
      bk = w.Get(p + "attn_k.bias", {Hkv * hd});
      bv = w.Get(p + "attn_v.bias", {Hkv * hd});
    }
    ValueId q = heads(p + "q_heads", linear(p + "attn_q", h, wq, bq), H);
    ValueId k = heads(p + "k_heads", linear(p + "attn_k", h, wk, bk), Hkv);
    const ValueId v = heads(p + "v_heads", linear(p + "attn_v", h, wv, bv), Hkv);
    if (config.qk_norm) {
      q = b.Op(p + "attn_q_norm", "rms_norm", {q, w.Get(p + "attn_q_norm.weight", {hd})}, norm);
      k = b.Op(p + "attn_k_norm", "rms_norm", {k, w.Get(p + "attn_k_norm.weight", {hd})}, norm);
    }
    q = b.Op(p + "q_rope", "rope", {q}, rope);
    k = b.Op(p + "k_rope", "rope", {k}, rope);
    const ValueId k_all = b.Op(p + "k_write", "kv_cache_write", {k, k_cache});
    const ValueId v_all = b.Op(p + "v_write", "kv_cache_write", {v, v_cache});
    const ValueId attended = b.Op(p + "attn", "attention", {q, k_all, v_all}, attention);
    x = b.Op(p + "attn_residual", "add", {x, linear(p + "attn_output", attended, w.Get(p + "attn_output.weight", {D, H * hd}))});

    // Feed-forward block: norm -> SwiGLU(gate, up) -> down -> residual.
    const ValueId f = b.Op(p + "ffn_norm", "rms_norm", {x, w.Get(p + "ffn_norm.weight", {D})}, norm);
    const ValueId w_gate = w.Get(p + "ffn_gate.weight", {F, D});
    const ValueId w_up = w.Get(p + "ffn_up.weight", {F, D});
    const ValueId act = b.Op(p + "ffn_act", "swiglu", {linear(p + "ffn_gate", f, w_gate), linear(p + "ffn_up", f, w_up)});
    x = b.Op(p + "ffn_residual", "add", {x, linear(p + "ffn_down", act, w.Get(p + "ffn_down.weight", {D, F}))});
    if (!w.ok()) return w.Finish();  // a file declaring 1024 layers and holding one fails here, at once
  }

  // Head: final norm, the last token only, logits, greedy choice.
  const ValueId normed = b.Op("output_norm", "rms_norm", {x, w.Get("output_norm.weight", {D})}, norm);
  const ValueId last = b.Op("take_last", "take_last", {normed});
  const ValueId head = config.tie_embeddings ? embedding_table : w.Get("output.weight", {V, D});
  const ValueId logits = b.Op("logits", "linear", {last, head});
  b.Output(logits);
  b.Output(b.Op("next_token", "argmax", {logits}));

  ANVIL_RETURN_IF_ERROR(w.Finish());
  ANVIL_RETURN_IF_ERROR(b.status());
  ANVIL_RETURN_IF_ERROR(VerifyGraph(g, Ops()), "built graph");
  return model;
}

}  // namespace anvil
