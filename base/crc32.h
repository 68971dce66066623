// CRC32 (zlib) of a byte range.
#pragma once

#include <cstdint>

namespace anvil {

uint32_t Crc32(const uint8_t* data, uint64_t size);
// Continues a running CRC32 (start with 0).
uint32_t Crc32Update(uint32_t crc, const uint8_t* data, uint64_t size);

}  // namespace anvil
