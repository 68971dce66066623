// Conversions between weight dtypes and f32, one row at a time. The scalar definitions here are
// the reference; executors' SIMD kernels are tested against them.
#pragma once

#include <cstdint>

#include "base/dtype.h"

namespace anvil {

// Writes `count` f32 values decoded from `row` (a row of a `dtype` tensor, `count` values long;
// for q8_0/q4_0 `count` is a multiple of 32). Integer dtypes convert exactly where f32 can.
void DequantizeRow(DType dtype, const void* row, int64_t count, float* out);

// Encodes `count` f32 values as `dtype` (f32, f16, bf16, q8_0, q4_0) with GGUF's reference
// rounding: q8_0 d = max|x|/127, q = round(x/d); q4_0 d = x_maxabs_signed / -8, q = clamp(round(x/d)+8).
void QuantizeRow(DType dtype, const float* values, int64_t count, void* out);

// Bytes of one row of `count` values.
int64_t RowBytes(DType dtype, int64_t count);

}  // namespace anvil
