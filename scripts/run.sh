#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the main job.
# Until the prover lands, the main job is the self-check of the core kernels
# (field, SIMD paths, hashing, NTT) on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
build/release/zkinfer selfcheck
