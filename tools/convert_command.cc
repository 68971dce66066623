// anvil convert FORMAT INPUT -o OUTPUT: make a .graph (or .pbtxt) from another form of a model.
#include <iostream>

#include "absl/strings/match.h"
#include "base/progress.h"
#include "graph/model_io.h"
#include "models/importers/gguf.h"
#include "models/importers/hf.h"
#include "models/importers/llama2c.h"
#include "models/synthetic.h"
#include "ops/registry.h"
#include "tools/commands.h"
#include "tools/flags.h"

namespace anvil::cli {
namespace {

absl::Status WriteModel(const Model& model, const std::string& path) {
  if (absl::EndsWith(path, ".pbtxt")) return SaveModelText(model, path);
  Progress progress("writing " + path);
  return SaveModel(model, path, {.progress = progress.Callback()});
}

}  // namespace

int ConvertCommand(int argc, char** argv) {
  std::string output, tokenizer;
  FlagSet flags("anvil convert FORMAT INPUT -o OUTPUT [flags]",
                "Converts a model into an anvil .graph (or, if OUTPUT ends in .pbtxt, the text form).\n"
                "FORMAT:\n"
                "  hf       a Hugging Face folder: config.json, model.safetensors (or a sharded index),\n"
                "           tokenizer.json if present (llama, mistral, qwen2, qwen3; f32/f16/bf16)\n"
                "  gguf     a GGUF checkpoint (llama, mistral, qwen2, qwen3; f32/f16/bf16/q8_0/q4_0), vocab included\n"
                "  llama2c  a llama2.c checkpoint (.bin), with --tokenizer tokenizer.bin\n"
                "  pbtxt    an anvil model in either form (.pbtxt text or .graph); rewrites it\n"
                "  synthetic  a preset name (tinyllama-1.1b, llama-3.2-1b, qwen3-0.6b, stories15m, stories260k):\n"
                "           seeded random weights at that model's shape, matmuls in --dtype (no tokenizer)\n"
                "Example: anvil convert llama2c stories260K.bin --tokenizer tok512.bin -o stories260K.graph");
  flags.String("output", &output, "the file to write (written atomically)", 'o');
  flags.String("tokenizer", &tokenizer, "llama2c: the tokenizer.bin that goes with the checkpoint");
  std::string dtype_name = "f32";
  int64_t seed = 1;
  flags.String("dtype", &dtype_name, "synthetic: matmul weight dtype (f32, f16, bf16, q8_0, q4_0)");
  flags.Int("seed", &seed, "synthetic: random seed");
  auto args = flags.Parse(argc, argv, 2);
  if (!args.ok()) return UsageError("convert", std::string(args.status().message()));
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (args->size() != 2) return UsageError("convert", "expects FORMAT and INPUT");
  if (output.empty()) return UsageError("convert", "-o OUTPUT is required");
  const std::string& format = (*args)[0];
  const std::string& input = (*args)[1];
  if (format == "gguf" || format == "hf") {
    auto model = format == "gguf" ? ImportGguf(input) : ImportHf(input);
    if (!model.ok()) return Fail(model.status());
    if (absl::Status s = WriteModel(*model, output); !s.ok()) return Fail(s);
    std::cerr << "wrote " << output << "\n";
    return 0;
  }
  if (format == "llama2c") {
    if (tokenizer.empty()) return UsageError("convert", "llama2c needs --tokenizer tokenizer.bin");
    auto model = ImportLlama2c(input, tokenizer);
    if (!model.ok()) return Fail(model.status());
    if (absl::Status s = WriteModel(*model, output); !s.ok()) return Fail(s);
    std::cerr << "wrote " << output << "\n";
    return 0;
  }
  if (format == "pbtxt") {
    auto model = LoadModel(input, Ops());
    if (!model.ok()) return Fail(model.status());
    if (absl::Status s = WriteModel(*model, output); !s.ok()) return Fail(s);
    std::cerr << "wrote " << output << "\n";
    return 0;
  }
  if (format == "synthetic") {
    auto config = SyntheticPreset(input);
    if (!config.ok()) return Fail(config.status());
    const std::optional<DType> dtype = DTypeFromName(dtype_name);
    if (!dtype) return UsageError("convert", "unknown --dtype '" + dtype_name + "'");
    auto model = BuildSyntheticModel(*config, *dtype, static_cast<uint64_t>(seed));
    if (!model.ok()) return Fail(model.status());
    if (absl::Status s = WriteModel(*model, output); !s.ok()) return Fail(s);
    std::cerr << "wrote " << output << "\n";
    return 0;
  }
  return UsageError("convert", "unknown FORMAT '" + format + "' (known: gguf, hf, llama2c, pbtxt, synthetic)");
}

}  // namespace anvil::cli
