#!/usr/bin/env bash
# README command 2 (and the whole of .ci/run): install dependencies, check
# formatting, then build and run the full test suite twice: optimised, and
# under AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== clang-format check"
git ls-files -z '*.cpp' '*.hpp' | xargs -0 -r clang-format --dry-run --Werror

jobs="$(nproc)"
for preset in release asan; do
  echo "== build and test: $preset"
  scripts/build.sh "$preset"
  build/"$preset"/zkinfer selfcheck
  ctest --preset "$preset" --parallel "$jobs"
done
