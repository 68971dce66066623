#!/bin/bash
# Configures and builds the fuzzing tree ./build-fuzz: clang, AddressSanitizer + UBSan, libFuzzer
# targets (tests/fuzz/*_fuzzer), the test suites (tests/fuzz_seeds_test writes the seed corpora).
# Extra arguments go to `cmake --build` (e.g. `--target graph_fuzzer -j1`).
# scripts/fuzz.sh runs the fuzzers of this tree.
#
# ANVIL_FUZZ_ASAN=0 builds ./build-fuzz-fast instead: UBSan only, about twice the executions per
# second, for long campaigns (`ANVIL_FUZZ_BUILD=build-fuzz-fast scripts/fuzz.sh ...`); build just
# the fuzzers there: `--target graph_fuzzer ... fuzz_seeds_test`.
set -euo pipefail
cd "$(dirname "$0")/.."
# The configurations are the presets `sanitize` and `fuzz-fast` (CMakePresets.json).
if [[ "${ANVIL_FUZZ_ASAN:-1}" == 0 ]]; then
  preset=fuzz-fast
  build="${ANVIL_FUZZ_BUILD:-build-fuzz-fast}"
else
  preset=sanitize
  build="${ANVIL_FUZZ_BUILD:-build-fuzz}"
fi
cmake --preset "$preset" -B "$build" >/dev/null
cmake --build "$build" "$@"
