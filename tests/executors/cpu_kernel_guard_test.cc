// CPU kernels write only their outputs: every tensor gets its own allocation followed by guard
// bytes, and after a step every guard (and every input) must be untouched.
#include <cstring>
#include <random>

#include "executors/cpu/kernel.h"
#include "gtest/gtest.h"
#include "tests/executors/conformance.h"
#include "ops/registry.h"
#include "tests/executors/op_cases.h"

namespace anvil::testing {
namespace {

constexpr size_t kGuard = 256;
constexpr uint8_t kPattern = 0xA5;

struct GuardedTensor {
  std::vector<uint8_t> storage;  // data then guard
  cpu::CpuTensor tensor;
  size_t bytes = 0;

  bool GuardIntact() const {
    for (size_t i = 0; i < kGuard; ++i) {
      if (storage[bytes + i] != kPattern) return false;
    }
    return true;
  }
};

std::unique_ptr<GuardedTensor> Make(const Value& v, std::mt19937& rng) {
  auto g = std::make_unique<GuardedTensor>();
  std::vector<int64_t> dims;
  for (const Dim& d : v.type.shape) dims.push_back(d.size);
  g->bytes = *TensorBytes(v.type.dtype, dims.data(), static_cast<int>(dims.size()));
  g->storage.assign(g->bytes + kGuard, kPattern);
  if (v.kind == ValueKind::kInitializer) {
    std::memcpy(g->storage.data(), v.data.data(), g->bytes);
  } else if (v.type.dtype == DType::kI32) {
    for (size_t i = 0; i < g->bytes / 4; ++i) {
      const int32_t id = 0;  // valid for any vocabulary
      std::memcpy(g->storage.data() + 4 * i, &id, 4);
    }
  } else {
    std::uniform_real_distribution<float> dist(-1, 1);
    for (size_t i = 0; i < g->bytes / 4; ++i) {
      const float x = dist(rng);
      std::memcpy(g->storage.data() + 4 * i, &x, 4);
    }
  }
  g->tensor = cpu::CpuTensor{v.type.dtype, dims, g->storage.data()};
  return g;
}

class CpuKernelGuardTest : public ::testing::TestWithParam<OpCase> {};

TEST_P(CpuKernelGuardTest, WritesOnlyItsOutputs) {
  const OpCase& c = GetParam();
  auto model = BuildCaseModel(c, 1);
  ASSERT_TRUE(model.ok()) << model.status();
  const Graph& g = model->graph;
  const Node& node = g.node(g.order()[0]);
  if (node.op == "reshape") return;  // a view: no kernel, nothing written
  const cpu::KernelFactory factory = cpu::FindKernel(node.op);
  ASSERT_NE(factory, nullptr) << "no CPU kernel for " << node.op;
  std::mt19937 rng(7);
  std::vector<std::unique_ptr<GuardedTensor>> inputs, outputs;
  cpu::BindContext ctx{node, {}, {}};
  for (ValueId in : node.inputs) {
    if (in == kNoValue) {
      inputs.push_back(nullptr);
      ctx.inputs.push_back(cpu::CpuTensor{});
      continue;
    }
    inputs.push_back(Make(g.value(in), rng));
    ctx.inputs.push_back(inputs.back()->tensor);
  }
  const OpDef* def = Ops().Find(node.op);
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    const int alias = def->OutputAlias(static_cast<int>(i));
    if (alias >= 0) {
      ctx.outputs.push_back(ctx.inputs[alias]);  // written in place (a state)
      continue;
    }
    outputs.push_back(Make(g.value(node.outputs[i]), rng));
    ctx.outputs.push_back(outputs.back()->tensor);
  }
  std::vector<std::vector<uint8_t>> before;
  for (const auto& in : inputs) before.push_back(in ? in->storage : std::vector<uint8_t>{});
  auto kernel = factory(ctx);
  ASSERT_TRUE(kernel.ok()) << kernel.status();
  cpu::StepState step;
  step.position = c.position;
  ASSERT_TRUE((*kernel)(step).ok());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) continue;
    EXPECT_TRUE(inputs[i]->GuardIntact()) << "input " << i << " guard overwritten";
    const bool written_in_place = node.op == "kv_cache_write" || node.op == "split_rope_kv_write";
    if (!(written_in_place && g.value(node.inputs[i]).kind == ValueKind::kState)) {
      EXPECT_TRUE(inputs[i]->storage == before[i]) << "input " << i << " was modified";
    }
  }
  for (size_t i = 0; i < outputs.size(); ++i) EXPECT_TRUE(outputs[i]->GuardIntact()) << "output " << i << " guard overwritten";
}

INSTANTIATE_TEST_SUITE_P(Ops, CpuKernelGuardTest, ::testing::ValuesIn(AllOpCases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) { return TestName(info.param.label); });

}  // namespace
}  // namespace anvil::testing
