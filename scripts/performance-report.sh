#!/usr/bin/env bash
# Regenerates docs/performance.md: installs what is needed, builds the
# release binary, runs zkinfer against EZKL on the same models
# (bench/compare/compare.py; EZKL results come from bench/compare/ezkl-cache.jsonl
# unless --rerun-ezkl), runs the scaling sweep (bench/scaling.py) and writes
# the report with its plots (bench/compare/report.py). Takes about half an
# hour on a 2-core machine, hours with --rerun-ezkl. Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
python=/usr/bin/python3  # Debian's, with numpy, onnx, torch and matplotlib
mkdir -p docs/performance
"$python" bench/compare/compare.py "$@" -o docs/performance/compare.jsonl
"$python" bench/scaling.py -o docs/performance/sweep.jsonl
"$python" bench/compare/report.py --compare docs/performance/compare.jsonl \
  --sweep docs/performance/sweep.jsonl --out docs
echo "wrote docs/performance.md"
