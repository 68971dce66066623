// anvil bench: prompt-processing (pp) and token-generation (tg) speed in the shape of
// llama-bench. Each test runs once to warm up and then -r times on a fresh KV cache:
//   ppN  one prefill step of N random token ids at position 0;
//   tgN  N decode steps of one random token id each, from position 0.
// Against a read-bandwidth probe, tg rows report the weight bytes streamed per second; pp rows
// report the effective GFLOP/s of the prompt step (the op costs `anvil inspect` uses).
#include <chrono>
#include <iostream>
#include <random>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "base/status.h"
#include "executors/cpu/blas.h"
#include "executors/cpu/cpu_executor.h"
#include "executors/cpu/simd/gemm_amx.h"
#include "executors/cpu/simd/simd.h"
#include "executors/session.h"
#include "graph/model_stats.h"
#include "models/synthetic.h"
#include "ops/registry.h"
#include "tools/bench_report.h"
#include "tools/commands.h"
#include "tools/executor_flags.h"
#include "tools/flags.h"
#include "tools/pass_flags.h"

namespace anvil::cli {
namespace {

struct BenchOptions {
  std::vector<int64_t> prompts, gens, threads;
  std::vector<std::string> executors;
  int64_t reps = 5;
  int64_t device = -1;
  uint64_t seed = 1;
};

std::vector<std::string> SplitList(const std::string& text) {
  return absl::StrSplit(text, ',', absl::SkipEmpty());
}

// The dtype most weight bytes are stored in: what the model "is" (f32, q4_0, ...).
std::string MainDType(const Model& model) {
  std::map<DType, uint64_t> bytes;
  for (ValueId id : model.graph.initializers()) bytes[model.graph.value(id).type.dtype] += model.graph.value(id).data.size();
  DType best = DType::kF32;
  uint64_t most = 0;
  for (const auto& [dtype, n] : bytes) {
    if (n > most) best = dtype, most = n;
  }
  return DTypeName(best);
}

// Seconds of one timed run of a test on a fresh KV cache.
absl::StatusOr<double> RunOnce(Session& session, int64_t n_prompt, int64_t n_gen, std::mt19937_64& rng) {
  std::uniform_int_distribution<int32_t> token(0, static_cast<int32_t>(session.model().config.vocab_size - 1));
  session.Reset();
  std::vector<int32_t> ids(std::max(n_prompt, n_gen));
  for (int32_t& id : ids) id = token(rng);
  const auto start = std::chrono::steady_clock::now();
  if (n_prompt > 0) {
    ANVIL_RETURN_IF_ERROR(session.Prefill(ids).status());
  } else {
    for (int64_t i = 0; i < n_gen; ++i) ANVIL_RETURN_IF_ERROR(session.Decode(ids[i]).status());
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

absl::StatusOr<std::shared_ptr<Executor>> MakeExecutor(const std::string& name, int threads, int64_t device) {
  ExecutorFlags flags;
  flags.executor = name;
  flags.threads = threads;
  flags.device = device;
  return flags.Make();
}

// Runs every test of `options` on `model` and appends the rows.
absl::Status BenchModel(const std::string& label, std::shared_ptr<const Model> model, const BenchOptions& options,
                        BenchReport& report) {
  const std::string dtype = MainDType(*model);
  int64_t params = 0;
  uint64_t weight_bytes = 0;
  for (ValueId id : model->graph.initializers()) {
    int64_t count = 1;
    for (const Dim& d : model->graph.value(id).type.shape) count *= d.size;
    params += count;
    weight_bytes += model->graph.value(id).data.size();
  }
  int64_t capacity = 1;
  for (int64_t n : options.prompts) capacity = std::max(capacity, n);
  for (int64_t n : options.gens) capacity = std::max(capacity, n);
  ANVIL_ASSIGN_OR_RETURN(OpCost decode_cost, ComputeStepCost(*model, Ops(), 1, 0, capacity));
  std::mt19937_64 rng(options.seed);
  for (const std::string& executor_name : options.executors) {
    const bool cpu = executor_name == "cpu";
    for (int64_t threads : cpu ? options.threads : std::vector<int64_t>{0}) {
      ANVIL_ASSIGN_OR_RETURN(auto executor, MakeExecutor(executor_name, static_cast<int>(threads), options.device));
      SessionOptions session_options;
      session_options.capacity = capacity;
      ANVIL_ASSIGN_OR_RETURN(auto session, Session::Create(model, executor, session_options));
      double probe = 0;
      for (const ReadBandwidth& p : report.probes) {
        if (cpu && p.threads == threads) probe = p.bytes_per_second;
      }
      std::vector<std::pair<int64_t, int64_t>> tests;  // (n_prompt, n_gen)
      for (int64_t n : options.prompts) tests.emplace_back(n, 0);
      for (int64_t n : options.gens) tests.emplace_back(0, n);
      for (const auto& [n_prompt, n_gen] : tests) {
        BenchRow row{label, dtype, weight_bytes, params, executor_name, static_cast<int>(threads), n_prompt, n_gen};
        std::cerr << "bench: " << label << " " << dtype << " " << executor_name
                  << (cpu ? absl::StrCat(" t=", threads) : "") << " " << row.test() << "\n";
        ANVIL_RETURN_IF_ERROR(RunOnce(*session, n_prompt, n_gen, rng).status(), "warm-up");
        for (int64_t r = 0; r < options.reps; ++r) {
          ANVIL_ASSIGN_OR_RETURN(double seconds, RunOnce(*session, n_prompt, n_gen, rng), row.test());
          row.samples_ts.push_back((n_prompt + n_gen) / seconds);
        }
        if (n_prompt > 0) {
          ANVIL_ASSIGN_OR_RETURN(OpCost cost, ComputeStepCost(*model, Ops(), n_prompt, 0, capacity));
          row.flops = cost.flops;
        }
        row.weight_bytes_per_token = decode_cost.weight_bytes;
        row.probe_bytes_per_second = probe;
        report.rows.push_back(std::move(row));
      }
    }
  }
  return absl::OkStatus();
}

}  // namespace

int BenchCommand(int argc, char** argv) {
  std::string models_text, synthetic_text, dtypes_text = "f32", prompts_text = "512", gens_text = "128";
  std::string threads_text = absl::StrCat(std::max(1u, std::thread::hardware_concurrency()));
  std::string executors_text = "cpu", output = "md";
  int64_t reps = 5, probe_mib = 1024, device = -1, seed = 1;
  bool json = false, probe = true;
  PassFlags pass_flags;
  FlagSet flags("anvil bench (-m FILE | --synthetic PRESET) [-p 512] [-n 128] [-t THREADS] [-r 5] [flags]",
                "Measures prompt processing (ppN: one prefill step of N tokens) and token generation (tgN: N\n"
                "decode steps) like llama-bench; every list flag takes comma-separated values and every\n"
                "combination runs. Prints a markdown table (or JSON) with tokens/s as mean ± stddev over -r runs;\n"
                "tg rows add the weight bytes read per second and their share of the machine's read bandwidth\n"
                "(measured first by a streaming probe), pp rows the effective GFLOP/s.\n"
                "Synthetic presets (seeded random weights at a real model's shape): " +
                    absl::StrJoin(SyntheticPresetNames(), ", "));
  flags.String("model", &models_text, "model files (.graph or .pbtxt), comma-separated", 'm');
  flags.String("synthetic", &synthetic_text, "synthetic presets instead of files, comma-separated");
  flags.String("dtype", &dtypes_text, "synthetic weight dtypes: f32, f16, bf16, q8_0, q4_0 (comma-separated)");
  flags.String("n-prompt", &prompts_text, "prompt lengths for pp tests (0 or empty: none)", 'p');
  flags.String("n-gen", &gens_text, "generated token counts for tg tests (0 or empty: none)", 'n');
  flags.String("threads", &threads_text, "CPU thread counts (0 = every hardware thread)", 't');
  flags.Int("repetitions", &reps, "timed runs per test (after one warm-up run)", 'r');
  flags.String("executor", &executors_text, "executors: cpu, vulkan (comma-separated)");
  flags.Int("device", &device, "Vulkan device index; -1 = the best one");
  flags.String("output", &output, "md or json", 'o');
  flags.Bool("json", &json, "same as -o json");
  flags.Bool("probe", &probe, "measure the read bandwidth first (--no-probe: skip)");
  flags.Int("probe-mib", &probe_mib, "MiB the bandwidth probe streams through");
  flags.Int("seed", &seed, "seed for synthetic weights and random token ids");
  pass_flags.Register(flags);
  auto args = flags.Parse(argc, argv, 2);
  if (!args.ok()) return UsageError("bench", std::string(args.status().message()));
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (!args->empty()) return UsageError("bench", "unexpected argument '" + (*args)[0] + "'");
  if (models_text.empty() == synthetic_text.empty()) return UsageError("bench", "give either -m FILE or --synthetic PRESET");
  if (json) output = "json";
  if (output != "md" && output != "json") return UsageError("bench", "-o must be md or json, got '" + output + "'");
  if (reps < 1) return UsageError("bench", "-r must be >= 1");
  if (probe_mib < 1) return UsageError("bench", "--probe-mib must be >= 1");

  BenchOptions options;
  options.reps = reps;
  options.device = device;
  options.seed = static_cast<uint64_t>(seed);
  options.executors = SplitList(executors_text);
  for (const auto& [text, target, name] : {std::tuple{&prompts_text, &options.prompts, "-p"},
                                           std::tuple{&gens_text, &options.gens, "-n"},
                                           std::tuple{&threads_text, &options.threads, "-t"}}) {
    auto values = ParseIntList(*text);
    if (!values.ok()) return UsageError("bench", absl::StrCat(name, ": ", values.status().message()));
    // -p/-n 0: no such test; -t 0: every hardware thread (as `anvil run -t 0`), shown as the count.
    for (int64_t v : *values) {
      if (v < 0) return UsageError("bench", absl::StrCat(name, " values must be >= 0"));
      if (target == &options.threads) v = CpuThreads(static_cast<int>(v));
      if (v > 0) target->push_back(v);
    }
  }
  if (options.prompts.empty() && options.gens.empty()) return UsageError("bench", "no tests: -p and -n are both empty");
  if (options.threads.empty()) return UsageError("bench", "-t needs at least one thread count");
  for (const std::string& e : options.executors) {
    if (e != "cpu" && e != "vulkan") return UsageError("bench", "--executor must be cpu or vulkan, got '" + e + "'");
  }
  std::vector<DType> dtypes;
  for (const std::string& name : SplitList(dtypes_text)) {
    const std::optional<DType> dtype = DTypeFromName(name);
    if (!dtype) return UsageError("bench", "unknown --dtype '" + name + "'");
    dtypes.push_back(*dtype);
  }
  auto pipeline = pass_flags.Options();
  if (!pipeline.ok()) return UsageError("bench", std::string(pipeline.status().message()));

  BenchReport report;
  report.simd_target = cpu::SimdTargetName() + (cpu::HasGemmAmx() ? " + AMX-BF16 (f16/bf16 prefill)" : "");
  report.blas = cpu::BlasDescription();
  if (probe && std::find(options.executors.begin(), options.executors.end(), "cpu") != options.executors.end()) {
    for (int64_t threads : options.threads) {
      std::cerr << "bench: probing read bandwidth with " << threads << " threads\n";
      auto bandwidth = ProbeReadBandwidth(static_cast<int>(threads), probe_mib << 20);
      if (!bandwidth.ok()) return Fail(bandwidth.status());
      report.probes.push_back(*bandwidth);
    }
  }
  for (const std::string& path : SplitList(models_text)) {
    const auto start = std::chrono::steady_clock::now();
    auto model = LoadOptimized(path, pass_flags);
    if (!model.ok()) return Fail(model.status());
    report.loads.emplace_back(path, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    absl::Status s = BenchModel(path.substr(path.find_last_of('/') + 1), std::make_shared<const Model>(std::move(*model)),
                                options, report);
    if (!s.ok()) return Fail(s);
  }
  for (const std::string& preset : SplitList(synthetic_text)) {
    auto config = SyntheticPreset(preset);
    if (!config.ok()) return Fail(config.status());
    for (DType dtype : dtypes) {
      std::cerr << "bench: building synthetic " << preset << " " << DTypeName(dtype) << "\n";
      auto model = BuildSyntheticModel(*config, dtype, options.seed);
      if (!model.ok()) return Fail(model.status());
      if (auto done = OptimizeModel(*model, Ops(), *pipeline); !done.ok()) return Fail(done.status());
      absl::Status s = BenchModel(preset, std::make_shared<const Model>(std::move(*model)), options, report);
      if (!s.ok()) return Fail(s);
    }
  }
  std::cout << (output == "json" ? FormatJson(report) : FormatMarkdown(report));
  return 0;
}

}  // namespace anvil::cli
