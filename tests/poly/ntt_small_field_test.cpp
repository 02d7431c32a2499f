// SPDX-License-Identifier: Apache-2.0
// The generic (scalar radix-2) transforms of poly/ntt.hpp over small 2-adic
// prime fields, against the textbook O(n^2) sums, and the Goldilocks
// instantiation of the templates against the optimised paths.
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "base/error.hpp"
#include "field/small_prime.hpp"
#include "poly/ntt.hpp"
#include "support/rng.hpp"

namespace zkinfer::poly {
namespace {

using testing::TestRng;

template <class F>
class SmallFieldNtt : public ::testing::Test {};

// 2^8 + 1 and 2^16 + 1 (p - 1 a power of two), 7681 = 15 * 2^9 + 1.
using Fields =
    ::testing::Types<field::SmallPrime<257>, field::SmallPrime<65537>, field::SmallPrime<7681>>;
TYPED_TEST_SUITE(SmallFieldNtt, Fields);

// The largest size the tests sweep: 2^10, or less where the field stops.
template <class F>
constexpr unsigned kMaxTestLog = std::min(F::kTwoAdicity, 10u);

template <class F>
std::vector<F> random_vector(std::size_t n, TestRng& rng) {
  std::vector<F> v(n);
  for (F& x : v) x = F::sample(rng);
  return v;
}

// sum_j c_j (shift w^i)^j for i < N, w a primitive N-th root.
template <class F>
std::vector<F> naive_evaluations(const std::vector<F>& c, std::size_t size, F shift) {
  unsigned log_size = 0;
  while ((std::size_t{1} << log_size) < size) ++log_size;
  const F w = F::root_of_unity(log_size);
  std::vector<F> out(size);
  F x = shift;
  for (std::size_t i = 0; i < size; ++i, x *= w) {
    F acc = F::zero(), power = F::one();
    for (const F& cj : c) {
      acc += cj * power;
      power *= x;
    }
    out[i] = acc;
  }
  return out;
}

TYPED_TEST(SmallFieldNtt, RootsAndGeneratorHaveTheRightOrder) {
  using F = TypeParam;
  const F g = F::from_u64(F::kGenerator);
  EXPECT_EQ(g.pow(F::kModulus - 1), F::one());
  // Order exactly p - 1: no maximal proper divisor (p - 1) / q kills g.
  for (std::uint64_t q = 2, rest = F::kModulus - 1; q <= rest; ++q) {
    if (rest % q != 0) continue;
    EXPECT_NE(g.pow((F::kModulus - 1) / q), F::one()) << "prime factor " << q;
    while (rest % q == 0) rest /= q;
  }
  for (unsigned k = 0; k <= F::kTwoAdicity; ++k) {
    const F w = F::root_of_unity(k);
    EXPECT_EQ(w.pow(std::uint64_t{1} << k), F::one()) << k;
    if (k > 0) {
      EXPECT_NE(w.pow(std::uint64_t{1} << (k - 1)), F::one()) << k;
      EXPECT_EQ(w.square(), F::root_of_unity(k - 1)) << k;
    }
  }
}

TYPED_TEST(SmallFieldNtt, MatchesTheTextbookTransformAndInvertsIt) {
  using F = TypeParam;
  TestRng rng(1);
  for (unsigned k = 0; k <= kMaxTestLog<F>; ++k) {
    const std::vector<F> c = random_vector<F>(std::size_t{1} << k, rng);
    std::vector<F> v = c;
    ntt<F>(v);
    EXPECT_EQ(v, naive_evaluations(c, c.size(), F::one())) << "size 2^" << k;
    intt<F>(v);
    EXPECT_EQ(v, c) << "size 2^" << k;
  }
}

TYPED_TEST(SmallFieldNtt, CosetLdeEvaluatesOnTheShiftedSubgroup) {
  using F = TypeParam;
  TestRng rng(2);
  for (unsigned k = 0; k + 2 <= kMaxTestLog<F>; k += 2) {
    for (unsigned blowup : {0u, 1u, 2u}) {
      const std::size_t n = std::size_t{1} << k, size = n << blowup;
      const std::vector<F> c = random_vector<F>(n, rng);
      std::vector<F> codeword(size);
      coset_lde<F>(c, codeword);
      EXPECT_EQ(codeword, naive_evaluations(c, size, default_coset_shift<F>()))
          << "2^" << k << " blowup " << blowup;
      // In place: the message at the start of the codeword buffer.
      std::vector<F> in_place(size, F::one());
      std::copy(c.begin(), c.end(), in_place.begin());
      coset_lde<F>(std::span<const F>(in_place).first(n), in_place);
      EXPECT_EQ(in_place, codeword);
    }
  }
}

TYPED_TEST(SmallFieldNtt, RejectsSizesTheFieldCannotTransform) {
  using F = TypeParam;
  std::vector<F> three(3), too_big(std::size_t{1} << (F::kTwoAdicity + 1));
  EXPECT_THROW(ntt<F>(three), Error);
  EXPECT_THROW(intt<F>(too_big), Error);
  std::vector<F> message(4), shorter(2);
  EXPECT_THROW(coset_lde<F>(message, shorter), Error);
}

TEST(GoldilocksNttTemplates, AreTheOptimisedTransforms) {
  TestRng rng(3);
  for (unsigned k : {0u, 5u, 6u, 13u, 16u}) {
    const std::vector<Goldilocks> c = random_vector<Goldilocks>(std::size_t{1} << k, rng);
    std::vector<Goldilocks> via_template = c, direct = c;
    ntt<Goldilocks>(via_template);
    ntt(direct, Isa::kScalar);
    EXPECT_EQ(via_template, direct) << k;
    intt<Goldilocks>(via_template);
    EXPECT_EQ(via_template, c) << k;
    std::vector<Goldilocks> lde(c.size() * 4), expected(c.size() * 4);
    coset_lde<Goldilocks>(c, lde);
    coset_lde(c, expected, kDefaultCosetShift, Isa::kScalar);
    EXPECT_EQ(lde, expected) << k;
  }
}

}  // namespace
}  // namespace zkinfer::poly
