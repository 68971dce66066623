// anvil capture / anvil replay: record a decode session with the plan that ran it into a .capture
// file; replay it later, timing every step and checking every output.
#include <algorithm>
#include <cstdio>
#include <iostream>

#include "absl/strings/str_format.h"
#include "graph/capture.h"
#include "graph/model_io.h"
#include "models/capture_replay.h"
#include "nlohmann/json.hpp"
#include "ops/registry.h"
#include "tools/commands.h"
#include "tools/executor_flags.h"
#include "tools/flags.h"
#include "tools/pass_flags.h"
#include "tools/prompt.h"

namespace anvil::cli {

int CaptureCommand(int argc, char** argv) {
  std::string model_path, prompt, prompt_ids_text, output;
  int64_t steps = 64, context = 0, seed = 0;
  double temperature = 0;
  ExecutorFlags executor_flags;
  PassFlags pass_flags;
  FlagSet flags("anvil capture -m FILE [-p PROMPT] [-n N] -o SESSION.capture [flags]",
                "Runs a session -- the prompt in one prefill step, then N decode steps -- and writes a .capture:\n"
                "the model's identity (path and data checksum), executor and device, KV capacity, the\n"
                "optimizer passes and the optimized plan itself, and every step's input id, argmax id and\n"
                "logits digest (plus the full logits of the first and last step). `anvil replay` rebuilds\n"
                "the plan from it without running the optimizer.");
  flags.String("model", &model_path, "the model (.graph)", 'm');
  flags.String("prompt", &prompt, "prompt text (BOS is prepended); empty: BOS alone", 'p');
  flags.String("prompt-ids", &prompt_ids_text, "comma-separated token ids instead of -p");
  flags.Int("n-predict", &steps, "decode steps to record", 'n');
  flags.String("output", &output, "the .capture file to write", 'o');
  flags.Int("ctx", &context, "KV-cache capacity in tokens; 0 = the model's max context (at most 4096)", 'c');
  flags.Double("temp", &temperature, "sampling temperature for choosing each next input; 0 = greedy");
  flags.Int("seed", &seed, "random seed when --temp > 0");
  executor_flags.Register(flags, false);
  pass_flags.Register(flags);
  auto args = flags.Parse(argc, argv, 2);
  if (!args.ok()) return UsageError("capture", std::string(args.status().message()));
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (!args->empty()) return UsageError("capture", "unexpected argument '" + (*args)[0] + "'");
  if (model_path.empty() || output.empty()) return UsageError("capture", "-m FILE and -o SESSION.capture are required");
  auto pipeline = pass_flags.Options();
  if (!pipeline.ok()) return UsageError("capture", std::string(pipeline.status().message()));
  auto loaded = LoadOptimized(model_path, pass_flags);
  if (!loaded.ok()) return Fail(loaded.status());
  auto model = std::make_shared<const Model>(std::move(*loaded));
  auto resolved = ResolvePrompt(*model, prompt, prompt_ids_text);
  if (!resolved.ok()) return Fail(resolved.status());
  const std::vector<int32_t> prompt_ids = std::move(*resolved);
  auto executor = executor_flags.Make();
  if (!executor.ok()) return Fail(executor.status());
  auto session = Session::Create(model, *executor, {.capacity = context});
  if (!session.ok()) return Fail(session.status());
  RecordOptions options;
  options.steps = steps;
  options.sampler = {static_cast<float>(temperature), 0, 1.0f, static_cast<uint64_t>(seed)};
  auto capture = RecordCapture(**session, prompt_ids, options);
  if (!capture.ok()) return Fail(capture.status());
  capture->producer = "anvil capture";
  capture->graph_path = model_path;
  capture->graph_checksum = model->checksum;
  capture->passes = pipeline->passes;
  if (absl::Status s = SaveCapture(*capture, *model, *model, output); !s.ok()) return Fail(s);
  std::fprintf(stderr, "recorded %zu decode steps after a %zu-token prompt on %s into %s\n", capture->steps.size(),
               prompt_ids.size(), capture->device.c_str(), output.c_str());
  return 0;
}

int ReplayCommand(int argc, char** argv) {
  int64_t steps = -1;
  bool json = false, force = false, capture = true;
  ExecutorFlags executor_flags;
  executor_flags.executor = "";
  FlagSet flags("anvil replay MODEL.graph SESSION.capture [flags]",
                "Rebuilds the plan a .capture recorded (no optimizer run), feeds the recorded prompt and\n"
                "steps, and reports the time per step and whether every output matches: bitwise on the\n"
                "executor and device that recorded it, equal argmax ids and logits within tolerance on\n"
                "another. A capture made from another model file is refused (--force overrides).\n"
                "Exit status 1 when a step does not match; the first diverging step is named.");
  flags.Int("steps", &steps, "replay only the first N recorded steps; -1 = all");
  flags.Bool("json", &json, "print the report as JSON");
  flags.Bool("force", &force, "replay even if the model's data checksum differs from the recorded one");
  flags.Bool("capture", &capture, "replay through the captured plan (--no-capture: every step eager)");
  executor_flags.Register(flags, false);
  auto args = flags.Parse(argc, argv, 2);
  if (!args.ok()) return UsageError("replay", std::string(args.status().message()));
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (args->size() != 2) return UsageError("replay", "expects MODEL.graph and SESSION.capture");
  auto source = LoadModel((*args)[0], Ops());
  if (!source.ok()) return Fail(source.status());
  auto recorded = ReadCapture((*args)[1]);
  if (!recorded.ok()) return Fail(recorded.status());
  auto plan = LoadCapturePlan((*args)[1], *source, Ops(), force);
  if (!plan.ok()) return Fail(plan.status());
  if (executor_flags.executor.empty()) executor_flags.executor = recorded->executor;
  auto executor = executor_flags.Make();
  if (!executor.ok()) return Fail(executor.status());
  auto report = ReplayCapture(*recorded, std::make_shared<const Model>(std::move(*plan)), *executor,
                              {.max_steps = steps, .capture = capture});
  if (!report.ok()) return Fail(report.status());
  std::vector<double> times = report->step_seconds;
  std::sort(times.begin(), times.end());
  const double total = [&] {
    double t = 0;
    for (double s : times) t += s;
    return t;
  }();
  const double min = times.empty() ? 0 : times.front(), max = times.empty() ? 0 : times.back();
  const double median = times.empty() ? 0 : times[times.size() / 2];
  if (json) {
    nlohmann::ordered_json j;
    j["capture"] = (*args)[1];
    j["recorded_on"] = recorded->device;
    j["replayed_on"] = report->executor;
    j["comparison"] = report->same_executor ? "bitwise" : "tolerance";
    j["steps"] = report->steps;
    j["matched"] = report->matched;
    j["first_mismatch"] = report->first_mismatch;
    j["mismatch"] = report->mismatch;
    j["step_ms"] = {{"min", min * 1e3}, {"median", median * 1e3}, {"max", max * 1e3}};
    j["tokens_per_second"] = total > 0 ? report->steps / total : 0;
    j["host_us_per_step"] = report->host_seconds_per_step * 1e6;
    j["first_logits_nmse"] = report->first_logits_nmse;
    j["last_logits_nmse"] = report->last_logits_nmse;
    j["replays"] = report->counters.replays;
    j["eager_steps"] = report->counters.eager_steps;
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << absl::StrFormat("replayed %d of %d steps of %s on %s (recorded on %s)\n", report->steps,
                                 recorded->steps.size(), (*args)[1], report->executor, recorded->device);
    if (report->ok()) {
      std::cout << absl::StrFormat("outputs: all %d steps match %s\n", report->steps,
                                   report->same_executor ? "bitwise" : "(argmax ids equal, logits within tolerance)");
    } else {
      std::cout << absl::StrFormat("outputs: step %d diverges: %s (%d of %d steps matched)\n", report->first_mismatch,
                                   report->mismatch, report->matched, report->steps);
    }
    std::cout << absl::StrFormat("per step: min %.3f ms, median %.3f ms, max %.3f ms; %.1f tokens/s\n", min * 1e3,
                                 median * 1e3, max * 1e3, total > 0 ? report->steps / total : 0.0);
    std::cout << absl::StrFormat("host time per step before waiting on the device: %.2f us (%d replayed, %d eager)\n",
                                 report->host_seconds_per_step * 1e6, report->counters.replays,
                                 report->counters.eager_steps);
    if (!report->same_executor) {
      std::cout << absl::StrFormat("logits NMSE vs recorded: first step %.3g, last step %.3g\n", report->first_logits_nmse,
                                   report->last_logits_nmse);
    }
  }
  return report->ok() ? 0 : 1;
}

}  // namespace anvil::cli
