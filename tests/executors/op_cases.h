// The conformance sweep: every op and fused op over shapes, dtypes and attributes, with the NMSE
// thresholds of DESIGN.md section 10 (1e-7 elementwise and norms, 5e-4 matmul and attention, 0 for
// argmax and copies).
#pragma once

#include <vector>

#include "tests/executors/conformance.h"

namespace anvil::testing {

std::vector<OpCase> AllOpCases();

}  // namespace anvil::testing
