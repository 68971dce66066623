// AlignedBuffer and ScratchVector: alignment, zeroing (AlignedBuffer only), and the huge-page
// path for big buffers, which allocates and frees through aligned operator new/delete (the
// sanitizer build checks the pairing).
#include <cstdint>
#include <numeric>

#include "base/aligned_buffer.h"
#include "base/scratch_vector.h"
#include "gtest/gtest.h"

namespace anvil {
namespace {

bool AlignedTo(const void* p, size_t alignment) { return reinterpret_cast<uintptr_t>(p) % alignment == 0; }

TEST(AlignedBufferTest, SmallAndHugeBuffersAreAlignedAndZeroed) {
  for (size_t size : {size_t{1}, size_t{4096}, kHugePageBytes, kHugePageBytes * 3 + 5}) {
    AlignedBuffer buffer(size);
    ASSERT_TRUE(buffer.ok());
    EXPECT_EQ(buffer.size(), size);
    EXPECT_TRUE(AlignedTo(buffer.data(), size >= kHugePageBytes ? kHugePageBytes : AlignedBuffer::kAlignment));
    EXPECT_EQ(std::accumulate(buffer.data(), buffer.data() + size, 0), 0);
  }
}

TEST(ScratchVectorTest, BigBuffersTakeHugePagesAndGrowKeepingTheirValues) {
  const size_t small = 1000, big = kHugeScratchBytes / sizeof(float) + 7;
  ScratchVector<float> v(small);
  std::iota(v.begin(), v.end(), 0.0f);
  v.resize(big);  // from the plain allocator to the huge-page one
  EXPECT_TRUE(AlignedTo(v.data(), kHugePageBytes));
  for (size_t i = 0; i < small; ++i) ASSERT_EQ(v[i], static_cast<float>(i));
  v[big - 1] = 1.0f;
  v.resize(3 * big);  // huge to huge
  EXPECT_TRUE(AlignedTo(v.data(), kHugePageBytes));
  EXPECT_EQ(v[big - 1], 1.0f);
  v.resize(small);
  v.shrink_to_fit();  // back to the plain allocator
  EXPECT_EQ(v.size(), small);
  EXPECT_EQ(v[small - 1], static_cast<float>(small - 1));
}

}  // namespace
}  // namespace anvil
