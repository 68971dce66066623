#include "base/dtype.h"

#include "absl/strings/str_cat.h"
#include "base/checked_math.h"

namespace anvil {

const char* DTypeName(DType dtype) {
  switch (dtype) {
    case DType::kF32: return "f32";
    case DType::kF16: return "f16";
    case DType::kBF16: return "bf16";
    case DType::kI32: return "i32";
    case DType::kI64: return "i64";
    case DType::kQ8_0: return "q8_0";
    case DType::kQ4_0: return "q4_0";
  }
  return "?";
}

std::optional<DType> DTypeFromName(absl::string_view name) {
  for (DType d : kAllDTypes) {
    if (DTypeName(d) == name) return d;
  }
  return std::nullopt;
}

bool IsQuantized(DType dtype) { return dtype == DType::kQ8_0 || dtype == DType::kQ4_0; }

bool IsFloat(DType dtype) {
  return dtype == DType::kF32 || dtype == DType::kF16 || dtype == DType::kBF16;
}

int BlockValues(DType dtype) { return IsQuantized(dtype) ? kQuantBlock : 1; }

int BlockBytes(DType dtype) {
  switch (dtype) {
    case DType::kF32: return 4;
    case DType::kF16: return 2;
    case DType::kBF16: return 2;
    case DType::kI32: return 4;
    case DType::kI64: return 8;
    case DType::kQ8_0: return kQ8_0BlockBytes;
    case DType::kQ4_0: return kQ4_0BlockBytes;
  }
  return 0;
}

absl::StatusOr<uint64_t> TensorBytes(DType dtype, const int64_t* dims, int rank) {
  uint64_t count = 1;
  for (int i = 0; i < rank; ++i) {
    if (dims[i] < 0) return absl::InvalidArgumentError(absl::StrCat("negative dim ", dims[i]));
    auto next = CheckedMul(count, static_cast<uint64_t>(dims[i]));
    if (!next) return absl::InvalidArgumentError("element count overflows 64 bits");
    count = *next;
  }
  const int block = BlockValues(dtype);
  if (block > 1) {
    const int64_t last = rank > 0 ? dims[rank - 1] : 1;
    if (last % block != 0) {
      return absl::InvalidArgumentError(absl::StrCat(DTypeName(dtype), " needs the last dim to be a multiple of ",
                                                     block, ", got ", last));
    }
  }
  auto bytes = CheckedMul(count / block, static_cast<uint64_t>(BlockBytes(dtype)));
  if (!bytes) return absl::InvalidArgumentError("byte size overflows 64 bits");
  return *bytes;
}

}  // namespace anvil
