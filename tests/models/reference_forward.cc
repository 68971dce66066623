#include "tests/models/reference_forward.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"

namespace anvil::testing {
namespace {

using Vec = std::vector<double>;

const std::vector<float>& W(const HfWeights& w, const std::string& name) {
  static const std::vector<float> kEmpty;
  auto it = w.find(name);
  return it == w.end() ? kEmpty : it->second;
}

Vec RmsNorm(const Vec& x, const std::vector<float>& g, double eps) {
  double ss = 0;
  for (double v : x) ss += v * v;
  const double s = 1.0 / std::sqrt(ss / x.size() + eps);
  Vec y(x.size());
  for (size_t i = 0; i < x.size(); ++i) y[i] = x[i] * s * g[i];
  return y;
}

// y = W x (+ b), W [out][in] row-major.
Vec Project(const std::vector<float>& w, const Vec& x, size_t out, const std::vector<float>* bias = nullptr) {
  Vec y(out, 0.0);
  for (size_t o = 0; o < out; ++o) {
    double acc = 0;
    for (size_t i = 0; i < x.size(); ++i) acc += static_cast<double>(w[o * x.size() + i]) * x[i];
    y[o] = acc + (bias != nullptr && !bias->empty() ? (*bias)[o] : 0.0);
  }
  return y;
}

// rotate_half RoPE on one head, as Hugging Face applies it.
void Rope(double* head, int64_t head_dim, int64_t pos, const ModelConfig& c) {
  const int64_t half = head_dim / 2;
  for (int64_t i = 0; i < half; ++i) {
    double inv = std::pow(c.rope_theta, -2.0 * i / head_dim);
    if (c.rope_scaling.type == "llama3") {
      const double wavelen = 2 * M_PI / inv;
      const double low = c.rope_scaling.original_max_position / c.rope_scaling.low_freq_factor;
      const double high = c.rope_scaling.original_max_position / c.rope_scaling.high_freq_factor;
      if (wavelen > low) {
        inv /= c.rope_scaling.factor;
      } else if (wavelen >= high) {
        const double smooth = (c.rope_scaling.original_max_position / wavelen - c.rope_scaling.low_freq_factor) /
                              (c.rope_scaling.high_freq_factor - c.rope_scaling.low_freq_factor);
        inv = (1 - smooth) * inv / c.rope_scaling.factor + smooth * inv;
      }
    }
    const double angle = pos * inv, cs = std::cos(angle), sn = std::sin(angle);
    const double a = head[i], b = head[i + half];
    head[i] = a * cs - b * sn;
    head[i + half] = b * cs + a * sn;
  }
}

}  // namespace

std::vector<std::vector<double>> ReferenceForward(const ModelConfig& c, const HfWeights& w,
                                                  const std::vector<int32_t>& tokens) {
  const size_t D = c.hidden_size, F = c.intermediate_size, V = c.vocab_size, hd = c.head_dim;
  const size_t H = c.num_heads, Hkv = c.num_kv_heads, T = tokens.size();
  std::vector<Vec> x(T, Vec(D));
  const auto& embed = W(w, "model.embed_tokens.weight");
  for (size_t t = 0; t < T; ++t) {
    for (size_t i = 0; i < D; ++i) x[t][i] = embed[tokens[t] * D + i];
  }
  for (int64_t l = 0; l < c.num_layers; ++l) {
    const std::string p = absl::StrCat("model.layers.", l, ".");
    std::vector<Vec> q(T), k(T), v(T);
    for (size_t t = 0; t < T; ++t) {
      const Vec h = RmsNorm(x[t], W(w, p + "input_layernorm.weight"), c.rms_norm_eps);
      const auto& bq = W(w, p + "self_attn.q_proj.bias");
      const auto& bk = W(w, p + "self_attn.k_proj.bias");
      const auto& bv = W(w, p + "self_attn.v_proj.bias");
      q[t] = Project(W(w, p + "self_attn.q_proj.weight"), h, H * hd, &bq);
      k[t] = Project(W(w, p + "self_attn.k_proj.weight"), h, Hkv * hd, &bk);
      v[t] = Project(W(w, p + "self_attn.v_proj.weight"), h, Hkv * hd, &bv);
      for (size_t head = 0; head < H; ++head) {
        if (c.qk_norm) {
          Vec one(q[t].begin() + head * hd, q[t].begin() + (head + 1) * hd);
          one = RmsNorm(one, W(w, p + "self_attn.q_norm.weight"), c.rms_norm_eps);
          std::copy(one.begin(), one.end(), q[t].begin() + head * hd);
        }
        Rope(q[t].data() + head * hd, hd, t, c);
      }
      for (size_t head = 0; head < Hkv; ++head) {
        if (c.qk_norm) {
          Vec one(k[t].begin() + head * hd, k[t].begin() + (head + 1) * hd);
          one = RmsNorm(one, W(w, p + "self_attn.k_norm.weight"), c.rms_norm_eps);
          std::copy(one.begin(), one.end(), k[t].begin() + head * hd);
        }
        Rope(k[t].data() + head * hd, hd, t, c);
      }
    }
    for (size_t t = 0; t < T; ++t) {
      Vec attended(H * hd, 0.0);
      for (size_t head = 0; head < H; ++head) {
        const size_t kvh = head / (H / Hkv);
        const size_t first = c.sliding_window > 0 && t + 1 > static_cast<size_t>(c.sliding_window) ? t + 1 - c.sliding_window : 0;
        Vec scores;
        double max = -1e300;
        for (size_t j = first; j <= t; ++j) {
          double dot = 0;
          for (size_t d = 0; d < hd; ++d) dot += q[t][head * hd + d] * k[j][kvh * hd + d];
          scores.push_back(dot / std::sqrt(static_cast<double>(hd)));
          max = std::max(max, scores.back());
        }
        double sum = 0;
        for (double& s : scores) sum += (s = std::exp(s - max));
        for (size_t j = first; j <= t; ++j) {
          for (size_t d = 0; d < hd; ++d) attended[head * hd + d] += scores[j - first] / sum * v[j][kvh * hd + d];
        }
      }
      const Vec o = Project(W(w, p + "self_attn.o_proj.weight"), attended, D);
      for (size_t i = 0; i < D; ++i) x[t][i] += o[i];
      const Vec h = RmsNorm(x[t], W(w, p + "post_attention_layernorm.weight"), c.rms_norm_eps);
      const Vec gate = Project(W(w, p + "mlp.gate_proj.weight"), h, F);
      const Vec up = Project(W(w, p + "mlp.up_proj.weight"), h, F);
      Vec act(F);
      for (size_t i = 0; i < F; ++i) act[i] = gate[i] / (1 + std::exp(-gate[i])) * up[i];
      const Vec down = Project(W(w, p + "mlp.down_proj.weight"), act, D);
      for (size_t i = 0; i < D; ++i) x[t][i] += down[i];
    }
  }
  const auto& head = c.tie_embeddings ? W(w, "model.embed_tokens.weight") : W(w, "lm_head.weight");
  std::vector<Vec> logits;
  for (size_t t = 0; t < T; ++t) logits.push_back(Project(head, RmsNorm(x[t], W(w, "model.norm.weight"), c.rms_norm_eps), V));
  return logits;
}

}  // namespace anvil::testing
