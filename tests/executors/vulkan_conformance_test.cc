// Every op and fused op on the Vulkan executor against the reference kernels, with the NMSE
// thresholds of DESIGN.md section 10, under the Khronos validation layer (zero errors allowed).
#include "executors/reference/reference_executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/executors/conformance.h"
#include "tests/executors/op_cases.h"
#include "tests/executors/vulkan_test_util.h"

namespace anvil::testing {
namespace {

bool NeedsNonF32Weights(const OpCase& c) {
  for (const TensorSpec& s : c.inputs) {
    if (s.kind == TensorSpec::kWeight && s.dtype != DType::kF32) return true;
  }
  return false;
}

class VulkanConformanceTest : public ::testing::TestWithParam<OpCase> {};

TEST_P(VulkanConformanceTest, MatchesReference) {
  ANVIL_REQUIRE_VULKAN(vulkan);
  const OpCase& c = GetParam();
  if (NeedsNonF32Weights(c)) GTEST_SKIP() << "the Vulkan executor computes on f32 weights (compressed weights: CPU only)";
  const uint64_t seed = ::testing::UnitTest::GetInstance()->random_seed() * 7919 + std::hash<std::string>()(c.label);
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  const int errors_before = ValidationErrors(*vulkan);
  auto model = BuildCaseModel(c, seed);
  ASSERT_TRUE(model.ok()) << model.status();
  auto reference = RunCase(*MakeReferenceExecutor(Ops()), *model, c, seed);
  ASSERT_TRUE(reference.ok()) << reference.status();
  auto got = RunCase(*vulkan, *model, c, seed);
  ASSERT_TRUE(got.ok()) << got.status();
  for (size_t i = 0; i < reference->outputs.size(); ++i) {
    EXPECT_LE(Nmse(got->outputs[i], reference->outputs[i]), c.max_nmse) << "output " << i;
  }
  for (size_t i = 0; i < reference->states.size(); ++i) {
    EXPECT_LE(Nmse(got->states[i], reference->states[i]), c.max_nmse) << "state " << i;
  }
  EXPECT_EQ(ValidationErrors(*vulkan), errors_before) << VulkanStatusOf(*vulkan)->last_validation_message;
}

INSTANTIATE_TEST_SUITE_P(Ops, VulkanConformanceTest, ::testing::ValuesIn(AllOpCases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) { return TestName(info.param.label); });

}  // namespace
}  // namespace anvil::testing
