// Fuzzes the text form of anvil models: protobuf text parsing, proto -> IR conversion and the
// verifier, through ParseModelText (what LoadModel runs for a `.pbtxt` file).
#include <cstddef>
#include <cstdint>

#include "graph/model_io.h"
#include "ops/registry.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto model = anvil::ParseModelText(anvil::fuzz::AsView(data, size), "fuzz.pbtxt", anvil::Ops());
  anvil::fuzz::CheckErrorNamesFile(model.status(), "fuzz.pbtxt");
  return 0;
}
