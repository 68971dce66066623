#include "base/dtype.h"

#include <cstdint>

#include "gtest/gtest.h"

namespace anvil {
namespace {

uint64_t Bytes(DType d, std::vector<int64_t> dims) {
  auto b = TensorBytes(d, dims.data(), static_cast<int>(dims.size()));
  EXPECT_TRUE(b.ok()) << b.status();
  return b.ok() ? *b : 0;
}

TEST(DTypeTest, NamesRoundTrip) {
  for (DType d : kAllDTypes) {
    auto back = DTypeFromName(DTypeName(d));
    ASSERT_TRUE(back.has_value()) << DTypeName(d);
    EXPECT_EQ(*back, d);
  }
  EXPECT_FALSE(DTypeFromName("f64").has_value());
}

TEST(DTypeTest, TensorBytesPerDType) {
  EXPECT_EQ(Bytes(DType::kF32, {64, 64}), 16384u);
  EXPECT_EQ(Bytes(DType::kF16, {3, 5}), 30u);
  EXPECT_EQ(Bytes(DType::kBF16, {7}), 14u);
  EXPECT_EQ(Bytes(DType::kI64, {2, 3}), 48u);
  EXPECT_EQ(Bytes(DType::kQ8_0, {4, 64}), 4u * 2 * 34);
  EXPECT_EQ(Bytes(DType::kQ4_0, {4, 64}), 4u * 2 * 18);
  EXPECT_EQ(Bytes(DType::kF32, {}), 4u);  // a scalar
}

TEST(DTypeTest, QuantizedNeedsBlockMultiple) {
  const int64_t dims[] = {4, 48};
  auto b = TensorBytes(DType::kQ8_0, dims, 2);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "q8_0 needs the last dim to be a multiple of 32, got 48");
}

TEST(DTypeTest, OverflowIsAnError) {
  const int64_t dims[] = {int64_t{1} << 40, int64_t{1} << 30};
  auto b = TensorBytes(DType::kF32, dims, 2);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().message(), "element count overflows 64 bits");
  const int64_t bytes_overflow[] = {int64_t{1} << 31, int64_t{1} << 31};
  auto c = TensorBytes(DType::kF32, bytes_overflow, 2);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().message(), "byte size overflows 64 bits");
}

}  // namespace
}  // namespace anvil
