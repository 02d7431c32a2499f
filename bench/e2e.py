#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end figures of zkinfer on the example models, one JSON line per
model and thread count: prove seconds (the prover's own timer and the whole
command), verify milliseconds, proof bytes, peak RSS of prove and verify,
the plain quantized inference time and the prove / inference ratio.
Every figure is the median of --reps runs, each in a fresh process.

  bench/e2e.py [--zkinfer build/release/zkinfer] [--threads 1,2] [--reps 5] [--batch 16]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
MODELS = [
    ("fashion_mnist_lenet", "fashion_mnist/lenet.onnx", "fashion_mnist/calibration.npy",
     "fashion_mnist/input_0.json"),
    ("fashion_mnist_mlp", "fashion_mnist/mlp.onnx", "fashion_mnist/calibration.npy",
     "fashion_mnist/input_0.json"),
    ("breast_cancer_mlp", "breast_cancer/mlp.onnx", "breast_cancer/calibration.npy",
     "breast_cancer/input_0.json"),
    ("credit_mlp", "credit/credit_mlp.onnx", "credit/calibration.npy", "credit/input_0.json"),
]


def model_cost(onnx_path):
    """(multiply-accumulates, parameters) of one inference of an ONNX model:
    every initializer element is a parameter; Gemm / MatMul cost one MAC per
    weight per output row, Conv one per weight per output pixel."""
    import onnx
    from onnx import numpy_helper, shape_inference
    model = shape_inference.infer_shapes(onnx.load(onnx_path))
    graph = model.graph
    weights = {t.name: numpy_helper.to_array(t).size for t in graph.initializer}
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in list(graph.value_info) + list(graph.output) + list(graph.input)}
    macs = 0
    for node in graph.node:
        weight = weights.get(node.input[1], 0) if len(node.input) > 1 else 0
        out = shapes.get(node.output[0], [])
        if node.op_type in ("Gemm", "MatMul"):
            macs += weight * max(1, int(np.prod(out[:-1])))
        elif node.op_type == "Conv":
            macs += weight * int(np.prod(out[2:]))
    return macs, sum(weights.values())


def run_measured(cmd, threads):
    """Runs cmd with OMP_NUM_THREADS=threads; returns (stdout, wall seconds,
    peak RSS MiB). The RSS comes from GNU time, which forks the command from
    its own small image: a child forked (or vforked) from this Python process
    would count Python's resident set (hundreds of MiB with torch) as its own."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    start = time.monotonic()
    proc = subprocess.run(["/usr/bin/time", "-f", "peak-rss-kib %M"] + cmd, capture_output=True,
                          text=True, env=env)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stdout}{proc.stderr}")
    rss_kib = int(re.findall(r"peak-rss-kib (\d+)", proc.stderr)[-1])
    return proc.stdout, wall, rss_kib / 1024


def measure(zk, name, onnx, calibration, inp, tmp, threads_list, reps, batch_inputs=None):
    """Commits the model, then proves and verifies `inp` (or, with
    `batch_inputs`, all of those files in one proof) `reps` times per thread
    count; returns one dict of medians per thread count."""
    package = os.path.join(tmp, name + ".zkm")
    card = os.path.join(tmp, name + ".card.json")
    _, commit_s, _ = run_measured([zk, "commit", onnx, "--calibration", calibration, "-o", package], 1)
    proof = os.path.join(tmp, name + ".zkp")
    prove_cmd = [zk, "prove", "--model", package, "--input", inp, "-o", proof]
    if batch_inputs:
        batch_file = os.path.join(tmp, name + ".batch.jsonl")
        with open(batch_file, "w") as f:
            for path in batch_inputs:
                with open(path) as g:
                    f.write(json.dumps(json.load(g)) + "\n")
        prove_cmd = [zk, "prove", "--model", package, "--batch", batch_file, "-o", proof]
    verify_cmd = [zk, "verify", "--card", card, proof]
    lines = []
    for threads in threads_list:
        prove_s, prove_wall, verify_ms, verify_wall_ms = [], [], [], []
        inference_ms, prove_rss, verify_rss = [], [], []
        phases = {}
        for _ in range(reps):
            out, wall, rss = run_measured(prove_cmd, threads)
            prove_rss.append(rss)
            output = json.loads(re.search(r"output \(real\): +(.*)", out).group(1))
            for phase, ms in re.findall(r" ([a-z -]+) ([0-9.]+);", out.split("prover phases (ms):")[1]):
                phases.setdefault(phase, []).append(float(ms))
            prove_s.append(float(re.search(r"proved in ([0-9.]+) s", out).group(1)))
            inference_ms.append(float(
                re.search(r"plain quantized inference in ([0-9.]+) ms", out).group(1)))
            prove_wall.append(wall)
            out, wall, rss = run_measured(verify_cmd, threads)
            verify_rss.append(rss)
            if "ACCEPT" not in out:
                sys.exit(f"verification failed: {out}")
            verify_ms.append(float(re.search(r"verified in ([0-9.]+) ms", out).group(1)))
            verify_wall_ms.append(wall * 1000)
        batch = len(batch_inputs) if batch_inputs else 1
        lines.append({
            "model": name,
            "batch": batch,
            "threads": threads,
            "zero_knowledge": True,
            "reps": reps,
            "commit_command_s": round(commit_s, 4),
            "prove_s": round(statistics.median(prove_s), 4),
            "prove_s_per_inference": round(statistics.median(prove_s) / batch, 4),
            "prove_command_s": round(statistics.median(prove_wall), 4),
            "verify_ms": round(statistics.median(verify_ms), 1),
            "verify_command_ms": round(statistics.median(verify_wall_ms), 1),
            "plain_inference_ms": round(statistics.median(inference_ms), 3),
            "prove_over_inference": round(
                statistics.median(prove_s) * 1e3 / statistics.median(inference_ms)),
            "proof_bytes": os.path.getsize(proof),
            "output": output,
            "prove_phases_ms": {k: round(statistics.median(v), 1) for k, v in phases.items()},
            "prove_peak_rss_mib": round(max(prove_rss), 1),
            "verify_peak_rss_mib": round(max(verify_rss), 1),
        })
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zkinfer", default=os.path.join(ROOT, "build/release/zkinfer"))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--batch", type=int, default=16,
                        help="also prove this many LeNet inputs in one proof (0: skip)")
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    with tempfile.TemporaryDirectory(prefix="zkinfer-bench-") as tmp:
        for name, onnx, calibration, inp in MODELS:
            for line in measure(args.zkinfer, name, os.path.join(EXAMPLES, onnx),
                                os.path.join(EXAMPLES, calibration), os.path.join(EXAMPLES, inp),
                                tmp, threads, args.reps):
                print(json.dumps(line), flush=True)
        if args.batch > 0:
            name, onnx, calibration, _ = MODELS[0]
            inputs = [os.path.join(EXAMPLES, f"fashion_mnist/input_{i % 3}.json")
                      for i in range(args.batch)]
            for line in measure(args.zkinfer, name, os.path.join(EXAMPLES, onnx),
                                os.path.join(EXAMPLES, calibration), inputs[0], tmp, threads,
                                args.reps, inputs):
                print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
