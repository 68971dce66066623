#include "tools/pass_flags.h"

#include "absl/strings/str_join.h"
#include "base/status.h"
#include "graph/model_io.h"
#include "ops/registry.h"

namespace anvil::cli {

void PassFlags::Register(FlagSet& flags) {
  flags.OptionalString("passes", &passes_given, &passes,
                       "optimizer passes to run, comma-separated (default: " + absl::StrJoin(DefaultPassNames(), ",") + ")");
  flags.Bool("no-passes", &no_passes, "run the graph as written in the file");
  flags.Bool("verify-each", &verify_each, "verify the graph after every pass");
}

absl::StatusOr<PipelineOptions> PassFlags::Options() const {
  PipelineOptions options;
  options.verify_each = verify_each;
  if (no_passes && passes_given && !passes.empty()) {
    return absl::InvalidArgumentError("give --passes=LIST or --no-passes, not both");
  }
  if (no_passes) {
    options.passes.clear();
  } else if (passes_given && !passes.empty()) {
    ANVIL_ASSIGN_OR_RETURN(options.passes, ParsePassList(passes), "--passes");
  }
  return options;
}

absl::StatusOr<Model> LoadOptimized(const std::string& path, const PassFlags& flags, std::vector<PassReport>* reports) {
  ANVIL_ASSIGN_OR_RETURN(PipelineOptions options, flags.Options());
  ANVIL_ASSIGN_OR_RETURN(Model model, LoadModel(path, Ops()));
  ANVIL_ASSIGN_OR_RETURN(std::vector<PassReport> done, OptimizeModel(model, Ops(), options), path);
  if (reports != nullptr) *reports = std::move(done);
  return model;
}

}  // namespace anvil::cli
