// anvil dump FILE: the graph as text, JSON or Graphviz DOT.
#include <iostream>

#include "graph/model_io.h"
#include "graph/printers.h"
#include "ops/registry.h"
#include "tools/commands.h"
#include "tools/flags.h"
#include "tools/pass_flags.h"

namespace anvil::cli {

int DumpCommand(int argc, char** argv) {
  std::string format = "text";
  int64_t layer = -1;
  PassFlags pass_flags;
  FlagSet flags("anvil dump FILE [flags]",
                "Prints every node of a model's graph with its op, inputs, outputs, shapes, dtypes\n"
                "and attributes, in graph order. Output is deterministic, for diffing. The graph is\n"
                "shown after the optimizer (--no-passes: as written in the file); --passes also\n"
                "prints what each pass changed (on stderr for json, dot and pbtxt).\n"
                "Render DOT with: anvil dump FILE --format dot --layer 0 | dot -Tsvg > layer0.svg");
  flags.String("format", &format, "text, json, dot, or pbtxt (the whole model in text form, weights inline)");
  flags.Int("layer", &layer, "only decoder layer N (nodes named blk.N.*); -1 = all", 0);
  pass_flags.Register(flags);
  auto args = flags.Parse(argc, argv, 2);
  if (!args.ok()) return UsageError("dump", std::string(args.status().message()));
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  if (args->size() != 1) return UsageError("dump", "expects exactly one FILE");
  if (format != "text" && format != "json" && format != "dot" && format != "pbtxt") {
    return UsageError("dump", "--format must be text, json, dot or pbtxt, got '" + format + "'");
  }
  std::vector<PassReport> reports;
  auto model = LoadOptimized((*args)[0], pass_flags, &reports);
  if (!model.ok()) return Fail(model.status());
  if (pass_flags.passes_given) {
    std::ostream& out = format == "text" ? std::cout : std::cerr;
    out << "passes:\n";
    for (const PassReport& r : reports) out << "  " << FormatPassReport(r) << "\n";
  }
  DumpOptions options;
  if (layer >= 0) {
    if (model->config.num_layers > 0 && layer >= model->config.num_layers) {
      return UsageError("dump", "--layer " + std::to_string(layer) + " is out of range: the model has " +
                                    std::to_string(model->config.num_layers) + " layers");
    }
    options.layer = layer;
  }
  if (format == "text") std::cout << DumpText(*model, options);
  if (format == "json") std::cout << DumpJson(*model, options);
  if (format == "dot") std::cout << DumpDot(*model, options);
  if (format == "pbtxt") std::cout << ModelToText(*model);
  return 0;
}

}  // namespace anvil::cli
