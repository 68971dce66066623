// The .graph container's load-time validation: each rule with a crafted file and its exact error,
// and files that are something else named as such.
#include <cstring>

#include "absl/strings/str_cat.h"
#include "graph/model_io.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "proto/anvil.pb.h"
#include "tests/graph/crafted_model.h"
#include "tests/test_util.h"

namespace anvil {
namespace {

using ::anvil::testing::TempDir;
using ::anvil::testing::WriteFile;

using ::anvil::testing::SmallLinearModel;

// Header + proto + padding + `data`.
std::string Container(const proto::ModelProto& p, const std::string& data, uint32_t version = 1,
                      uint32_t flags = 0) {
  return ::anvil::testing::ContainerBytes(p.SerializeAsString(), data, p.data_alignment() ? p.data_alignment() : 64,
                                          version, flags);
}

class ContainerTest : public ::testing::Test {
 protected:
  void SetUp() override { path_ = TempDir() + "/m.graph"; }
  // Writes `bytes` to the test's file and returns the load error ("" if it loads).
  std::string LoadError(const std::string& bytes) {
    WriteFile(path_, bytes);
    auto model = LoadModel(path_, Ops());
    return model.ok() ? "" : std::string(model.status().message());
  }
  std::string Prefixed(const std::string& message) { return absl::StrCat(path_, ": ", message); }
  std::string path_;
};

TEST_F(ContainerTest, WellFormedLoads) { EXPECT_EQ(LoadError(Container(SmallLinearModel(), std::string(48, '\0'))), ""); }

TEST_F(ContainerTest, EmptyFile) { EXPECT_EQ(LoadError(""), Prefixed("file is empty")); }

TEST_F(ContainerTest, GitLfsPointer) {
  EXPECT_EQ(LoadError("version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146\nsize 1056540\n"),
            absl::StrCat(path_, " is a Git LFS pointer file, not the model itself; fetch the real file with `git lfs pull`"));
}

TEST_F(ContainerTest, HtmlPage) {
  EXPECT_EQ(LoadError("\n<!DOCTYPE html>\n<html><body>Sign in</body></html>"),
            absl::StrCat(path_, " is an HTML page, not a model; the download probably saved a web page instead of the file"));
}

TEST_F(ContainerTest, GgufAndSafetensors) {
  EXPECT_EQ(LoadError(std::string("GGUF\x03\0\0\0", 8) + std::string(32, '\0')),
            absl::StrCat(path_, " is a GGUF checkpoint, not an anvil graph; convert it with `anvil convert gguf`"));
  std::string header = "{\"__metadata__\":{}}";
  header.resize(32, ' ');  // the 8-byte length below, then exactly that many header bytes
  EXPECT_EQ(LoadError(std::string("\x20\0\0\0\0\0\0\0", 8) + header),
            absl::StrCat(path_, " looks like a safetensors checkpoint, not an anvil graph; convert its folder with `anvil convert hf`"));
}

TEST_F(ContainerTest, NotAGraphAtAll) {
  EXPECT_EQ(LoadError(std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10)),
            absl::StrCat(path_, " is not an anvil model (no \"ANVLGRPH\" magic, and not a text-form model)"));
  EXPECT_EQ(LoadError("just some notes\n"),
            absl::StrCat(path_, " is not an anvil model (no \"ANVLGRPH\" magic, and it does not parse as a text-form model: "
                                "line 1 column 6: Message type \"anvil.proto.ModelProto\" has no field named \"just\".)"));
}

TEST_F(ContainerTest, TruncatedHeader) {
  EXPECT_EQ(LoadError(std::string("ANVLG")), Prefixed("truncated: 5 bytes of the anvil header"));
  EXPECT_EQ(LoadError(std::string("ANVLGRPH\x01\0\0\0\0\0", 14)), Prefixed("truncated: 14 bytes is shorter than the 24-byte header"));
}

TEST_F(ContainerTest, TruncatedModelDescription) {
  const std::string full = Container(SmallLinearModel(), std::string(48, '\0'));
  EXPECT_EQ(LoadError(full.substr(0, 40)).rfind(Prefixed("truncated: the header announces a "), 0), 0u);
}

TEST_F(ContainerTest, TruncatedData) {
  const std::string full = Container(SmallLinearModel(), std::string(48, '\0'));
  EXPECT_EQ(LoadError(full.substr(0, full.size() - 28)),
            Prefixed("initializer 'w': data range [0, +48) is outside the data section (20 bytes); the file may be truncated"));
}

TEST_F(ContainerTest, VersionAndFlags) {
  EXPECT_EQ(LoadError(Container(SmallLinearModel(), std::string(48, '\0'), 2)),
            Prefixed("container version 2 is not supported (this anvil reads version 1)"));
  EXPECT_EQ(LoadError(Container(SmallLinearModel(), std::string(48, '\0'), 1, 4)), Prefixed("unknown container flags 0x4"));
}

TEST_F(ContainerTest, DamagedModelDescription) {
  std::string bytes = Container(SmallLinearModel(), std::string(48, '\0'));
  for (int i = 24; i < 40; ++i) bytes[i] = '\xff';
  EXPECT_EQ(LoadError(bytes), Prefixed("the model description (ModelProto) does not parse; the file is damaged"));
}

TEST_F(ContainerTest, AlignmentMustBeAPowerOfTwo) {
  proto::ModelProto p = SmallLinearModel();
  p.set_data_alignment(48);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))),
            Prefixed("data_alignment 48 must be a power of two up to 1048576"));
}

TEST_F(ContainerTest, OffsetMustBeAligned) {
  proto::ModelProto p = SmallLinearModel();
  p.mutable_graph()->mutable_initializers(0)->set_data_offset(4);
  EXPECT_EQ(LoadError(Container(p, std::string(64, '\0'))),
            Prefixed("initializer 'w': data_offset 4 is not a multiple of the data alignment 64"));
}

TEST_F(ContainerTest, OffsetPlusLengthMustNotOverflow) {
  proto::ModelProto p = SmallLinearModel();
  p.mutable_graph()->mutable_initializers(0)->set_data_offset(0xffffffffffffffc0ull);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))),
            Prefixed("initializer 'w': data range [18446744073709551552, +48) is outside the data section (48 bytes); "
                     "the file may be truncated"));
}

TEST_F(ContainerTest, LengthMustMatchDimsTimesDType) {
  proto::ModelProto p = SmallLinearModel();
  p.mutable_graph()->mutable_initializers(0)->set_data_length(40);
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))),
            Prefixed("initializer 'w': data_length 40 does not match its type (48 bytes)"));
}

TEST_F(ContainerTest, UnknownDType) {
  proto::ModelProto p = SmallLinearModel();
  p.mutable_graph()->mutable_initializers(0)->set_dtype(static_cast<proto::DataType>(42));
  EXPECT_EQ(LoadError(Container(p, std::string(48, '\0'))), Prefixed("initializer 'w': dtype 42 is not a known dtype"));
}

TEST_F(ContainerTest, VerifierErrorsCarryThePath) {
  proto::ModelProto p = SmallLinearModel();
  p.mutable_graph()->mutable_initializers(0)->set_dims(1, 5);
  p.mutable_graph()->mutable_initializers(0)->set_data_length(60);
  EXPECT_EQ(LoadError(Container(p, std::string(64, '\0'))),
            Prefixed("node 'proj' (linear): input 1 'w' has shape [3,5], expected [3,4]"));
}

}  // namespace
}  // namespace anvil
