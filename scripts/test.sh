#!/usr/bin/env bash
# README command 2 (and the whole of .ci/run): install dependencies, check
# formatting, run every libFuzzer target briefly (clang, ASan + UBSan), then
# build and run the full test suite twice: optimised, and under
# AddressSanitizer + UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh

echo "== clang-format check"
git ls-files -z '*.cpp' '*.hpp' | xargs -0 -r clang-format --dry-run --Werror

jobs="$(nproc)"
fuzz_seconds="${ZKINFER_FUZZ_SECONDS:-15}"
echo "== fuzz targets (${fuzz_seconds}s each)"
scripts/build.sh fuzz
for target in build/fuzz/fuzz/*_fuzz; do
  log="build/fuzz/$(basename "$target").log"
  if ! "$target" -max_total_time="$fuzz_seconds" -artifact_prefix=build/fuzz/ >"$log" 2>&1; then
    tail -n 40 "$log"
    echo "fuzz target $(basename "$target") failed; reproducer saved under build/fuzz/"
    exit 1
  fi
  echo "-- $(basename "$target"): $(grep -E '^Done' "$log")"
done

# The audit-log storage tests run against a real PostgreSQL server; they
# skip without ZKINFER_TEST_PG, so failing to start it must fail CI here.
echo "== PostgreSQL server for the audit-log tests"
trap 'scripts/postgres-test.sh stop' EXIT
ZKINFER_TEST_PG="$(scripts/postgres-test.sh start)"
export ZKINFER_TEST_PG

for preset in release asan; do
  echo "== build and test: $preset"
  scripts/build.sh "$preset"
  build/"$preset"/zkinfer selfcheck
  ctest --preset "$preset" --parallel "$jobs"
done
