// Element types of anvil tensors, including GGUF's block-quantized layouts.
//
// q8_0: blocks of 32 values = f16 scale d + 32 int8 q; value = d * q.            (34 bytes)
// q4_0: blocks of 32 values = f16 scale d + 16 bytes; byte j holds value j in its low nibble and
//       value j+16 in its high nibble; value = d * (nibble - 8).                  (18 bytes)
// Quantized tensors are blocked along their last (contiguous) axis, which must be a multiple of 32.
#pragma once

#include <cstdint>
#include <optional>
#include "absl/strings/string_view.h"

#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"

namespace anvil {

enum class DType : uint8_t { kF32, kF16, kBF16, kI32, kI64, kQ8_0, kQ4_0 };

inline constexpr DType kAllDTypes[] = {DType::kF32, DType::kF16,  DType::kBF16, DType::kI32,
                                       DType::kI64, DType::kQ8_0, DType::kQ4_0};

inline constexpr int kQuantBlock = 32;  // values per q8_0 / q4_0 block
inline constexpr int kQ8_0BlockBytes = 34;
inline constexpr int kQ4_0BlockBytes = 18;

const char* DTypeName(DType dtype);  // "f32", "q8_0", ...
std::optional<DType> DTypeFromName(absl::string_view name);

bool IsQuantized(DType dtype);
bool IsFloat(DType dtype);  // f32, f16, bf16 (not quantized)

// Values per storage block (1, or 32 for quantized types) and bytes per block.
int BlockValues(DType dtype);
int BlockBytes(DType dtype);

// Bytes for a row-major tensor of `dtype` with the given dims. Errors on overflow and on a
// quantized tensor whose last dim is not a multiple of the block size. A scalar (no dims) holds
// one value.
absl::StatusOr<uint64_t> TensorBytes(DType dtype, const int64_t* dims, int rank);

}  // namespace anvil
