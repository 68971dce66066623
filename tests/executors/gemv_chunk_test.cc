// How decode GEMVs are cut into work items (GemvChunkRows): by the matrix's size only.
#include "executors/cpu/kernels/gemv.h"
#include "gtest/gtest.h"

namespace anvil::cpu {
namespace {

TEST(GemvChunkRowsTest, TinyMatricesAreOneTaskOthersAboutAnEighthWithin64To256KiB) {
  // stories260K's gate/up (344 x 64 f32, 86 KiB) and its whole LM head (512 x 64, 128 KiB): one
  // task each, rounded up to whole units.
  EXPECT_GE(GemvChunkRows(344, 256, 4), 344);
  EXPECT_EQ(GemvChunkRows(344, 256, 4) % 4, 0);
  EXPECT_GE(GemvChunkRows(512, 256, 128), 512);
  EXPECT_EQ(GemvChunkRows(1024, 256, 4), 1024);  // exactly 256 KiB
  // Past 256 KiB a matrix splits: stories15m's 288 x 288 f32 (324 KiB) into 64 KiB items
  // (56 rows of 1152 bytes), tinyllama's 2048 x 2048 f16 into 256 KiB ones (64 rows).
  EXPECT_EQ(GemvChunkRows(288, 1152, 4), 56);
  EXPECT_EQ(GemvChunkRows(2048, 4096, 4), 64);
  // Mid-sized: an eighth of the rows.
  EXPECT_EQ(GemvChunkRows(1024, 1024, 4), 128);
}

}  // namespace
}  // namespace anvil::cpu
