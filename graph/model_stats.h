// What `anvil inspect` reports about a model: op histogram, parameters and bytes per dtype,
// KV-cache size, and the work and weight traffic of one decoded token.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/op_def.h"

namespace anvil {

struct DTypeTotals {
  int64_t tensors = 0;
  int64_t params = 0;  // elements
  uint64_t bytes = 0;
};

struct ModelStats {
  int64_t nodes = 0;
  int64_t dispatches = 0;  // kernels a decode step launches (views launch none)
  std::map<std::string, int64_t> op_histogram;
  std::map<DType, DTypeTotals> weights_by_dtype;
  int64_t params = 0;
  uint64_t weight_bytes = 0;
  int64_t context = 0;                  // the KV capacity the figures below assume
  uint64_t kv_bytes_per_token = 0;      // all layers, K and V
  uint64_t kv_bytes_at_context = 0;
  double flops_per_token_first = 0;     // decoding at position 0
  double flops_per_token_last = 0;      // decoding at position context - 1
  double weight_bytes_per_token = 0;    // bytes of weights one decode step reads
  int64_t activation_bytes = 0;         // decode-step arena as the executors plan it
  int64_t activation_bytes_no_reuse = 0;  // the same with every buffer separate
};

// Statistics for decoding with a KV capacity of `context` tokens (T = 1, C = context).
absl::StatusOr<ModelStats> ComputeModelStats(const Model& model, const OpRegistry& registry,
                                             int64_t context);

// Work and weight traffic of one step feeding `tokens` tokens at position `position` with a KV
// capacity of `capacity` (prefill: tokens = prompt length, position 0; decode: tokens = 1).
absl::StatusOr<OpCost> ComputeStepCost(const Model& model, const OpRegistry& registry, int64_t tokens,
                                       int64_t position, int64_t capacity);

// The context a model's figures default to: its max_context, or 2048 for graphs without one.
int64_t DefaultContext(const Model& model);

}  // namespace anvil
