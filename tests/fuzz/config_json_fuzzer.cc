// Fuzzes Hugging Face config.json reading (`anvil convert hf`): JSON, field types, rope_scaling,
// special ids and the Llama-family config checks, through ReadHfConfig.
#include <cstddef>
#include <cstdint>
#include <string>

#include "models/importers/hf.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto config = anvil::ReadHfConfig(std::string(anvil::fuzz::AsView(data, size)), "config.json");
  anvil::fuzz::CheckErrorNamesFile(config.status(), "config.json");
  return 0;
}
