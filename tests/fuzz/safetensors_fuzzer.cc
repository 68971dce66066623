// Fuzzes the safetensors reader (one file of `anvil convert hf`): header length, JSON header,
// dtypes, shapes and data offsets, through ReadSafetensors.
#include <cstddef>
#include <cstdint>

#include "models/importers/safetensors.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = anvil::fuzz::WriteScratchFile("model.safetensors", anvil::fuzz::AsView(data, size));
  auto file = anvil::ReadSafetensors(path);
  anvil::fuzz::CheckErrorNamesFile(file.status(), path);
  return 0;
}
