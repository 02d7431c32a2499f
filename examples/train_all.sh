#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Regenerates every committed example fixture (models and data files).
# Uses Debian's /usr/bin/python3 (python3-torch, python3-sklearn, python3-onnx).
set -eu
cd "$(dirname "$0")"
for example in breast_cancer credit fashion_mnist; do
  echo "== $example"
  /usr/bin/python3 "$example/train.py"
done
