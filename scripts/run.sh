#!/usr/bin/env bash
# README command 1: install dependencies, build, and run the main job:
# certify a real model (the Fashion-MNIST LeNet-5 CNN), prove one inference on a private
# input in zero knowledge, verify it against the public model card, log the
# proof's receipt in the embedded SQLite transparency log, sign a
# checkpoint, export the receipt and verify it offline with its proof.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh release
build/release/zkinfer selfcheck

zk=build/release/zkinfer
ex=examples/fashion_mnist
out="${ZKINFER_DEMO_DIR:-out/demo}"
rm -rf "$out"
mkdir -p "$out"

echo "== 1. the model owner commits to the model (private package + public card)"
"$zk" commit "$ex/lenet.onnx" --calibration "$ex/calibration.npy" -o "$out/lenet.zkm"
echo "== 2. an audit log, with its signing key"
"$zk" log init --db "$out/audit.db" --origin example.org/zkinfer-demo --key-out "$out/log.key"
echo "== 3. prove one inference on a private input; the receipt goes into the log"
"$zk" prove --model "$out/lenet.zkm" --input "$ex/input_0.json" -o "$out/proof.zkp" \
  --log "$out/audit.db"
"$zk" inspect "$out/proof.zkp"
echo "== 4. the verifier holds only the model card and the proof"
"$zk" verify --card "$out/lenet.card.json" "$out/proof.zkp"
echo "== 5. a signed checkpoint, and the receipt verified offline with its proof"
"$zk" log checkpoint --db "$out/audit.db" --key "$out/log.key" >/dev/null
"$zk" receipt export 0 --db "$out/audit.db" --key "$out/log.key" -o "$out/receipt.json"
"$zk" receipt verify "$out/receipt.json" --log-key "$out/log.key.pub" --card "$out/lenet.card.json"
"$zk" log audit --db "$out/audit.db" --log-key "$out/log.key.pub"
echo "main job done: files in $out"
