// Status helpers used across anvil. Debian's abseil (20220623) ships no status macros, so the
// two we need are defined here once.
//
//   ANVIL_RETURN_IF_ERROR(expr)            returns the status of `expr` if it is not OK.
//   ANVIL_RETURN_IF_ERROR(expr, "ctx")     same, with "ctx: " prefixed to the message.
//   ANVIL_ASSIGN_OR_RETURN(lhs, expr)      unwraps a StatusOr or returns its error.
//   ANVIL_ASSIGN_OR_RETURN(lhs, expr, "ctx")
#pragma once

#include "absl/strings/string_view.h"
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace anvil {

// Returns `status` with `context + ": "` prepended to its message (same code). OK stays OK.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

namespace internal {
inline absl::Status AnnotateIf(absl::Status status) { return status; }
inline absl::Status AnnotateIf(absl::Status status, absl::string_view context) {
  return Annotate(status, context);
}
}  // namespace internal

}  // namespace anvil

#define ANVIL_STATUS_CONCAT_INNER(a, b) a##b
#define ANVIL_STATUS_CONCAT(a, b) ANVIL_STATUS_CONCAT_INNER(a, b)

#define ANVIL_RETURN_IF_ERROR(expr, ...)                                        \
  do {                                                                          \
    absl::Status anvil_status_ = (expr);                                        \
    if (!anvil_status_.ok()) {                                                  \
      return ::anvil::internal::AnnotateIf(std::move(anvil_status_), ##__VA_ARGS__); \
    }                                                                           \
  } while (false)

#define ANVIL_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr, ...)                        \
  auto tmp = (expr);                                                            \
  if (!tmp.ok()) {                                                              \
    return ::anvil::internal::AnnotateIf(std::move(tmp).status(), ##__VA_ARGS__); \
  }                                                                             \
  lhs = std::move(tmp).value()

#define ANVIL_ASSIGN_OR_RETURN(lhs, expr, ...)                                  \
  ANVIL_ASSIGN_OR_RETURN_IMPL(ANVIL_STATUS_CONCAT(anvil_statusor_, __LINE__), lhs, expr, \
                              ##__VA_ARGS__)
