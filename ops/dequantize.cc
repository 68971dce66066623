#include "ops/dequantize.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/half.h"

namespace anvil {

int64_t RowBytes(DType dtype, int64_t count) {
  return count / BlockValues(dtype) * BlockBytes(dtype);
}

void DequantizeRow(DType dtype, const void* row, int64_t count, float* out) {
  const uint8_t* bytes = static_cast<const uint8_t*>(row);
  switch (dtype) {
    case DType::kF32: std::memcpy(out, bytes, count * 4); return;
    case DType::kF16:
      for (int64_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes + 2 * i, 2);
        out[i] = F16ToF32(h);
      }
      return;
    case DType::kBF16:
      for (int64_t i = 0; i < count; ++i) {
        uint16_t h;
        std::memcpy(&h, bytes + 2 * i, 2);
        out[i] = BF16ToF32(h);
      }
      return;
    case DType::kI32:
      for (int64_t i = 0; i < count; ++i) {
        int32_t v;
        std::memcpy(&v, bytes + 4 * i, 4);
        out[i] = static_cast<float>(v);
      }
      return;
    case DType::kI64:
      for (int64_t i = 0; i < count; ++i) {
        int64_t v;
        std::memcpy(&v, bytes + 8 * i, 8);
        out[i] = static_cast<float>(v);
      }
      return;
    case DType::kQ8_0:
      for (int64_t b = 0; b < count / kQuantBlock; ++b) {
        const uint8_t* block = bytes + b * kQ8_0BlockBytes;
        uint16_t h;
        std::memcpy(&h, block, 2);
        const float d = F16ToF32(h);
        const int8_t* q = reinterpret_cast<const int8_t*>(block + 2);
        for (int j = 0; j < kQuantBlock; ++j) out[b * kQuantBlock + j] = d * q[j];
      }
      return;
    case DType::kQ4_0:
      for (int64_t b = 0; b < count / kQuantBlock; ++b) {
        const uint8_t* block = bytes + b * kQ4_0BlockBytes;
        uint16_t h;
        std::memcpy(&h, block, 2);
        const float d = F16ToF32(h);
        const uint8_t* q = block + 2;
        for (int j = 0; j < kQuantBlock / 2; ++j) {
          out[b * kQuantBlock + j] = d * ((q[j] & 0x0f) - 8);
          out[b * kQuantBlock + j + kQuantBlock / 2] = d * ((q[j] >> 4) - 8);
        }
      }
      return;
  }
}

void QuantizeRow(DType dtype, const float* values, int64_t count, void* out) {
  uint8_t* bytes = static_cast<uint8_t*>(out);
  switch (dtype) {
    case DType::kF32: std::memcpy(bytes, values, count * 4); return;
    case DType::kF16:
      for (int64_t i = 0; i < count; ++i) {
        const uint16_t h = F32ToF16(values[i]);
        std::memcpy(bytes + 2 * i, &h, 2);
      }
      return;
    case DType::kBF16:
      for (int64_t i = 0; i < count; ++i) {
        const uint16_t h = F32ToBF16(values[i]);
        std::memcpy(bytes + 2 * i, &h, 2);
      }
      return;
    case DType::kQ8_0:
      for (int64_t b = 0; b < count / kQuantBlock; ++b) {
        const float* x = values + b * kQuantBlock;
        float amax = 0;
        for (int j = 0; j < kQuantBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        uint8_t* block = bytes + b * kQ8_0BlockBytes;
        const uint16_t h = F32ToF16(d);
        std::memcpy(block, &h, 2);
        for (int j = 0; j < kQuantBlock; ++j) {
          block[2 + j] = static_cast<uint8_t>(static_cast<int8_t>(std::lround(x[j] * id)));
        }
      }
      return;
    case DType::kQ4_0:
      for (int64_t b = 0; b < count / kQuantBlock; ++b) {
        const float* x = values + b * kQuantBlock;
        float amax = 0, max = 0;
        for (int j = 0; j < kQuantBlock; ++j) {
          if (std::fabs(x[j]) > amax) {
            amax = std::fabs(x[j]);
            max = x[j];
          }
        }
        const float d = max / -8.0f;
        const float id = d != 0 ? 1.0f / d : 0.0f;
        uint8_t* block = bytes + b * kQ4_0BlockBytes;
        const uint16_t h = F32ToF16(d);
        std::memcpy(block, &h, 2);
        for (int j = 0; j < kQuantBlock / 2; ++j) {
          const int lo = std::min(15, static_cast<int>(x[j] * id + 8.5f));
          const int hi = std::min(15, static_cast<int>(x[j + kQuantBlock / 2] * id + 8.5f));
          block[2 + j] = static_cast<uint8_t>(lo | (hi << 4));
        }
      }
      return;
    case DType::kI32:
    case DType::kI64: return;  // not weight encodings
  }
}

}  // namespace anvil
