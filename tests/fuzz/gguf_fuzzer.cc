// Fuzzes GGUF import (`anvil convert gguf`): header, metadata, tensor infos, vocabulary and the
// Llama-family builder, through ImportGguf. An input is a whole .gguf file.
#include <cstddef>
#include <cstdint>

#include "models/importers/gguf.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = anvil::fuzz::WriteScratchFile("input.gguf", anvil::fuzz::AsView(data, size));
  auto model = anvil::ImportGguf(path);
  anvil::fuzz::CheckErrorNamesFile(model.status(), path);
  return 0;
}
