// SPDX-License-Identifier: Apache-2.0
#include "poly/ntt.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <iterator>
#include <random>
#include <span>
#include <vector>

#include "base/error.hpp"

namespace zkinfer::poly {
namespace {

constexpr std::uint64_t kP = Goldilocks::kModulus;

// Sanitizer builds run the same tests on smaller sizes to stay fast.
#if defined(__SANITIZE_ADDRESS__)
constexpr unsigned kMaxRoundTripLog = 16;
constexpr unsigned kMaxIsaLog = 15;
#else
constexpr unsigned kMaxRoundTripLog = 20;
constexpr unsigned kMaxIsaLog = 18;
#endif

std::vector<Goldilocks> random_vector(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Goldilocks> v(n);
  for (auto& x : v) x = Goldilocks::sample(rng);
  return v;
}

// sum_j coeffs[j] * x^j by Horner's rule.
Goldilocks evaluate(const std::vector<Goldilocks>& coeffs, Goldilocks x) {
  Goldilocks acc = Goldilocks::zero();
  for (auto it = coeffs.rbegin(); it != coeffs.rend(); ++it) acc = acc * x + *it;
  return acc;
}

// Evaluations at shift * w^i, i < size, with w a primitive size-th root.
std::vector<Goldilocks> naive_coset_evaluations(const std::vector<Goldilocks>& coeffs,
                                                std::size_t size, Goldilocks shift) {
  const Goldilocks w = Goldilocks::root_of_unity(static_cast<unsigned>(std::countr_zero(size)));
  std::vector<Goldilocks> out(size);
  Goldilocks x = shift;
  for (std::size_t i = 0; i < size; ++i, x *= w) out[i] = evaluate(coeffs, x);
  return out;
}

// Inputs that stress the reductions: values at and near 0, 2^32 and p.
std::vector<Goldilocks> edge_vector(std::size_t n, std::uint64_t seed) {
  constexpr std::uint64_t k2_32 = std::uint64_t{1} << 32;
  static constexpr std::uint64_t kEdges[] = {
      0,         1,     2,         kP - 3,     kP - 2,     kP - 1, (kP - 1) / 2,
      k2_32 - 1, k2_32, k2_32 + 1, kP - k2_32, k2_32 << 31};
  std::mt19937_64 rng(seed);
  std::vector<Goldilocks> v(n);
  for (auto& x : v) x = Goldilocks::from_canonical(kEdges[rng() % std::size(kEdges)]);
  return v;
}

TEST(Ntt, MatchesNaiveEvaluationForEverySizeUpTo1024) {
  for (unsigned log_n = 0; log_n <= 10; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    const std::vector<Goldilocks> coeffs = random_vector(n, 100 + log_n);
    std::vector<Goldilocks> values = coeffs;
    ntt(values);
    EXPECT_EQ(values, naive_coset_evaluations(coeffs, n, Goldilocks::one())) << "n = " << n;
  }
}

TEST(Ntt, InverseUndoesForward) {
  for (unsigned log_n = 0; log_n <= kMaxRoundTripLog; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    const std::vector<Goldilocks> coeffs = random_vector(n, 200 + log_n);
    std::vector<Goldilocks> values = coeffs;
    ntt(values);
    intt(values);
    ASSERT_EQ(values, coeffs) << "n = " << n;
  }
}

TEST(Ntt, InverseMatchesNaiveInterpolation) {
  // intt(v) are the coefficients whose evaluations are v.
  for (unsigned log_n : {0u, 3u, 6u, 9u}) {
    const std::size_t n = std::size_t{1} << log_n;
    const std::vector<Goldilocks> evals = random_vector(n, 300 + log_n);
    std::vector<Goldilocks> coeffs = evals;
    intt(coeffs);
    EXPECT_EQ(naive_coset_evaluations(coeffs, n, Goldilocks::one()), evals) << "n = " << n;
  }
}

TEST(Ntt, CosetLdeMatchesNaiveEvaluation) {
  const Goldilocks shift = Goldilocks::from_u64(Goldilocks::kGenerator);
  for (unsigned log_n : {0u, 1u, 3u, 5u, 6u, 8u}) {
    for (unsigned log_blowup = 0; log_blowup <= 3; ++log_blowup) {
      const std::size_t n = std::size_t{1} << log_n;
      const std::vector<Goldilocks> coeffs = random_vector(n, 400 + 10 * log_n + log_blowup);
      EXPECT_EQ(coset_lde(coeffs, log_blowup),
                naive_coset_evaluations(coeffs, n << log_blowup, shift))
          << "n = " << n << ", log_blowup = " << log_blowup;
    }
  }
}

TEST(Ntt, CosetLdeWithOtherShifts) {
  const std::vector<Goldilocks> coeffs = random_vector(64, 7);
  for (std::uint64_t shift : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{3}, kP - 1}) {
    const Goldilocks s = Goldilocks::from_u64(shift);
    EXPECT_EQ(coset_lde(coeffs, 2, s), naive_coset_evaluations(coeffs, 256, s))
        << "shift = " << shift;
  }
}

TEST(Ntt, CosetLdeRestrictsToTheSmallerCoset) {
  // shift * w_N^(2^b m) = shift * w_n^m: every 2^b-th codeword symbol is the
  // blowup-0 evaluation on the coset shift * <w_n>.
  const std::vector<Goldilocks> coeffs = random_vector(1 << 12, 8);
  const std::vector<Goldilocks> base = coset_lde(coeffs, 0);
  for (unsigned log_blowup = 1; log_blowup <= 3; ++log_blowup) {
    const std::vector<Goldilocks> lde = coset_lde(coeffs, log_blowup);
    ASSERT_EQ(lde.size(), coeffs.size() << log_blowup);
    for (std::size_t m = 0; m < base.size(); ++m) {
      ASSERT_EQ(lde[m << log_blowup], base[m]) << "m = " << m << ", log_blowup = " << log_blowup;
    }
  }
}

TEST(Ntt, CosetLdeWithUnitShiftExtendsTheNtt) {
  std::vector<Goldilocks> values = random_vector(1 << 10, 9);
  const std::vector<Goldilocks> lde = coset_lde(values, 0, Goldilocks::one());
  ntt(values);
  EXPECT_EQ(lde, values);
}

TEST(Ntt, CosetLdeIntoASpanAndInPlace) {
  const std::vector<Goldilocks> coeffs = random_vector(1 << 10, 12);
  const std::vector<Goldilocks> expected = coset_lde(coeffs, 2);
  std::vector<Goldilocks> codeword(coeffs.size() << 2);
  coset_lde(coeffs, codeword);
  EXPECT_EQ(codeword, expected);
  // The message may sit in the codeword buffer itself.
  std::vector<Goldilocks> in_place(coeffs.size() << 2, Goldilocks::one());
  std::copy(coeffs.begin(), coeffs.end(), in_place.begin());
  coset_lde(std::span<const Goldilocks>(in_place.data(), coeffs.size()), in_place);
  EXPECT_EQ(in_place, expected);
}

TEST(Ntt, RsEncodeEvalsInterpolatesFirst) {
  const std::vector<Goldilocks> coeffs = random_vector(1 << 9, 10);
  std::vector<Goldilocks> evals = coeffs;
  ntt(evals);
  EXPECT_EQ(rs_encode_evals(evals, 2), coset_lde(coeffs, 2));
}

// ntt, intt and coset_lde on `isa` agree bit for bit with the scalar path.
void expect_same_as_scalar(Isa isa) {
  for (unsigned log_n = 0; log_n <= kMaxIsaLog; ++log_n) {
    const std::size_t n = std::size_t{1} << log_n;
    for (const auto& input : {random_vector(n, 500 + log_n), edge_vector(n, 600 + log_n)}) {
      std::vector<Goldilocks> expected = input, actual = input;
      ntt(expected, Isa::kScalar);
      ntt(actual, isa);
      ASSERT_EQ(actual, expected) << "ntt, n = " << n;
      intt(expected, Isa::kScalar);
      intt(actual, isa);
      ASSERT_EQ(actual, expected) << "intt, n = " << n;
      const unsigned log_blowup = log_n % 3 + 1;
      ASSERT_EQ(coset_lde(input, log_blowup, kDefaultCosetShift, isa),
                coset_lde(input, log_blowup, kDefaultCosetShift, Isa::kScalar))
          << "coset_lde, n = " << n;
    }
  }
}

TEST(Ntt, Avx2MatchesScalar) {
  if (!cpu_has_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
  expect_same_as_scalar(Isa::kAvx2);
}

TEST(Ntt, Avx512MatchesScalar) {
  if (!cpu_has_avx512()) GTEST_SKIP() << "no AVX-512 on this CPU";
  expect_same_as_scalar(Isa::kAvx512);
}

TEST(Ntt, EdgeValuesMatchNaiveEvaluation) {
  for (unsigned log_n : {2u, 6u, 9u}) {
    const std::size_t n = std::size_t{1} << log_n;
    const std::vector<Goldilocks> coeffs = edge_vector(n, 700 + log_n);
    std::vector<Goldilocks> values = coeffs;
    ntt(values);
    EXPECT_EQ(values, naive_coset_evaluations(coeffs, n, Goldilocks::one())) << "n = " << n;
  }
}

TEST(Ntt, ThreadCountDoesNotChangeResults) {
  const int saved = omp_get_max_threads();
  const std::vector<Goldilocks> input = random_vector(std::size_t{1} << 16, 11);
  std::vector<std::vector<Goldilocks>> forward, lde;
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    std::vector<Goldilocks> values = input;
    ntt(values);
    forward.push_back(values);
    lde.push_back(coset_lde(input, 2));
  }
  omp_set_num_threads(saved);
  EXPECT_EQ(forward[0], forward[1]);
  EXPECT_EQ(lde[0], lde[1]);
}

TEST(Ntt, RejectsBadSizes) {
  for (std::size_t n : {0, 3, 6, 12, 1000}) {
    std::vector<Goldilocks> values(n);
    EXPECT_THROW(ntt(values), Error) << "n = " << n;
    EXPECT_THROW(intt(values), Error) << "n = " << n;
    EXPECT_THROW(coset_lde(values, 1), Error) << "n = " << n;
  }
  const std::vector<Goldilocks> coeffs(8);
  EXPECT_THROW(coset_lde(coeffs, 30), Error);  // 2^33 symbols
  EXPECT_THROW(coset_lde(coeffs, 100), Error);
  for (std::size_t size : {0, 4, 12, 24}) {
    std::vector<Goldilocks> codeword(size);
    EXPECT_THROW(coset_lde(coeffs, codeword), Error) << "codeword size " << size;
  }
}

}  // namespace
}  // namespace zkinfer::poly
