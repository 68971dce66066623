// OpenBLAS loads at run time with kernels that match the CPU (not the SSE3 fallback an older
// OpenBLAS picks for CPUs newer than itself).
#include "executors/cpu/blas.h"

#include <cblas.h>

#include <cstdlib>
#include <string>

#include "gtest/gtest.h"
#include "hwy/targets.h"

namespace anvil::cpu {
namespace {

TEST(Blas, LoadsWithKernelsForThisCpu) {
  const bool user_chose = std::getenv("OPENBLAS_CORETYPE") != nullptr;
  auto blas = LoadBlas();
  ASSERT_TRUE(blas.ok()) << blas.status();
  const std::string core = (*blas)->get_corename();
  if (!user_chose && (hwy::SupportedTargets() & (HWY_AVX3 | HWY_AVX3_DL))) EXPECT_EQ(core, "SkylakeX");
  if (!user_chose && (hwy::SupportedTargets() & HWY_AVX2)) EXPECT_NE(core, "Prescott");
  EXPECT_NE(BlasDescription().find(core), std::string::npos);
  // One small product through the loaded function.
  const float a[2 * 3] = {1, 2, 3, 4, 5, 6}, b[2 * 3] = {1, 0, 1, 0, 1, 0};
  float c[2 * 2] = {};
  (*blas)->sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, 2, 2, 3, 1.0f, a, 3, b, 3, 0.0f, c, 2);
  EXPECT_EQ(c[0], 4);  // (1, 2, 3) . (1, 0, 1)
  EXPECT_EQ(c[1], 2);  // (1, 2, 3) . (0, 1, 0)
  EXPECT_EQ(c[2], 10);
  EXPECT_EQ(c[3], 5);
}

}  // namespace
}  // namespace anvil::cpu
