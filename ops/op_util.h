// Small helpers shared by OpDefs: port lists, common inference checks, reference-kernel access.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "graph/op_def.h"

namespace anvil {

inline PortSpec F32Port(std::string name) { return PortSpec{std::move(name), {DType::kF32}}; }
inline PortSpec WeightPort(std::string name) { return PortSpec{std::move(name), DTypeSet::Weights()}; }
inline PortSpec OptionalF32Port(std::string name) {
  PortSpec p = F32Port(std::move(name));
  p.optional = true;
  return p;
}

// Checks that input `i` is a persistent state (KV caches are written in place).
inline absl::Status ExpectState(const InferContext& ctx, int i) {
  if (ctx.input_value(i).kind == ValueKind::kState) return absl::OkStatus();
  if (ctx.input_value(i).producer != kNoNode) {
    // The output of another in-place write to the same state is fine (it aliases the state).
    return absl::OkStatus();
  }
  return ctx.Error(absl::StrCat(ctx.InputLabel(i), " must be a state (a KV cache)"));
}

// Concrete elements of a reference-kernel tensor as f32/i32.
inline float* F32(const HostTensor& t) { return t.as<float>(); }
inline int32_t* I32(const HostTensor& t) { return t.as<int32_t>(); }

// The product of all but the last dim, and the last dim.
inline int64_t Rows(const std::vector<int64_t>& dims) {
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < dims.size(); ++i) rows *= dims[i];
  return rows;
}
inline int64_t LastDim(const std::vector<int64_t>& dims) { return dims.empty() ? 1 : dims.back(); }

}  // namespace anvil
