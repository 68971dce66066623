// Every op on the CPU executor against the reference kernels (NMSE thresholds per op family), and
// bitwise identical results with 1 and 2 threads; the matrix products also on every SIMD target
// this CPU supports (each target takes its own paths: below AVX-512 the prefill goes through
// sgemm, and the few-token GEMV keeps two rows per group instead of four) and with AMX off.
#include "executors/cpu/cpu_executor.h"
#include "executors/cpu/simd/gemm_amx.h"
#include "executors/cpu/simd/simd.h"
#include "executors/reference/reference_executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/executors/conformance.h"
#include "tests/executors/op_cases.h"

namespace anvil::testing {
namespace {

class CpuConformanceTest : public ::testing::TestWithParam<OpCase> {};

TEST_P(CpuConformanceTest, MatchesReference) {
  const OpCase& c = GetParam();
  // Fresh random inputs each run; the seed is printed so a failure can be replayed.
  const uint64_t seed = ::testing::UnitTest::GetInstance()->random_seed() * 7919 + std::hash<std::string>()(c.label);
  SCOPED_TRACE(::testing::Message() << "seed " << seed);
  auto model = BuildCaseModel(c, seed);
  ASSERT_TRUE(model.ok()) << model.status();
  auto reference = RunCase(*MakeReferenceExecutor(Ops()), *model, c, seed);
  ASSERT_TRUE(reference.ok()) << reference.status();
  auto one = RunCase(*MakeCpuExecutor(Ops(), {.threads = 1}), *model, c, seed);
  ASSERT_TRUE(one.ok()) << one.status();
  auto two = RunCase(*MakeCpuExecutor(Ops(), {.threads = 2}), *model, c, seed);
  ASSERT_TRUE(two.ok()) << two.status();
  for (size_t i = 0; i < reference->outputs.size(); ++i) {
    const double nmse = Nmse(one->outputs[i], reference->outputs[i]);
    EXPECT_LE(nmse, c.max_nmse) << "output " << i;
    EXPECT_EQ(one->outputs[i], two->outputs[i]) << "output " << i << " differs between 1 and 2 threads";
  }
  for (size_t i = 0; i < reference->states.size(); ++i) {
    EXPECT_LE(Nmse(one->states[i], reference->states[i]), c.max_nmse) << "state " << i;
  }
  // The matrix products also on every SIMD target this CPU supports, and with AMX turned off
  // where it has it (f16/bf16 prefill then takes the AVX-512 GEMM or sgemm): each its own paths.
  if (c.op != "linear" && c.op != "gate_up_swiglu") return;
  for (int64_t target : cpu::SimdTargets()) {
    for (bool amx_off : {false, true}) {
      if (amx_off && !cpu::HasGemmAmx()) continue;
      SCOPED_TRACE(cpu::SimdTargetName(target) + (amx_off ? ", AMX off" : ""));
      cpu::ForceSimdTarget(target);
      cpu::ForceGemmAmxOff(amx_off);
      auto result = RunCase(*MakeCpuExecutor(Ops(), {.threads = 2}), *model, c, seed);
      cpu::ForceGemmAmxOff(false);
      cpu::ForceSimdTarget(0);
      ASSERT_TRUE(result.ok()) << result.status();
      for (size_t i = 0; i < reference->outputs.size(); ++i) {
        EXPECT_LE(Nmse(result->outputs[i], reference->outputs[i]), c.max_nmse) << "output " << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, CpuConformanceTest, ::testing::ValuesIn(AllOpCases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) { return TestName(info.param.label); });

}  // namespace
}  // namespace anvil::testing
