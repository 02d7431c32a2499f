#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Trains the breast-cancer MLP fixture (30-16-8-2) on scikit-learn's bundled data.

The model takes STANDARDIZED features: (raw - mean) / std with the training
split's mean and std, saved in standardization.json.  Labels follow
scikit-learn: 0 = malignant, 1 = benign.
"""

import os
import sys

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import common  # noqa: E402

SEED = 20240602
TEST_FRACTION = 0.2


def main():
    common.configure_torch(SEED)
    data = load_breast_cancer()
    train_raw, test_raw, train_y, test_y = train_test_split(
        data.data, data.target.astype(np.int64), test_size=TEST_FRACTION, random_state=SEED,
        stratify=data.target)
    mean, std = common.standardization_stats(train_raw)
    train_x = ((train_raw - mean) / std).astype(np.float32)
    test_x = ((test_raw - mean) / std).astype(np.float32)
    print(f"breast cancer: {len(train_x)} training, {len(test_x)} test samples, "
          f"{train_x.shape[1]} features")

    model = nn.Sequential(nn.Linear(30, 16), nn.ReLU(), nn.Linear(16, 8), nn.ReLU(),
                          nn.Linear(8, 2))
    common.train_classifier(model, train_x, train_y, epochs=60, batch_size=32,
                            learning_rate=1e-3, seed=SEED, weight_decay=1e-4)
    test_logits = common.predict_logits(model, test_x)
    print(f"breast cancer MLP test accuracy ({len(test_x)} samples): "
          f"{common.accuracy(test_logits, test_y):.4f}")

    proto = common.export_onnx(model, [1, 30], os.path.join(HERE, "mlp.onnx"))
    common.check_against_torch(proto, model, test_x, "mlp")

    common.save_json(os.path.join(HERE, "standardization.json"), {
        "features": [str(name) for name in data.feature_names],
        "mean": [float(v) for v in mean],
        "std": [float(v) for v in std],
        "labels": {"0": "malignant", "1": "benign"},
    })
    common.save_npy(os.path.join(HERE, "test_features.npy"), test_x, np.float32)
    common.save_npy(os.path.join(HERE, "test_labels.npy"), test_y, np.int64)
    common.save_npy(os.path.join(HERE, "calibration.npy"), train_x, np.float32)
    common.save_tensor_json(os.path.join(HERE, "input_0.json"), test_x[:1])
    common.save_tensor_json(os.path.join(HERE, "mlp_output_0.json"), test_logits[:1])


if __name__ == "__main__":
    main()
