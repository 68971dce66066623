#include "base/mapped_file.h"

#include <filesystem>

#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::ReadFile;
using ::anvil::testing::TempDir;

TEST(MappedFileTest, MapsContents) {
  const std::string path = TempDir() + "/a.bin";
  ASSERT_TRUE(WriteFileAtomically(path, "hello").ok());
  auto file = MappedFile::Open(path);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_EQ((*file)->size(), 5u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>((*file)->data()), 5), "hello");
}

TEST(MappedFileTest, MissingFileNamesPath) {
  const std::string path = TempDir() + "/missing/model.graph";  // a folder that was never made
  auto file = MappedFile::Open(path);
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(absl::IsNotFound(file.status()));
  EXPECT_EQ(file.status().message(), path + ": cannot open: No such file or directory");
}

TEST(MappedFileTest, EmptyFileMapsToZeroBytes) {
  const std::string path = TempDir() + "/empty";
  ASSERT_TRUE(WriteFileAtomically(path, "").ok());
  auto file = MappedFile::Open(path);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->size(), 0u);
}

TEST(AtomicFileWriterTest, UncommittedWriteLeavesOldFileIntact) {
  const std::string dir = TempDir();
  const std::string path = dir + "/model.graph";
  ASSERT_TRUE(WriteFileAtomically(path, "old contents").ok());
  {
    auto writer = AtomicFileWriter::Create(path);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Write("new", 3).ok());
    // Destroyed without Commit(): as if the conversion failed half way.
  }
  EXPECT_EQ(ReadFile(path), "old contents");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1) << "the temporary file was not removed";
}

TEST(AtomicFileWriterTest, UnwritableDirectoryIsAnError) {
  auto writer = AtomicFileWriter::Create("/nonexistent-dir/x.graph");
  ASSERT_FALSE(writer.ok());
  EXPECT_NE(writer.status().message().find("cannot create"), absl::string_view::npos);
}

}  // namespace
}  // namespace anvil
