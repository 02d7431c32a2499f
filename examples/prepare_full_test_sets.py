#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the full Fashion-MNIST test set as .npy files for quantization reports.

Usage: prepare_full_test_sets.py OUTDIR
Writes OUTDIR/fashion_mnist_test_images.npy (uint8 [10000, 784], raw pixels
0..255, the input convention of the Fashion-MNIST fixtures) and
OUTDIR/fashion_mnist_test_labels.npy (int64 [10000]).  Too large to commit.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

DATASET_DIR = "/usr/share/datasets/fashion-mnist"


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out_dir = sys.argv[1]
    images = common.load_idx(os.path.join(DATASET_DIR, "t10k-images-idx3-ubyte.gz"))
    labels = common.load_idx(os.path.join(DATASET_DIR, "t10k-labels-idx1-ubyte.gz"))
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} test images but {len(labels)} labels")
    images_path = os.path.join(out_dir, "fashion_mnist_test_images.npy")
    labels_path = os.path.join(out_dir, "fashion_mnist_test_labels.npy")
    common.save_npy(images_path, images.reshape(len(images), 28 * 28), np.uint8)
    common.save_npy(labels_path, labels, np.int64)
    print(f"wrote {len(images)} images to {images_path} and labels to {labels_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
