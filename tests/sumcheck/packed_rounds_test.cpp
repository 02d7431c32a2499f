// SPDX-License-Identifier: Apache-2.0
#include "sumcheck/packed_rounds.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "sumcheck/sumcheck.hpp"
#include "support/rng.hpp"

namespace zkinfer::sumcheck::detail {
namespace {

using field::Goldilocks;
using field::GoldilocksExt2;
using testing::TestRng;

// Mostly uniform, with the edges of the canonical range where a packed
// reduction would go wrong first.
Goldilocks random_base(TestRng& rng) {
  switch (rng.below(8)) {
    case 0:
      return Goldilocks::zero();
    case 1:
      return Goldilocks::from_canonical(Goldilocks::kModulus - 1);
    case 2:
      return Goldilocks::from_canonical(Goldilocks::kModulus - 1 - rng.below(1u << 20));
    default:
      return Goldilocks::from_u64(rng());
  }
}

GoldilocksExt2 random_ext(TestRng& rng) {
  return GoldilocksExt2(random_base(rng), random_base(rng));
}

enum class Kind { kBase, kExt, kUnread };

// A random round: tables of each kind, terms of 0 to 3 factors with unit,
// zero or random coefficients, a shared factor or none, a weight or none.
struct RandomRound {
  std::vector<std::vector<Goldilocks>> base;
  std::vector<std::vector<GoldilocksExt2>> ext;
  std::vector<RoundTable<GoldilocksExt2>> views;
  std::vector<GoldilocksExt2> weight;
  std::vector<unsigned> points;
  std::optional<MixedRoundTerms<GoldilocksExt2>> plan;
  unsigned degree = 0;

  RandomRound(TestRng& rng, std::size_t half) {
    degree = 1 + static_cast<unsigned>(rng.below(4));
    const std::size_t num_tables = 1 + rng.below(6);
    std::vector<bool> is_base(num_tables);
    std::vector<std::size_t> readable;
    base.resize(num_tables);
    ext.resize(num_tables);
    views.resize(num_tables);
    for (std::size_t j = 0; j < num_tables; ++j) {
      const Kind kind = j == 0 ? Kind::kExt : static_cast<Kind>(rng.below(3));
      if (kind == Kind::kBase) {
        for (std::size_t x = 0; x < 2 * half; ++x) base[j].push_back(random_base(rng));
        views[j].base = base[j].data();
        is_base[j] = true;
      } else if (kind == Kind::kExt) {
        for (std::size_t x = 0; x < 2 * half; ++x) ext[j].push_back(random_ext(rng));
        views[j].ext = ext[j].data();
      }
      if (kind != Kind::kUnread) readable.push_back(j);
    }
    RoundTerms<GoldilocksExt2> terms;
    if (rng.below(2) == 0) terms.shared = readable[rng.below(readable.size())];
    const std::size_t num_terms = 1 + rng.below(4);
    for (std::size_t t = 0; t < num_terms; ++t) {
      RoundTerms<GoldilocksExt2>::Term term;
      const std::uint64_t coefficient_kind = rng.below(3);
      term.coefficient = coefficient_kind == 0   ? GoldilocksExt2::one()
                         : coefficient_kind == 1 ? GoldilocksExt2::zero()
                                                 : random_ext(rng);
      term.unit = coefficient_kind == 0;
      const std::size_t num_factors = rng.below(4);
      for (std::size_t f = 0; f < num_factors; ++f)
        term.factors.push_back(readable[rng.below(readable.size())]);
      terms.terms.push_back(std::move(term));
    }
    plan.emplace(terms, is_base);
    if (rng.below(2) == 0) {
      for (std::size_t x = 0; x < half; ++x) weight.push_back(random_ext(rng));
    }
    for (unsigned k = 0; k <= degree; ++k) {
      if (rng.below(3) != 0) points.push_back(k);
    }
    if (points.empty()) points.push_back(degree);
  }
};

TEST(PackedRounds, RoundSumsEqualTheScalarLoopBitForBit) {
  if (!packed_rounds_available(8)) GTEST_SKIP() << "no AVX-512 on this machine (or ZKINFER_ISA)";
  TestRng rng(20261203);
  // 8 is one packed group; 2^13 runs the parallel loop.
  for (std::size_t half :
       {std::size_t{8}, std::size_t{16}, std::size_t{64}, std::size_t{1} << 13}) {
    for (int trial = 0; trial < (half > 64 ? 8 : 150); ++trial) {
      const RandomRound round(rng, half);
      const GoldilocksExt2* weight = round.weight.empty() ? nullptr : round.weight.data();
      const std::vector<GoldilocksExt2> scalar = scalar_round_sums<GoldilocksExt2>(
          *round.plan, round.views, half, round.degree, round.points, weight);
      const std::vector<GoldilocksExt2> packed =
          packed_round_sums(*round.plan, round.views, half, round.degree, round.points, weight);
      ASSERT_EQ(packed.size(), scalar.size());
      for (unsigned k : round.points) {
        ASSERT_EQ(packed[k], scalar[k]) << "half " << half << " trial " << trial << " point " << k;
      }
    }
  }
}

TEST(PackedRounds, FoldsEqualTheScalarFoldsBitForBit) {
  if (!packed_rounds_available(8)) GTEST_SKIP() << "no AVX-512 on this machine (or ZKINFER_ISA)";
  TestRng rng(5);
  for (std::size_t half : {std::size_t{8}, std::size_t{32}, std::size_t{1} << 13}) {
    for (int trial = 0; trial < 20; ++trial) {
      const GoldilocksExt2 r = trial == 0 ? GoldilocksExt2::zero() : random_ext(rng);
      std::vector<GoldilocksExt2> ext(2 * half);
      std::vector<Goldilocks> base(2 * half);
      for (auto& v : ext) v = random_ext(rng);
      for (auto& v : base) v = random_base(rng);

      std::vector<GoldilocksExt2> folded = ext;
      packed_fold(folded.data(), half, r);
      std::vector<GoldilocksExt2> lifted(half);
      packed_fold_base(base.data(), lifted.data(), half, r);
      for (std::size_t x = 0; x < half; ++x) {
        ASSERT_EQ(folded[x], ext[x] + r * (ext[x + half] - ext[x])) << x;
        ASSERT_EQ(lifted[x], GoldilocksExt2(base[x]) + r * (base[x + half] - base[x])) << x;
      }
      for (std::size_t x = half; x < 2 * half; ++x) ASSERT_EQ(folded[x], ext[x]) << x;
    }
  }
}

}  // namespace
}  // namespace zkinfer::sumcheck::detail
