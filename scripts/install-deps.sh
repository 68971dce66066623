#!/bin/bash
# Installs anvil's build and test dependencies from Debian 12 packages.
# Idempotent: packages already present are left alone. Run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache python3
  libprotobuf-dev protobuf-compiler libabsl-dev
  libtbb-dev libopenblas-dev libhwy-dev zlib1g-dev nlohmann-json3-dev libre2-dev libicu-dev
  libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers glslang-tools glslc spirv-tools
  libgtest-dev libgmock-dev libbenchmark-dev graphviz
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
