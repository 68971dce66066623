#include "base/progress.h"

#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace anvil {
namespace {

std::string Drawn(bool enabled) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  {
    Progress progress("writing x.graph", out, enabled);
    progress.Update(0, 3u << 30);
    progress.Update(3u << 30, 3u << 30);
  }
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  return text;
}

TEST(ProgressTest, DrawsOnlyWhenEnabledAndClearsItsLine) {
  const std::string drawn = Drawn(true);
  EXPECT_NE(drawn.find("writing x.graph   0%  0 B of 3.00 GiB"), std::string::npos) << drawn;
  EXPECT_NE(drawn.find("writing x.graph 100%  3.00 GiB of 3.00 GiB"), std::string::npos) << drawn;
  EXPECT_EQ(drawn.substr(drawn.size() - 4), "\r\033[K");
  EXPECT_EQ(Drawn(false), "");  // stderr is not a terminal: nothing at all
}

}  // namespace
}  // namespace anvil
