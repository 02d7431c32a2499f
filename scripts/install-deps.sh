#!/usr/bin/env bash
# Installs every Debian package zkinfer needs to build, test and benchmark on a
# fresh Debian bookworm machine. Idempotent: when everything is present it
# does nothing, so the README commands stay fast on a second run.
set -euo pipefail

packages=(
  build-essential g++ cmake ninja-build pkg-config git ca-certificates python3
  clang-format clang-14 libclang-rt-14-dev libomp-14-dev
  libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libcli11-dev nlohmann-json3-dev
  libonnx-dev libprotobuf-dev protobuf-compiler libonnx-testdata
  python3-numpy python3-onnx python3-torch python3-sklearn python3-matplotlib time
  dataset-fashion-mnist
  libsqlite3-dev libpq-dev postgresql
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
