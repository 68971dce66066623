// `.capture` files: a recorded decode session and the plan that ran it. The plan is the optimized
// graph whose tensors are byte ranges of the `.graph` it was made from, so a replay rebuilds it
// without running the optimizer and without duplicating weights.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/op_def.h"

namespace anvil {

inline constexpr char kCaptureMagic[8] = {'A', 'N', 'V', 'L', 'C', 'A', 'P', 'T'};
inline constexpr uint32_t kCaptureVersion = 1;

struct CapturedStep {
  int64_t position = 0;
  int32_t input_id = 0;
  int32_t argmax_id = 0;
  uint64_t logits_digest = 0;
};

struct Capture {
  std::string producer;
  std::string graph_path;
  ChecksumInfo graph_checksum;
  std::string executor;
  std::string device;
  int64_t capacity = 0;
  std::vector<std::string> passes;
  std::vector<int32_t> prompt_ids;
  std::vector<CapturedStep> steps;
  std::vector<float> first_logits;
  std::vector<float> last_logits;
  int64_t plan_nodes = 0;  // nodes of the recorded plan (for summaries)
};

// Writes `capture` with `plan` (an optimized model whose tensors are views of `source`'s data
// section where possible, inline otherwise). Atomic.
absl::Status SaveCapture(const Capture& capture, const Model& plan, const Model& source, const std::string& path);

// Reads everything but the plan's graph (for `anvil inspect`). Errors name the file.
absl::StatusOr<Capture> ReadCapture(const std::string& path);

// Rebuilds the recorded plan against `source`, the loaded `.graph` the capture names. A source
// whose data checksum differs from the recorded one is refused unless `force`.
absl::StatusOr<Model> LoadCapturePlan(const std::string& path, const Model& source, const OpRegistry& registry, bool force);

// FNV-1a 64 of float logits.
uint64_t LogitsDigest(const float* logits, size_t count);

}  // namespace anvil
