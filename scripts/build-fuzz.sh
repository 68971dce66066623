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
if [[ "${ANVIL_FUZZ_ASAN:-1}" == 0 ]]; then
  build="${ANVIL_FUZZ_BUILD:-build-fuzz-fast}"
  sanitize=(-DANVIL_SANITIZE=OFF -DCMAKE_CXX_FLAGS="-fsanitize=undefined -fno-sanitize-recover=undefined"
            -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=undefined)
else
  build="${ANVIL_FUZZ_BUILD:-build-fuzz}"
  sanitize=(-DANVIL_SANITIZE=ON)
fi
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  "${sanitize[@]}" -DANVIL_FUZZ=ON -DANVIL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" "$@"
