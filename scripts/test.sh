#!/bin/bash
# Runs every test of a built tree (./build), then the hardening checks. Needs ../shared beside the
# repository for the end-to-end tests. CI=true turns "no Vulkan device" / "no graphviz" into
# failures, not skips. Extra arguments go to the first ctest.
#
#   1. ctest over ./build (all GoogleTest suites)
#   2. the concurrent-sessions test 20 times in a row
#   3. the whole suite again, built with clang + ASan + UBSan (./build-fuzz, scripts/build-fuzz.sh)
#   4. every libFuzzer target for ANVIL_FUZZ_SECONDS (default 30) each (scripts/fuzz.sh)
#
# ANVIL_QUICK=1 stops after step 1 (for iterating).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== test.sh: %s\n' "$*"; }

step "ctest (build)"
ctest --test-dir build --output-on-failure -j2 "$@"
[[ "${ANVIL_QUICK:-0}" == 1 ]] && exit 0

step "concurrent sessions, 20 times in a row"
build/tests/concurrency_test --gtest_repeat=20 --gtest_brief=1

step "sanitizers: build (clang, ASan + UBSan, libFuzzer targets)"
scripts/build-fuzz.sh
step "sanitizers: ctest (build-fuzz)"
# Leak checking stays on; a report, like any sanitizer report, fails the test that made it.
ctest --test-dir build-fuzz --output-on-failure -j2

step "fuzzing: ${ANVIL_FUZZ_SECONDS:-30} s per target"
scripts/fuzz.sh "${ANVIL_FUZZ_SECONDS:-30}"
