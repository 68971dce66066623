// The compiled compute shaders (shaders/*.comp -> SPIR-V at build time, validated with
// spirv-val, embedded by cmake/embed_spirv.cmake). Named by file stem, which is the op stem.
#pragma once

#include <cstddef>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace anvil::shaders {

struct Spirv {
  const char* name;
  const uint32_t* words;
  size_t count;
};

absl::Span<const Spirv> All();

inline const Spirv* Find(absl::string_view name) {
  for (const Spirv& s : All()) {
    if (name == s.name) return &s;
  }
  return nullptr;
}

}  // namespace anvil::shaders
