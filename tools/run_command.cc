// anvil run -m FILE -p PROMPT -n N: generate text. Text goes to stdout as it is generated; the
// timing summary goes to stderr.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "executors/session.h"
#include "graph/model_io.h"
#include "models/generate.h"
#include "models/tokenizer/tokenizer.h"
#include "ops/registry.h"
#include "tools/commands.h"
#include "tools/executor_flags.h"
#include "tools/flags.h"
#include "tools/pass_flags.h"
#include "tools/prompt.h"

namespace anvil::cli {

int RunCommand(int argc, char** argv) {
  std::string model_path, prompt, prompt_ids_text, dump_logits;
  int64_t max_tokens = 128, top_k = 40, seed = 0, context = 0;
  ExecutorFlags executor_flags;
  double temperature = 0.8, top_p = 0.95;
  bool print_ids = false, ignore_eos = false, capture = true, stats_flag = false;
  PassFlags pass_flags;
  FlagSet flags("anvil run -m FILE [-p PROMPT] [-n N] [flags]",
                "Generates text with a model. An empty prompt starts from BOS alone. The text streams to\n"
                "stdout; prefill and decode speed go to stderr.");
  flags.String("model", &model_path, "the model (.graph or .pbtxt)", 'm');
  flags.String("prompt", &prompt, "prompt text (BOS is prepended)", 'p');
  flags.Int("n-predict", &max_tokens, "tokens to generate", 'n');
  flags.Double("temp", &temperature, "sampling temperature; 0 = greedy");
  flags.Int("top-k", &top_k, "sample from the k most likely tokens; 0 = all");
  flags.Double("top-p", &top_p, "sample from the smallest set with probability > p; 1 = off");
  flags.Int("seed", &seed, "random seed; 0 = from the clock");
  flags.Int("ctx", &context, "KV-cache capacity in tokens; 0 = the model's max context", 'c');
  executor_flags.Register(flags, /*with_profile=*/true);
  flags.String("prompt-ids", &prompt_ids_text, "comma-separated token ids instead of -p (no BOS added)");
  flags.Bool("print-ids", &print_ids, "print generated token ids (space-separated) instead of text");
  flags.String("dump-logits", &dump_logits,
               "write every fed token's logits (f32 little-endian, one vocab-size row per token) to this file; "
               "the prompt is then fed one token per step");
  flags.Bool("ignore-eos", &ignore_eos, "keep generating past end-of-sequence tokens");
  flags.Bool("capture", &capture, "capture the decode step after a warm-up step and replay it (--no-capture: every step eager)");
  flags.Bool("stats", &stats_flag, "print session counters: captures, replays, eager steps, host time per decode step");
  pass_flags.Register(flags);
  auto args = flags.Parse(argc, argv, 2);
  if (!args.ok()) return UsageError("run", std::string(args.status().message()));
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (!args->empty()) return UsageError("run", "unexpected argument '" + (*args)[0] + "'");
  if (model_path.empty()) return UsageError("run", "-m FILE is required");
  if (max_tokens < 0) return UsageError("run", "-n must be >= 0");

  const auto load_start = std::chrono::steady_clock::now();
  auto loaded = LoadOptimized(model_path, pass_flags);
  if (!loaded.ok()) return Fail(loaded.status());
  auto model = std::make_shared<const Model>(std::move(*loaded));

  std::unique_ptr<Tokenizer> tokenizer;
  if (model->tokenizer) {
    auto t = CreateTokenizer(*model->tokenizer);
    if (!t.ok()) return Fail(t.status());
    tokenizer = std::move(*t);
  }
  auto resolved = ResolvePrompt(*model, prompt, prompt_ids_text);
  if (!resolved.ok()) return Fail(resolved.status());
  const std::vector<int32_t> prompt_ids = std::move(*resolved);

  auto executor = executor_flags.Make();
  if (!executor.ok()) return Fail(executor.status());
  SessionOptions session_options;
  session_options.capacity = context;
  session_options.capture = capture;
  auto session = Session::Create(model, *executor, session_options);
  if (!session.ok()) return Fail(session.status());
  // Load time, as llama.cpp reports it apart from the prompt's: reading and checking the file,
  // the optimizer passes, the executor and the decode plan's one-time work (repacked weights,
  // Vulkan recording).
  if (absl::Status prepared = (*session)->Prepare(); !prepared.ok()) return Fail(prepared);
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();

  std::ofstream logits_file;
  if (!dump_logits.empty()) {
    logits_file.open(dump_logits, std::ios::binary | std::ios::trunc);
    if (!logits_file) return Fail(absl::PermissionDeniedError("cannot write " + dump_logits));
  }

  GenerateOptions options;
  options.max_tokens = max_tokens;
  options.sampler.temperature = static_cast<float>(temperature);
  options.sampler.top_k = top_k;
  options.sampler.top_p = static_cast<float>(top_p);
  options.sampler.seed = static_cast<uint64_t>(seed);
  if (!ignore_eos) options.stop_ids = model->config.eos_ids;
  options.prompt_one_by_one = !dump_logits.empty();
  int32_t previous = prompt_ids.back();
  bool first_id = true;
  options.on_token = [&](int32_t id) {
    if (print_ids) {
      std::printf(first_id ? "%d" : " %d", id);
      first_id = false;
    } else if (tokenizer != nullptr) {
      const std::string piece = tokenizer->Decode(previous, id);
      if (IsDisplayable(piece)) std::fwrite(piece.data(), 1, piece.size(), stdout);
    }
    previous = id;
    std::fflush(stdout);
  };
  if (logits_file.is_open()) {
    options.on_logits = [&](int32_t, absl::Span<const float> logits) {
      logits_file.write(reinterpret_cast<const char*>(logits.data()), static_cast<std::streamsize>(logits.size() * 4));
    };
  }
  // Echo the prompt the way it reads (llama.cpp does the same), then stream the continuation.
  options.on_prompt_done = [&] {
    if (print_ids || tokenizer == nullptr) return;
    int32_t before = -1;
    for (int32_t id : prompt_ids) {
      const std::string piece = tokenizer->Decode(before, id);
      if (IsDisplayable(piece)) std::fwrite(piece.data(), 1, piece.size(), stdout);
      before = id;
    }
  };
  auto stats = Generate(**session, prompt_ids, options);
  if (!stats.ok()) return Fail(stats.status());
  std::printf("\n");
  std::fflush(stdout);
  if (logits_file.is_open()) {
    logits_file.close();
    if (!logits_file) return Fail(absl::DataLossError("writing " + dump_logits + " failed"));
  }
  const int64_t decoded = std::max<int64_t>(stats->generated_tokens - 1, 0);
  std::fprintf(stderr, "load:    %.2f ms (file, optimizer passes, executor, decode plan)\n", load_seconds * 1e3);
  std::fprintf(stderr, "prefill: %lld tokens in %.2f ms (%.1f tokens/s)\n", static_cast<long long>(stats->prompt_tokens),
               stats->prefill_seconds * 1e3, stats->prompt_tokens / std::max(stats->prefill_seconds, 1e-9));
  std::fprintf(stderr, "decode:  %lld tokens in %.2f ms (%.1f tokens/s)\n", static_cast<long long>(decoded),
               stats->decode_seconds * 1e3, decoded / std::max(stats->decode_seconds, 1e-9));
  if (stats_flag) {
    const SessionCounters& n = (*session)->counters();
    std::fprintf(stderr, "stats: %lld captures, %lld replays, %lld eager steps, %lld invalidations\n",
                 static_cast<long long>(n.captures), static_cast<long long>(n.replays),
                 static_cast<long long>(n.eager_steps), static_cast<long long>(n.invalidations));
    if (n.replays > 0) {
      std::fprintf(stderr, "stats: host time per replayed decode step %.2f us\n", 1e6 * n.replay_host_seconds / n.replays);
    }
    if (n.eager_decode_steps > 0) {
      std::fprintf(stderr, "stats: host time per eager decode step %.2f us\n",
                   1e6 * n.eager_decode_host_seconds / n.eager_decode_steps);
    }
  }
  if (executor_flags.profile) PrintProfile((*session)->Timings(), stats->prefill_seconds + stats->decode_seconds);
  if (stats->stopped_at_capacity) {
    std::fprintf(stderr, "stopped: the KV cache is full (%lld tokens); raise --ctx\n",
                 static_cast<long long>((*session)->capacity()));
  }
  return 0;
}

}  // namespace anvil::cli
