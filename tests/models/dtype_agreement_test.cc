// Whole models at every weight dtype agree across executors: a random-weight Llama-family model
// at a shape that takes the fast kernels (a 40-token prompt, then 13 more tokens in a second
// prefill step at position 40: the CPU's prefill GEMMs, blocked prompt attention over cached and
// new keys, packed q8_0/q4_0 weights; then decode steps through the GEMVs) runs on the CPU and
// Vulkan executors and on the reference executor (every op's scalar reference kernel, over the
// dequantized weights). The op conformance suite checks each kernel alone and every token of its
// output; this checks that they compose: each prefill writes the KV cache the next steps read,
// the fused ops feed each other, and prefill and decode share the packed weights. Every executor
// is fed the reference's greedy tokens, so a near-tie that q8_0 activations would flip changes no
// later input; the logits after every step are compared by NMSE.
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "executors/cpu/cpu_executor.h"
#include "executors/reference/reference_executor.h"
#include "executors/session.h"
#include "graph/passes/pipeline.h"
#include "gtest/gtest.h"
#include "models/synthetic.h"
#include "ops/registry.h"
#include "tests/executors/vulkan_test_util.h"

namespace anvil {
namespace {

constexpr int kDecodeSteps = 6;

ModelConfig Config(const std::string& family) {
  ModelConfig c;
  c.family = family;
  c.vocab_size = 300;        // the LM head ends in partial strips and tiles
  c.hidden_size = 256;       // a multiple of the q8_0/q4_0 block
  c.intermediate_size = 768; // gate_up: 1536 rows, several packed 256-row chunks
  c.num_layers = 2;
  c.num_heads = 4;
  c.num_kv_heads = 2;
  c.head_dim = 64;           // blocked prompt attention takes it
  c.max_context = 64;        // the prompt and the decode steps fill 59
  c.rope_layout = "half";
  if (family == "qwen3") {
    c.qk_norm = true;
    c.head_dim = 96;  // 4 heads x 96 != hidden 256
  }
  if (family == "mistral") {
    c.sliding_window = 24;  // shorter than the prompt
    c.rope_layout = "interleaved";
  }
  return c;
}

// Logits after each prompt chunk (one prefill step each), then after each decode step fed `ids`
// (or, with ids empty, its own greedy choices, which are appended to ids).
std::vector<std::vector<float>> StepLogits(std::shared_ptr<const Model> model, std::shared_ptr<Executor> executor,
                                           const std::vector<std::vector<int32_t>>& chunks,
                                           std::vector<int32_t>* ids) {
  std::vector<std::vector<float>> logits;
  auto session = Session::Create(std::move(model), std::move(executor));
  EXPECT_TRUE(session.ok()) << session.status();
  if (!session.ok()) return logits;
  const bool own = ids->empty();
  for (const auto& chunk : chunks) {
    auto out = (*session)->Prefill(chunk);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return logits;
    logits.emplace_back(out->logits.begin(), out->logits.end());
    if (own && &chunk == &chunks.back()) ids->push_back(out->next_id);
  }
  for (int step = 0; step < kDecodeSteps; ++step) {
    auto out = (*session)->Decode((*ids)[step]);
    EXPECT_TRUE(out.ok()) << out.status();
    if (!out.ok()) return logits;
    logits.emplace_back(out->logits.begin(), out->logits.end());
    if (own) ids->push_back(out->next_id);
  }
  return logits;
}

double Nmse(const std::vector<float>& actual, const std::vector<float>& expected) {
  if (actual.size() != expected.size()) return 1e30;
  double err = 0, norm = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    err += (static_cast<double>(actual[i]) - expected[i]) * (static_cast<double>(actual[i]) - expected[i]);
    norm += static_cast<double>(expected[i]) * expected[i];
  }
  return norm > 0 ? err / norm : 1e30;
}

struct Case {
  std::string family;
  DType dtype;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.family << " " << DTypeName(c.dtype); }
std::string CaseName(const ::testing::TestParamInfo<Case>& info) {
  return info.param.family + "_" + std::string(DTypeName(info.param.dtype));
}

class DtypeAgreementTest : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    auto built = BuildSyntheticModel(Config(GetParam().family), GetParam().dtype, 11);
    ASSERT_TRUE(built.ok()) << built.status();
    ASSERT_TRUE(OptimizeModel(*built, Ops()).ok());
    model_ = std::make_shared<const Model>(std::move(*built));
    // 40 tokens from position 0, then 13 more at position 40 (attending to the cached ones).
    chunks_ = {{}, {}};
    for (int i = 0; i < 53; ++i) chunks_[i < 40 ? 0 : 1].push_back((i * 37 + 5) % 300);
    expected_ = StepLogits(model_, MakeReferenceExecutor(Ops()), chunks_, &ids_);
    ASSERT_EQ(expected_.size(), chunks_.size() + kDecodeSteps);
  }

  // Float weights are widened exactly, so only the summation order differs from the reference;
  // the CPU's q8_0/q4_0 kernels also quantize the activations to int8 (as llama.cpp does).
  double Bound() const {
    const bool quantized = GetParam().dtype == DType::kQ8_0 || GetParam().dtype == DType::kQ4_0;
    return quantized ? 2e-4 : 1e-10;
  }

  void ExpectAgreement(std::shared_ptr<Executor> executor) {
    std::vector<int32_t> ids = ids_;
    const auto actual = StepLogits(model_, std::move(executor), chunks_, &ids);
    ASSERT_EQ(actual.size(), expected_.size());
    for (size_t step = 0; step < actual.size(); ++step) {
      EXPECT_LE(Nmse(actual[step], expected_[step]), Bound())
          << (step < chunks_.size() ? "prompt chunk " + std::to_string(step)
                                    : "decode step " + std::to_string(step - chunks_.size()));
    }
  }

  std::shared_ptr<const Model> model_;
  std::vector<std::vector<int32_t>> chunks_;
  std::vector<int32_t> ids_;
  std::vector<std::vector<float>> expected_;
};

TEST_P(DtypeAgreementTest, CpuMatchesReference) {
  ExpectAgreement(MakeCpuExecutor(Ops(), {.threads = 2}));
}

INSTANTIATE_TEST_SUITE_P(Models, DtypeAgreementTest,
                         ::testing::Values(Case{"llama", DType::kF32}, Case{"llama", DType::kF16},
                                           Case{"llama", DType::kBF16}, Case{"llama", DType::kQ8_0},
                                           Case{"llama", DType::kQ4_0}, Case{"qwen3", DType::kF32},
                                           Case{"qwen3", DType::kQ4_0}, Case{"mistral", DType::kF32},
                                           Case{"mistral", DType::kF16}),
                         CaseName);

// The Vulkan kernels compute on f32 weights (compressed weights run on the CPU executor; README).
class VulkanAgreementTest : public DtypeAgreementTest {};

TEST_P(VulkanAgreementTest, VulkanMatchesReference) {
  ANVIL_REQUIRE_VULKAN(executor);
  ExpectAgreement(executor);
  EXPECT_EQ(::anvil::testing::ValidationErrors(*executor), 0);
}

INSTANTIATE_TEST_SUITE_P(Models, VulkanAgreementTest,
                         ::testing::Values(Case{"llama", DType::kF32}, Case{"qwen3", DType::kF32},
                                           Case{"mistral", DType::kF32}),
                         CaseName);

}  // namespace
}  // namespace anvil
