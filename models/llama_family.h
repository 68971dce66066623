// One graph builder for the Llama family: Llama 1/2/3, Qwen2/2.5 (QKV bias), Qwen3 (per-head
// QK-norm), Mistral (sliding window). Importers hand over weights under GGUF names:
//
//   token_embd.weight [V, D]            output_norm.weight [D]       output.weight [V, D] (untied)
//   blk.N.attn_norm.weight [D]          blk.N.ffn_norm.weight [D]
//   blk.N.attn_q.weight [H*hd, D]       blk.N.attn_q.bias [H*hd]     (attention_bias)
//   blk.N.attn_k.weight [Hkv*hd, D]     blk.N.attn_k.bias, blk.N.attn_v.bias
//   blk.N.attn_v.weight [Hkv*hd, D]     blk.N.attn_q_norm.weight [hd], blk.N.attn_k_norm.weight [hd] (qk_norm)
//   blk.N.attn_output.weight [D, H*hd]
//   blk.N.ffn_gate.weight [F, D]        blk.N.ffn_up.weight [F, D]   blk.N.ffn_down.weight [D, F]
//
// The graph takes `tokens` i32[T], keeps K/V caches as states blk.N.k_cache / blk.N.v_cache
// [Hkv, C, hd], and outputs `logits` f32[1, V] (the last token's) and `next_token` i32[1].
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "models/graph_builder.h"

namespace anvil {

using WeightMap = std::map<std::string, WeightTensor>;

// Checks that `config` describes a model this builder can make; errors name the field.
absl::Status ValidateLlamaConfig(const ModelConfig& config);

// Builds the unoptimized graph (the checkpoint's own structure). Every expected weight must be in
// `weights` with the expected shape; extra weights are an error too (they would be silently unused).
absl::StatusOr<Model> BuildLlamaModel(const ModelConfig& config, WeightMap weights);

}  // namespace anvil
