#!/bin/bash
# Runs every test suite of a built tree (./build). Needs ../shared beside the repository for the
# end-to-end tests. CI=true turns "no Vulkan device" / "no graphviz" into failures, not skips.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure -j2 "$@"
