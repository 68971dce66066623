#include "graph/passes/pipeline.h"

#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/strings/ascii.h"
#include "base/status.h"
#include "graph/passes/pass.h"
#include "graph/verifier.h"

namespace anvil {
namespace {

struct PassEntry {
  const char* name;
  std::unique_ptr<Pass> (*make)();
};

// Pipeline v1. Weight concatenation comes before the fusions that consume its split.
constexpr PassEntry kPasses[] = {
    {"concat_qkv", &MakeConcatQkvPass},
    {"concat_gate_up", &MakeConcatGateUpPass},
    {"fuse_add_rms_norm", &MakeFuseAddRmsNormPass},
    {"fuse_split_rope_kv_write", &MakeFuseSplitRopeKvWritePass},
    {"fuse_gate_up_swiglu", &MakeFuseGateUpSwigluPass},
    {"dead_code_elimination", &MakeDeadCodeEliminationPass},
    {"plan_memory", &MakePlanMemoryPass},
};

const PassEntry* FindPass(const std::string& name) {
  for (const PassEntry& e : kPasses) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

std::map<std::string, int64_t> Histogram(const Graph& g) {
  std::map<std::string, int64_t> h;
  for (NodeId n : g.order()) ++h[g.node(n).op];
  return h;
}

}  // namespace

const std::vector<std::string>& DefaultPassNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const PassEntry& e : kPasses) v.push_back(e.name);
    return v;
  }();
  return names;
}

absl::StatusOr<std::vector<std::string>> ParsePassList(const std::string& text) {
  std::vector<std::string> names;
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipWhitespace())) {
    std::string name(absl::StripAsciiWhitespace(part));
    if (FindPass(name) == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("unknown pass '", name, "' (known: ",
                                                     absl::StrJoin(DefaultPassNames(), ", "), ")"));
    }
    names.push_back(name);
  }
  return names;
}

absl::StatusOr<std::vector<PassReport>> OptimizeModel(Model& model, const OpRegistry& registry,
                                                      const PipelineOptions& options) {
  std::vector<PassReport> reports;
  const PassContext context{registry, model.config};
  for (const std::string& name : options.passes) {
    const PassEntry* entry = FindPass(name);
    if (entry == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown pass '", name, "'"));
    std::unique_ptr<Pass> pass = entry->make();
    PassReport report;
    report.pass = name;
    const std::map<std::string, int64_t> before = Histogram(model.graph);
    report.nodes_before = static_cast<int64_t>(model.graph.num_nodes());
    report.weights_before = static_cast<int64_t>(model.graph.initializers().size());
    ANVIL_ASSIGN_OR_RETURN(report.changed, pass->Run(model.graph, context), absl::StrCat("pass ", name));
    if (options.verify_each) ANVIL_RETURN_IF_ERROR(VerifyGraph(model.graph, registry), absl::StrCat("after pass ", name));
    report.nodes_after = static_cast<int64_t>(model.graph.num_nodes());
    report.weights_after = static_cast<int64_t>(model.graph.initializers().size());
    std::map<std::string, int64_t> after = Histogram(model.graph);
    for (const auto& [op, count] : before) {
      if (after[op] != count) report.op_delta[op] = after[op] - count;
    }
    for (const auto& [op, count] : after) {
      if (!before.count(op) && count != 0) report.op_delta[op] = count;
    }
    reports.push_back(std::move(report));
  }
  ANVIL_RETURN_IF_ERROR(VerifyGraph(model.graph, registry), "after the optimizer");
  return reports;
}

std::string FormatPassReport(const PassReport& r) {
  std::string out = absl::StrCat(r.pass, ": ", r.nodes_before, " -> ", r.nodes_after, " nodes");
  if (r.weights_after != r.weights_before) absl::StrAppend(&out, ", ", r.weights_before, " -> ", r.weights_after, " weights");
  if (!r.changed) return out + " (unchanged)";
  std::vector<std::string> deltas;
  for (const auto& [op, delta] : r.op_delta) deltas.push_back(absl::StrCat(op, " ", delta > 0 ? "+" : "", delta));
  if (!deltas.empty()) absl::StrAppend(&out, " (", absl::StrJoin(deltas, ", "), ")");
  return out;
}

}  // namespace anvil
