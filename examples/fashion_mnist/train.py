#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Trains the Fashion-MNIST MLP and LeNet-5 fixtures and writes their data files.

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
Both models take RAW pixel values 0..255 as float: they are trained on x/255
and the 1/255 is folded into the first layer's weights before export.
"""

import os
import sys
import time

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

DATASET_DIR = "/usr/share/datasets/fashion-mnist"
SEED = 20240601
PIXEL_SCALE = 255.0
FIXTURE_TEST_IMAGES = 1000
CALIBRATION_IMAGES = 256
SINGLE_INPUTS = 3


def load_split(prefix):
    images = common.load_idx(os.path.join(DATASET_DIR, f"{prefix}-images-idx3-ubyte.gz"))
    labels = common.load_idx(os.path.join(DATASET_DIR, f"{prefix}-labels-idx1-ubyte.gz"))
    return images.reshape(len(images), 28 * 28), labels.astype(np.int64)


class Unflatten(nn.Module):
    """Training-only view [N,784] -> [N,1,28,28]; never part of an exported graph."""

    def forward(self, x):
        return x.reshape(-1, 1, 28, 28)


def make_mlp():
    return nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def make_lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10))


def fold_pixel_scale(model):
    """Makes a model trained on x/255 accept raw x: divide the first layer's weights by 255."""
    with torch.no_grad():
        model[0].weight.div_(PIXEL_SCALE)


# name, constructor, input shape of the exported graph, epochs, batch size, learning rate
MODELS = [
    ("mlp", make_mlp, [1, 784], 6, 128, 1e-3),
    ("lenet", make_lenet, [1, 1, 28, 28], 6, 64, 2e-3),
]


def main():
    common.configure_torch(SEED)
    train_x, train_y = load_split("train")
    test_x, test_y = load_split("t10k")
    print(f"Fashion-MNIST: {len(train_x)} training, {len(test_x)} test images")

    common.save_npy(os.path.join(HERE, "test_images.npy"), test_x[:FIXTURE_TEST_IMAGES], np.uint8)
    common.save_npy(os.path.join(HERE, "test_labels.npy"), test_y[:FIXTURE_TEST_IMAGES], np.int64)
    common.save_npy(os.path.join(HERE, "calibration.npy"), train_x[:CALIBRATION_IMAGES], np.uint8)
    for k in range(SINGLE_INPUTS):
        common.save_tensor_json(os.path.join(HERE, f"input_{k}.json"),
                                test_x[k].astype(np.float32).reshape(1, 784))

    raw_test = test_x.astype(np.float32)
    for index, (name, make, input_shape, epochs, batch_size, lr) in enumerate(MODELS):
        print(f"\n{name}: training {epochs} epochs")
        torch.manual_seed(SEED + index)
        started = time.time()
        model = make()
        trainable = nn.Sequential(Unflatten(), model) if len(input_shape) == 4 else model
        common.train_classifier(trainable, train_x.astype(np.float32) / PIXEL_SCALE, train_y,
                                epochs, batch_size, lr, seed=SEED + index)
        print(f"  trained in {time.time() - started:.0f} s")
        fold_pixel_scale(model)

        def images(x, shape=input_shape):
            return x.reshape([-1] + shape[1:])

        test_accuracy = common.accuracy(common.predict_logits(model, images(raw_test)), test_y)
        print(f"  {name} test accuracy (full 10,000-image test set, raw-pixel input): "
              f"{test_accuracy:.4f}")

        proto = common.export_onnx(model, input_shape, os.path.join(HERE, f"{name}.onnx"))
        fixture = images(raw_test[:FIXTURE_TEST_IMAGES])
        reference = common.check_against_torch(proto, model, fixture, name)
        print(f"  {name} accuracy of the exported graph on test_images.npy: "
              f"{common.accuracy(reference, test_y[:FIXTURE_TEST_IMAGES]):.4f}")
        expected = common.predict_logits(model, fixture[:SINGLE_INPUTS])
        for k in range(SINGLE_INPUTS):
            common.save_tensor_json(os.path.join(HERE, f"{name}_output_{k}.json"),
                                    expected[k:k + 1])


if __name__ == "__main__":
    main()
