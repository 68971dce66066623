#include "base/crc32.h"

#include <zlib.h>

namespace anvil {

uint32_t Crc32Update(uint32_t crc, const uint8_t* data, uint64_t size) {
  return static_cast<uint32_t>(crc32_z(crc, data, size));
}

uint32_t Crc32(const uint8_t* data, uint64_t size) { return Crc32Update(0, data, size); }

}  // namespace anvil
