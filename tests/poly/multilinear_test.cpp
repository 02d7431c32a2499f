// SPDX-License-Identifier: Apache-2.0
#include "poly/multilinear.hpp"

#include <gtest/gtest.h>

#include "field/extension.hpp"
#include "support/rng.hpp"

namespace zkinfer::poly {
namespace {

using field::Goldilocks;
using field::GoldilocksExt2;
using testing::TestRng;

// eq(r, x) straight from the definition prod_j (r_j x_j + (1 - r_j)(1 - x_j)).
GoldilocksExt2 eq_naive(std::span<const GoldilocksExt2> r, std::size_t index) {
  GoldilocksExt2 acc = GoldilocksExt2::one();
  for (std::size_t j = 0; j < r.size(); ++j) {
    const bool bit = (index >> (r.size() - 1 - j)) & 1;
    acc *= bit ? r[j] : GoldilocksExt2::one() - r[j];
  }
  return acc;
}

TEST(Multilinear, EqTableMatchesDefinition) {
  TestRng rng(1);
  for (std::size_t n = 0; n <= 8; ++n) {
    std::vector<GoldilocksExt2> r(n);
    for (auto& x : r) x = GoldilocksExt2::sample(rng);
    const auto table = eq_table<GoldilocksExt2>(r);
    ASSERT_EQ(table.size(), std::size_t{1} << n);
    for (std::size_t i = 0; i < table.size(); ++i)
      ASSERT_EQ(table[i], eq_naive(r, i)) << n << " " << i;
  }
}

TEST(Multilinear, EvaluationAgreesOnHypercubeAndWithEqSum) {
  TestRng rng(2);
  for (std::size_t n = 0; n <= 7; ++n) {
    std::vector<Goldilocks> table(std::size_t{1} << n);
    for (auto& v : table) v = Goldilocks::sample(rng);
    // On a boolean point the MLE is the table entry.
    for (std::size_t i = 0; i < table.size(); ++i) {
      std::vector<GoldilocksExt2> point(n);
      for (std::size_t j = 0; j < n; ++j)
        point[j] = GoldilocksExt2::from_u64((i >> (n - 1 - j)) & 1);
      ASSERT_EQ((evaluate_mle<GoldilocksExt2, Goldilocks>(table, point)), GoldilocksExt2(table[i]));
    }
    std::vector<GoldilocksExt2> r(n);
    for (auto& x : r) x = GoldilocksExt2::sample(rng);
    const auto eq = eq_table<GoldilocksExt2>(r);
    GoldilocksExt2 expected = GoldilocksExt2::zero();
    for (std::size_t i = 0; i < table.size(); ++i) expected += eq[i] * table[i];
    ASSERT_EQ((evaluate_mle<GoldilocksExt2, Goldilocks>(table, r)), expected);
    // Folding variable 0 then evaluating the rest gives the same value.
    if (n > 0) {
      const auto folded = fold_first<GoldilocksExt2, Goldilocks>(table, r[0]);
      ASSERT_EQ((evaluate_mle<GoldilocksExt2, GoldilocksExt2>(folded, std::span(r).subspan(1))),
                expected);
    }
  }
}

TEST(Multilinear, RejectsMismatchedSizes) {
  std::vector<Goldilocks> table(8);
  std::vector<GoldilocksExt2> point(2);
  EXPECT_THROW((evaluate_mle<GoldilocksExt2, Goldilocks>(table, point)), Error);
  EXPECT_THROW(log2_exact(6), Error);
  EXPECT_EQ(log2_exact(64), 6u);
}

TEST(Multilinear, Log2CeilCountsTheVariablesOfAZeroPaddedTable) {
  EXPECT_EQ(log2_ceil(0), 0u);
  EXPECT_EQ(log2_ceil(1), 0u);
  EXPECT_EQ(log2_ceil(2), 1u);
  EXPECT_EQ(log2_ceil(3), 2u);
  EXPECT_EQ(log2_ceil(4), 2u);
  EXPECT_EQ(log2_ceil(5), 3u);
  EXPECT_EQ(log2_ceil(std::size_t{1} << 40), 40u);
  EXPECT_EQ(log2_ceil((std::size_t{1} << 40) + 1), 41u);
}

}  // namespace
}  // namespace zkinfer::poly
