#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Scaling sweep: MLPs and VGG-shaped CNNs of growing width and depth (random
weights; parameters from 10^3 to 10^7, multiply-accumulates from 10^4 to
10^9), exported to ONNX and proved by zkinfer with zero knowledge on through
bench/e2e.py's measurement (commit, prove and verify each in its own
process). One JSON line per model and thread count: prove s, verify ms, proof
bytes, peak RSS, plain inference ms, prove / inference ratio, MACs,
parameters. Models above --big-parameters or --big-macs run --big-reps times.

  bench/scaling.py [--models mlp-1k,vgg16] [--threads 1,2] [--reps 3] [-o sweep.jsonl]

Needs Debian's python3-torch (model export only; nothing is downloaded).
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import e2e  # noqa: E402

# MLPs: layer widths from the input to the 10 outputs.
MLPS = {
    "mlp-1k": [64, 16, 10],
    "mlp-10k": [256, 32, 10],
    "mlp-100k": [784, 128, 10],
    "mlp-1m": [1024, 768, 256, 10],
    "mlp-10m": [2048, 2048, 2048, 512, 10],
}
# CNNs: (input side, channel plan with "M" = 2x2 max pooling, hidden classifier
# widths). The VGG plans are Simonyan & Zisserman's (2015) with the 32x32
# classifier of the CIFAR variants (512 -> 512 -> 10); cnn-1g spends its
# 10^9 MACs on two 64-channel convolutions at 128x128 with few parameters.
CNNS = {
    "cnn-tiny": (16, [8, "M", 16, "M"], []),
    "vgg-mini": (32, [16, "M", 32, "M", 64, "M"], [512, 512]),
    "vgg11": (32, [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"], [512, 512]),
    "vgg16": (32, [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
                   512, 512, 512, "M"], [512, 512]),
    "cnn-1g": (128, [64, 64, "M", 128, "M", 128, "M", "M", "M"], []),
}
ORDER = list(MLPS) + list(CNNS)


def dense(widths):
    layers = [nn.Flatten()]
    for i in range(len(widths) - 1):
        layers.append(nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(nn.ReLU())
    return layers


def make_model(name):
    """The torch module and its input shape."""
    if name in MLPS:
        widths = MLPS[name]
        return nn.Sequential(*dense(widths)).eval(), [1, widths[0]]
    side, plan, classifier = CNNS[name]
    layers, channels = [], 3
    for item in plan:
        if item == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU()]
            channels = item
    remaining = side // (2 ** plan.count("M"))
    layers += dense([channels * remaining * remaining] + classifier + [10])
    return nn.Sequential(*layers).eval(), [1, 3, side, side]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zkinfer", default=os.path.join(e2e.ROOT, "build/release/zkinfer"))
    parser.add_argument("--models", default=",".join(ORDER))
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--big-parameters", type=int, default=2_000_000)
    parser.add_argument("--big-macs", type=int, default=100_000_000)
    parser.add_argument("--big-reps", type=int, default=1)
    parser.add_argument("-o", "--output", default="-", help="JSON lines file (default stdout)")
    args = parser.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    out = sys.stdout if args.output == "-" else open(args.output + ".tmp", "w")
    with tempfile.TemporaryDirectory(prefix="zkinfer-scaling-") as tmp:
        for name in args.models.split(","):
            model, shape = make_model(name)
            onnx_path = os.path.join(tmp, name + ".onnx")
            torch.onnx.export(model, torch.zeros(*shape), onnx_path, opset_version=13)
            features = int(np.prod(shape[1:]))
            calibration = os.path.join(tmp, name + ".calibration.npy")
            np.save(calibration, rng.standard_normal((8, features)).astype(np.float32))
            inp = os.path.join(tmp, name + ".input.json")
            with open(inp, "w") as f:
                json.dump({"shape": shape,
                           "data": rng.standard_normal(features).astype(float).tolist()}, f)
            macs, parameters = e2e.model_cost(onnx_path)
            big = parameters > args.big_parameters or macs > args.big_macs
            reps = args.big_reps if big else args.reps
            print(f"{name}: {parameters} parameters, {macs} MACs, {reps} reps", file=sys.stderr,
                  flush=True)
            family = "mlp" if name in MLPS else "cnn"
            try:
                lines = e2e.measure(args.zkinfer, name, onnx_path, calibration, inp, tmp,
                                    [int(t) for t in args.threads.split(",")], reps)
            except SystemExit as failure:  # a model too large for this machine ends its row only
                lines = [{"model": name, "failed": str(failure)[-300:]}]
            for line in lines:
                line.update({"family": family, "macs": macs, "parameters": parameters})
                line.pop("output", None)
                out.write(json.dumps(line) + "\n")
                out.flush()
            os.remove(onnx_path)
    if out is not sys.stdout:
        out.close()
        os.replace(args.output + ".tmp", args.output)


if __name__ == "__main__":
    main()
