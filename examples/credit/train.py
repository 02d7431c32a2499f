#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Trains the two credit-decision fixtures on the synthetic applicant table.

Both models have the same input layout [1, 9] (standardized features, in
feature_names.json order) and output two logits [approve, decline]:
  credit_mlp.onnx               uses every feature;
  credit_mlp_no_protected.onnx  has the first-layer weight columns of the
                                protected features (age, sex) held at exactly
                                +0.0 throughout training and in the export.
"""

import os
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import common  # noqa: E402
import make_applicants as applicants  # noqa: E402

SEED = 20240604
TEST_FRACTION = 0.2
CALIBRATION_ROWS = 512
PROTECTED_COLUMNS = [applicants.FEATURE_NAMES.index(name) for name in applicants.PROTECTED]


def make_model():
    return nn.Sequential(nn.Linear(len(applicants.FEATURE_NAMES), 32), nn.ReLU(),
                         nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 2))


def zero_protected_columns(model):
    """Sets the protected input columns of the first layer to +0.0 (bitwise zero)."""
    with torch.no_grad():
        model[0].weight[:, PROTECTED_COLUMNS] = 0.0


def assert_protected_columns_zero(proto):
    weight = common.first_gemm_weight(proto)
    columns = np.ascontiguousarray(weight[:, PROTECTED_COLUMNS])
    if np.any(columns.view(np.uint32) != 0):
        raise AssertionError("protected first-layer weight columns are not all exactly +0.0")
    print(f"  verified: first Gemm weight columns {PROTECTED_COLUMNS} "
          f"({', '.join(applicants.PROTECTED)}) are exactly +0.0")


def assert_ignores_protected(proto, test_x):
    """Scrambling age and sex must leave the exported graph's output bit-identical."""
    scrambled = test_x.copy()
    rng = np.random.default_rng(SEED)
    scrambled[:, PROTECTED_COLUMNS] = rng.normal(size=(len(test_x), len(PROTECTED_COLUMNS)))
    if not np.array_equal(common.run_reference(proto, test_x),
                          common.run_reference(proto, scrambled)):
        raise AssertionError("output of the no-protected model changed with age/sex")
    print("  verified: scrambling age and sex leaves every test output bit-identical")


def report_decline_rates(test_raw, test_y, decisions):
    """Decline rate per protected group: how much each model leans on age and sex."""
    age = test_raw[:, applicants.FEATURE_NAMES.index("age")]
    sex = test_raw[:, applicants.FEATURE_NAMES.index("sex")]
    groups = [("female", sex == 0), ("male", sex == 1), ("age < 35", age < 35),
              ("age >= 35", age >= 35)]
    print("decline rate by group (label = observed default):")
    for group, members in groups:
        rates = "  ".join(f"{name} {np.mean(decision[members]):.3f}"
                          for name, decision in decisions.items())
        print(f"  {group:9} n={int(members.sum()):4}  label {np.mean(test_y[members]):.3f}  {rates}")


def split(features, outcome, probability):
    order = np.random.default_rng(SEED).permutation(len(outcome))
    test_count = int(round(TEST_FRACTION * len(outcome)))
    test, train = order[:test_count], order[test_count:]
    return (features[train], outcome[train]), (features[test], outcome[test], probability[test])


def main():
    common.configure_torch(SEED)
    features, probability, outcome = applicants.make_applicants()
    (train_raw, train_y), (test_raw, test_y, test_probability) = split(
        features, outcome, probability)
    mean, std = common.standardization_stats(train_raw)
    train_x = ((train_raw - mean) / std).astype(np.float32)
    test_x = ((test_raw - mean) / std).astype(np.float32)
    bayes = float(np.mean((test_probability > 0.5) == test_y))
    print(f"credit: {len(train_x)} training, {len(test_x)} test applicants; default rate "
          f"{outcome.mean():.3f}; accuracy of the true default probability on the test split "
          f"{bayes:.4f}")

    decisions = {}
    for index, (name, masked) in enumerate([("credit_mlp", False),
                                            ("credit_mlp_no_protected", True)]):
        print(f"\n{name}: training")
        torch.manual_seed(SEED + index)
        model = make_model()
        project = (lambda m=model: zero_protected_columns(m)) if masked else None
        if masked:
            zero_protected_columns(model)
        common.train_classifier(model, train_x, train_y, epochs=40, batch_size=64,
                                learning_rate=1e-3, seed=SEED + index, after_step=project,
                                weight_decay=1e-4)
        logits = common.predict_logits(model, test_x)
        decisions[name] = np.argmax(logits, axis=1)
        print(f"  {name} test accuracy ({len(test_x)} applicants): "
              f"{common.accuracy(logits, test_y):.4f}")
        proto = common.export_onnx(model, [1, len(applicants.FEATURE_NAMES)],
                                   os.path.join(HERE, f"{name}.onnx"))
        common.check_against_torch(proto, model, test_x, name)
        if masked:
            assert_protected_columns_zero(proto)
            assert_ignores_protected(proto, test_x)
        common.save_tensor_json(os.path.join(HERE, f"{name}_output_0.json"), logits[:1])
    disagree = float(np.mean(decisions["credit_mlp"] != decisions["credit_mlp_no_protected"]))
    print(f"\nthe two models disagree on {disagree:.4f} of the test applicants")
    report_decline_rates(test_raw, test_y, decisions)

    common.save_json(os.path.join(HERE, "feature_names.json"), {
        "features": applicants.FEATURE_NAMES,
        "units": [unit for _, unit, _ in applicants.FEATURES],
        "protected": applicants.PROTECTED,
        "protected_indices": PROTECTED_COLUMNS,
        "outputs": applicants.OUTCOMES,
    })
    common.save_json(os.path.join(HERE, "standardization.json"), {
        "features": applicants.FEATURE_NAMES,
        "mean": [float(v) for v in mean],
        "std": [float(v) for v in std],
    })
    common.save_npy(os.path.join(HERE, "applicants_test.npy"), test_x, np.float32)
    common.save_npy(os.path.join(HERE, "labels_test.npy"), test_y, np.int64)
    common.save_npy(os.path.join(HERE, "calibration.npy"), train_x[:CALIBRATION_ROWS], np.float32)
    common.save_tensor_json(os.path.join(HERE, "input_0.json"), test_x[:1])


if __name__ == "__main__":
    main()
