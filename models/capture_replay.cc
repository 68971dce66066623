#include "models/capture_replay.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "base/status.h"
#include "executors/vulkan/vulkan_executor.h"

namespace anvil {
namespace {

double Nmse(absl::Span<const float> a, absl::Span<const float> b) {
  if (a.size() != b.size()) return 1e30;
  double err = 0, norm = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    err += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    norm += static_cast<double>(b[i]) * b[i];
  }
  return norm == 0 ? (err == 0 ? 0 : 1e30) : err / norm;
}

}  // namespace

std::string DescribeDevice(const Executor& executor) {
  if (auto vulkan = VulkanStatusOf(executor)) return vulkan->device_name;
  return executor.name();
}

absl::StatusOr<Capture> RecordCapture(Session& session, absl::Span<const int32_t> prompt, const RecordOptions& options) {
  if (prompt.empty()) return absl::InvalidArgumentError("the prompt is empty (it needs at least a BOS token)");
  if (options.steps <= 0) return absl::InvalidArgumentError("a capture needs at least one decode step");
  if (static_cast<int64_t>(prompt.size()) + options.steps > session.capacity()) {
    return absl::OutOfRangeError(absl::StrCat(prompt.size(), " prompt tokens and ", options.steps,
                                              " steps do not fit the KV cache (capacity ", session.capacity(), ")"));
  }
  ANVIL_RETURN_IF_ERROR(ValidateSamplerOptions(options.sampler));
  Capture capture;
  capture.executor = session.executor().name();
  capture.device = DescribeDevice(session.executor());
  capture.capacity = session.capacity();
  capture.prompt_ids.assign(prompt.begin(), prompt.end());
  Sampler sampler(options.sampler);
  ANVIL_ASSIGN_OR_RETURN(StepOutput out, session.Prefill(prompt));
  int32_t next = sampler.Sample(out.logits, out.next_id);
  for (int64_t i = 0; i < options.steps; ++i) {
    const int64_t position = session.position();
    ANVIL_ASSIGN_OR_RETURN(out, session.Decode(next));
    capture.steps.push_back({position, next, out.next_id, LogitsDigest(out.logits.data(), out.logits.size())});
    if (i == 0) capture.first_logits.assign(out.logits.begin(), out.logits.end());
    if (i + 1 == options.steps) capture.last_logits.assign(out.logits.begin(), out.logits.end());
    next = sampler.Sample(out.logits, out.next_id);
  }
  return capture;
}

absl::StatusOr<ReplayReport> ReplayCapture(const Capture& capture, std::shared_ptr<const Model> plan,
                                           std::shared_ptr<Executor> executor, const ReplayOptions& options) {
  ReplayReport report;
  report.executor = DescribeDevice(*executor);
  report.same_executor = executor->name() == capture.executor && report.executor == capture.device;
  ANVIL_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                         Session::Create(std::move(plan), executor, {.capacity = capture.capacity, .capture = options.capture}));
  if (!capture.prompt_ids.empty()) ANVIL_RETURN_IF_ERROR(session->Prefill(capture.prompt_ids).status(), "replaying the prompt");
  const int64_t steps = options.max_steps >= 0 ? std::min<int64_t>(options.max_steps, capture.steps.size())
                                               : static_cast<int64_t>(capture.steps.size());
  double host = 0;
  for (int64_t i = 0; i < steps; ++i) {
    const CapturedStep& recorded = capture.steps[i];
    if (session->position() != recorded.position) {
      return absl::DataLossError(absl::StrCat("step ", i, " was recorded at position ", recorded.position,
                                              ", the replay is at ", session->position()));
    }
    const auto start = std::chrono::steady_clock::now();
    ANVIL_ASSIGN_OR_RETURN(StepOutput out, session->Decode(recorded.input_id), absl::StrCat("step ", i));
    report.step_seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    ANVIL_ASSIGN_OR_RETURN(Plan * decode, session->PlanFor(1));
    host += decode->last_host_seconds();
    std::string differs;
    if (out.next_id != recorded.argmax_id) {
      differs = absl::StrCat("argmax ", out.next_id, ", recorded ", recorded.argmax_id);
    } else if (report.same_executor && LogitsDigest(out.logits.data(), out.logits.size()) != recorded.logits_digest) {
      differs = "the logits differ from the recorded ones (digest)";
    }
    if (i == 0 && !capture.first_logits.empty()) report.first_logits_nmse = Nmse(out.logits, capture.first_logits);
    if (i + 1 == static_cast<int64_t>(capture.steps.size()) && !capture.last_logits.empty()) {
      report.last_logits_nmse = Nmse(out.logits, capture.last_logits);
    }
    if (differs.empty() && !report.same_executor) {
      const bool first = i == 0 && report.first_logits_nmse > kCrossExecutorNmse;
      const bool last = i + 1 == static_cast<int64_t>(capture.steps.size()) && report.last_logits_nmse > kCrossExecutorNmse;
      if (first || last) {
        differs = absl::StrCat("logits NMSE ", first ? report.first_logits_nmse : report.last_logits_nmse,
                               " exceeds the cross-executor tolerance ", kCrossExecutorNmse);
      }
    }
    if (differs.empty()) {
      ++report.matched;
    } else if (report.first_mismatch < 0) {
      report.first_mismatch = i;
      report.mismatch = differs;
    }
  }
  report.steps = steps;
  report.host_seconds_per_step = steps > 0 ? host / steps : 0;
  report.counters = session->counters();
  return report;
}

}  // namespace anvil
