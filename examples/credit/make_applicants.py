#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Generates the synthetic credit-applicant table used by the credit examples.

Every column's distribution and the ground-truth default formula are written
out below and in README.md (keep the two in sync).  The recorded outcome
depends directly on age and sex (a deliberately biased "history"), so a model
that may use those columns differs from one that may not.

As a script: make_applicants.py OUT.csv [--count N] [--seed S] writes the raw
table (features, default probability, outcome) as CSV.
"""

import argparse
import os
import sys

import numpy as np

FEATURES = [
    # name, unit, protected
    ("income", "thousand EUR per year", False),
    ("debt_to_income", "ratio of monthly debt payments to monthly income", False),
    ("credit_history_years", "years", False),
    ("late_payments_12m", "count in the last 12 months", False),
    ("open_accounts", "count", False),
    ("loan_amount", "thousand EUR", False),
    ("employment_years", "years with the current employer", False),
    ("age", "years", True),
    ("sex", "0 = female, 1 = male", True),
]
FEATURE_NAMES = [name for name, _, _ in FEATURES]
PROTECTED = [name for name, _, protected in FEATURES if protected]
OUTCOMES = ["approve", "decline"]  # label 0 = repaid (approve), 1 = defaulted (decline)

DEFAULT_COUNT = 10000
DEFAULT_SEED = 20240603


def default_logit(income, debt_to_income, credit_history_years, late_payments_12m,
                  loan_amount, employment_years, age, sex):
    """Ground-truth log-odds of default (open_accounts has no effect)."""
    return (-1.0
            + 5.0 * (debt_to_income - 0.3)
            + 0.7 * late_payments_12m
            - 0.06 * credit_history_years
            + 1.5 * (np.log(loan_amount / income) + 1.0)
            - 0.05 * employment_years
            - 0.8 * np.log(income / 40.0)
            - 0.04 * (age - 45.0)
            + 0.8 * sex)


def make_applicants(count=DEFAULT_COUNT, seed=DEFAULT_SEED):
    """Returns (features [count, 9] float64 in FEATURE_NAMES order,
    default probability [count], outcome [count] int64 with 1 = defaulted)."""
    rng = np.random.default_rng(seed)
    age = rng.integers(21, 71, size=count).astype(np.float64)
    sex = rng.integers(0, 2, size=count).astype(np.float64)
    working_life = age - 18.0
    income = np.clip(np.exp(rng.normal(np.log(38.0) + 0.012 * (age - 40.0) + 0.15 * sex, 0.45)),
                     8.0, 400.0)
    debt_to_income = rng.beta(2.0, 5.0, size=count)
    credit_history_years = working_life * rng.uniform(0.2, 1.0, size=count)
    late_payments_12m = rng.poisson(0.3 + 2.0 * debt_to_income).astype(np.float64)
    open_accounts = 1.0 + rng.poisson(3.0 + 0.05 * credit_history_years).astype(np.float64)
    loan_amount = np.clip(np.exp(rng.normal(np.log(0.35 * income), 0.5)), 1.0, 500.0)
    employment_years = working_life * rng.uniform(0.0, 0.8, size=count)

    probability = 1.0 / (1.0 + np.exp(-default_logit(
        income, debt_to_income, credit_history_years, late_payments_12m, loan_amount,
        employment_years, age, sex)))
    outcome = (rng.uniform(size=count) < probability).astype(np.int64)
    features = np.stack([income, debt_to_income, credit_history_years, late_payments_12m,
                         open_accounts, loan_amount, employment_years, age, sex], axis=1)
    return features, probability, outcome


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_csv")
    parser.add_argument("--count", type=int, default=DEFAULT_COUNT)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args()
    features, probability, outcome = make_applicants(args.count, args.seed)
    table = np.column_stack([features, probability, outcome])
    temp_path = args.out_csv + ".tmp"
    np.savetxt(temp_path, table, delimiter=",", fmt="%.6g", comments="",
               header=",".join(FEATURE_NAMES + ["default_probability", "defaulted"]))
    os.replace(temp_path, args.out_csv)
    print(f"wrote {args.count} applicants to {args.out_csv}; default rate {outcome.mean():.3f}")


if __name__ == "__main__":
    sys.exit(main())
