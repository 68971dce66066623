// Limits on JSON read from model folders (config.json, tokenizer.json, tokenizer_config.json,
// safetensors headers): how deep arrays and objects may nest. Real files nest fewer than 10
// levels; a crafted one could nest millions deep, and code walking the parsed tree recursively
// (dump, comparisons, our own readers) would then run out of stack.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "base/checked_math.h"

namespace anvil {

// Checks that arrays and objects in `text` nest at most `max_depth` levels (brackets inside
// strings do not count). Exact for valid JSON; invalid JSON is left for the parser to refuse.
// `file` names the file in the error.
inline absl::Status CheckJsonDepth(absl::string_view text, absl::string_view file,
                                   int max_depth = kMaxJsonDepth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return absl::InvalidArgumentError(absl::StrCat(file, ": JSON nests deeper than ", max_depth,
                                                       " levels (at byte ", i, ")"));
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return absl::OkStatus();
}

}  // namespace anvil
