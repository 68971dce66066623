// Fuzzes `.capture` files (`anvil replay`, `anvil inspect`): ReadCapture, then LoadCapturePlan
// rebuilding the recorded plan against a fixed source model (inputs.h CaptureSourceModel, the
// model the capture seeds were recorded from) -- its tensors as ranges of the source's data.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "graph/capture.h"
#include "graph/model_io.h"
#include "ops/registry.h"
#include "tests/fuzz/fuzz_util.h"
#include "tests/fuzz/inputs.h"

namespace {

const anvil::Model& Source() {
  static const anvil::Model* source = [] {
    auto model = anvil::fuzz::CaptureSourceModel();
    const std::string path = anvil::fuzz::ScratchDir() + "/capture_source.graph";
    absl::Status saved = model.ok() ? anvil::SaveModel(*model, path) : model.status();
    auto loaded = saved.ok() ? anvil::LoadModel(path, anvil::Ops()) : absl::StatusOr<anvil::Model>(saved);
    if (!loaded.ok()) {
      std::fprintf(stderr, "capture fuzzer: cannot make the source model: %s\n", loaded.status().ToString().c_str());
      std::abort();
    }
    return new anvil::Model(std::move(*loaded));
  }();
  return *source;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace anvil;
  const Model& source = Source();
  const std::string path = fuzz::WriteScratchFile("input.capture", fuzz::AsView(data, size));
  auto capture = ReadCapture(path);
  fuzz::CheckErrorNamesFile(capture.status(), path);
  if (!capture.ok()) return 0;
  auto plan = LoadCapturePlan(path, source, Ops(), /*force=*/false);
  fuzz::CheckErrorNamesFile(plan.status(), path);
  if (absl::IsFailedPrecondition(plan.status())) {  // recorded with another model: --force
    fuzz::CheckErrorNamesFile(LoadCapturePlan(path, source, Ops(), /*force=*/true).status(), path);
  }
  return 0;
}
