// Getting a Vulkan executor in tests: with validation on and no disk pipeline cache. Where no
// device exists the test is skipped with a reason, except under CI (CI=true), where it fails:
// Vulkan tests must never silently skip there.
#pragma once

#include <memory>

#include "executors/vulkan/vulkan_executor.h"
#include "gtest/gtest.h"
#include "ops/registry.h"
#include "tests/test_util.h"

namespace anvil::testing {

// A process-wide validated Vulkan executor (null when there is no device).
inline std::shared_ptr<Executor> SharedVulkan(std::string* why = nullptr) {
  static absl::StatusOr<std::shared_ptr<Executor>> executor = [] {
    VulkanExecutorOptions options;
    options.validation = true;
    options.pipeline_cache = "";
    return MakeVulkanExecutor(Ops(), options);
  }();
  if (!executor.ok()) {
    if (why != nullptr) *why = std::string(executor.status().message());
    return nullptr;
  }
  return *executor;
}

#define ANVIL_REQUIRE_VULKAN(executor)                                                        \
  std::string vulkan_unavailable_;                                                            \
  std::shared_ptr<Executor> executor = ::anvil::testing::SharedVulkan(&vulkan_unavailable_);  \
  if (executor == nullptr) {                                                                  \
    if (::anvil::testing::InCi()) FAIL() << "no Vulkan device under CI: " << vulkan_unavailable_; \
    GTEST_SKIP() << "no Vulkan device: " << vulkan_unavailable_;                              \
  }

inline int ValidationErrors(const Executor& executor) {
  auto status = VulkanStatusOf(executor);
  return status ? status->validation_errors : -1;
}

}  // namespace anvil::testing
