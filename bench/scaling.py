#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Scaling figures on VGG-shaped CNNs over a 32x32x3 input (random weights):
writes the ONNX model and random calibration inputs, then runs zkinfer
commit / prove / verify through bench/e2e.py's measurement and prints one
JSON line per model and thread count (prove s, verify ms, proof bytes, peak
RSS, plain inference ms, MACs, parameters).

  bench/vgg.py [--models lenet-cifar,vgg11,vgg16] [--threads 1] [--reps 1]

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

# Channel plans ("M" = 2x2 max pooling), as in Simonyan & Zisserman (2015),
# with the 32x32 classifier of the CIFAR variants: 512 -> 512 -> 512 -> 10.
PLANS = {
    "vgg-mini": [16, "M", 32, "M", 64, "M"],
    "vgg11": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "vgg16": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
              512, 512, 512, "M"],
}


def make_model(plan):
    layers, channels = [], 3
    for item in plan:
        if item == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(channels, item, 3, padding=1), nn.ReLU()]
            channels = item
    side = 32 // (2 ** plan.count("M"))
    features = channels * side * side
    layers += [nn.Flatten(), nn.Linear(features, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
               nn.Linear(512, 10)]
    return nn.Sequential(*layers).eval()


def macs_and_parameters(model):
    macs, side = 0, 32
    for layer in model:
        if isinstance(layer, nn.Conv2d):
            macs += layer.weight.numel() * side * side
        elif isinstance(layer, nn.MaxPool2d):
            side //= 2
        elif isinstance(layer, nn.Linear):
            macs += layer.weight.numel()
    return macs, sum(p.numel() for p in model.parameters())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zkinfer", default=os.path.join(e2e.ROOT, "build/release/zkinfer"))
    parser.add_argument("--models", default="vgg-mini,vgg11,vgg16")
    parser.add_argument("--threads", default="1")
    parser.add_argument("--reps", type=int, default=1)
    args = parser.parse_args()
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="zkinfer-vgg-") as tmp:
        for name in args.models.split(","):
            model = make_model(PLANS[name])
            onnx_path = os.path.join(tmp, name + ".onnx")
            torch.onnx.export(model, torch.zeros(1, 3, 32, 32), onnx_path, opset_version=13)
            calibration = os.path.join(tmp, name + ".calibration.npy")
            np.save(calibration, rng.standard_normal((8, 3 * 32 * 32)).astype(np.float32))
            inp = os.path.join(tmp, name + ".input.json")
            with open(inp, "w") as f:
                json.dump({"shape": [1, 3 * 32 * 32],
                           "data": rng.standard_normal(3 * 32 * 32).astype(float).tolist()}, f)
            macs, parameters = macs_and_parameters(model)
            for line in e2e.measure(args.zkinfer, name, onnx_path, calibration, inp, tmp,
                                    [int(t) for t in args.threads.split(",")], args.reps):
                line.update({"macs": macs, "parameters": parameters})
                print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
