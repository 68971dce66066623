// Fuzzes the `.graph` loader: container header, ModelProto, proto -> IR conversion and the
// verifier, through LoadModel (what every command that opens a model runs first). An input is a
// whole file; a text-form input reaches the `.pbtxt` path the same way a misnamed file would.
#include <cstddef>
#include <cstdint>

#include "graph/model_io.h"
#include "ops/registry.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace anvil;
  const std::string path = fuzz::WriteScratchFile("input.graph", fuzz::AsView(data, size));
  auto model = LoadModel(path, Ops());
  fuzz::CheckErrorNamesFile(model.status(), path);
  if (model.ok()) {
    // What `anvil inspect --verify` does: every data byte read and checked against the CRC.
    LoadOptions options;
    options.verify_checksum = true;
    fuzz::CheckErrorNamesFile(LoadModel(path, Ops(), options).status(), path);
  }
  return 0;
}
