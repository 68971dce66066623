// Recording a decode session into a Capture, and replaying one: the recorded plan rebuilt from the
// file, every recorded step fed again, timed, and checked -- bitwise on the executor that recorded
// it, within tolerance (and equal argmax ids) on another.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "executors/session.h"
#include "graph/capture.h"
#include "models/sampler.h"

namespace anvil {

struct RecordOptions {
  int64_t steps = 64;  // decode steps after the prompt
  SamplerOptions sampler{0.0f, 0, 1.0f, 0};  // greedy unless told otherwise
};

// Feeds `prompt` in one prefill step, then `steps` decode steps (each step's input is the token
// chosen after the previous one), recording ids, positions and logits digests. Fills everything
// but the graph identity and pass list, which the caller knows.
absl::StatusOr<Capture> RecordCapture(Session& session, absl::Span<const int32_t> prompt, const RecordOptions& options);

// NMSE threshold for logits on another executor (DESIGN.md section 10: matmul and attention).
inline constexpr double kCrossExecutorNmse = 5e-4;

struct ReplayOptions {
  int64_t max_steps = -1;  // -1: every recorded step
  bool capture = true;     // replay through the captured plan (false: every step eager)
};

struct ReplayReport {
  std::string executor;
  bool same_executor = false;  // bitwise comparison applies
  int64_t steps = 0;
  int64_t matched = 0;
  int64_t first_mismatch = -1;  // step index, -1 if none
  std::string mismatch;         // what differed at first_mismatch
  std::vector<double> step_seconds;
  double first_logits_nmse = 0, last_logits_nmse = 0;
  double host_seconds_per_step = 0;  // before waiting for the device (the submit, on Vulkan)
  SessionCounters counters;

  bool ok() const { return first_mismatch < 0; }
};

absl::StatusOr<ReplayReport> ReplayCapture(const Capture& capture, std::shared_ptr<const Model> plan,
                                           std::shared_ptr<Executor> executor, const ReplayOptions& options);

// "cpu", or "vulkan" with the device name, for the capture header.
std::string DescribeDevice(const Executor& executor);

}  // namespace anvil
