#!/bin/bash
# Configures and builds the fuzzing tree ./build-fuzz: clang, AddressSanitizer + UBSan, libFuzzer
# targets (tests/fuzz/*_fuzzer), the test suites (tests/fuzz_seeds_test writes the seed corpora).
# Extra arguments go to `cmake --build` (e.g. `--target graph_fuzzer -j1`).
# scripts/fuzz.sh runs the fuzzers of this tree.
set -euo pipefail
cd "$(dirname "$0")/.."
build="${ANVIL_FUZZ_BUILD:-build-fuzz}"
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DANVIL_SANITIZE=ON -DANVIL_FUZZ=ON -DANVIL_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" "$@"
