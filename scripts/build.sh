#!/bin/bash
# Configures and builds anvil (Release, Ninja) into ./build. Extra arguments go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release "$@" >/dev/null  # CMakePresets.json
cmake --build build
