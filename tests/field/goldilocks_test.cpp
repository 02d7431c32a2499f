// SPDX-License-Identifier: Apache-2.0
#include "field/goldilocks.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "field/batch_inverse.hpp"
#include "field/concepts.hpp"
#include "support/rng.hpp"

namespace zkinfer::field {
namespace {

using testing::TestRng;
constexpr std::uint64_t P = Goldilocks::kModulus;

static_assert(Field<Goldilocks>);

std::uint64_t ref_mul(std::uint64_t a, std::uint64_t b) {
  return static_cast<std::uint64_t>(static_cast<u128>(a) * b % P);
}

// Edge values that exercise every carry and borrow path of the reduction.
std::vector<std::uint64_t> edge_values() {
  return {0,
          1,
          2,
          P - 1,
          P - 2,
          P / 2,
          P / 2 + 1,
          1ULL << 32,
          (1ULL << 32) - 1,
          (1ULL << 32) + 1,
          1ULL << 63,
          (1ULL << 63) - 1,
          0xFFFFFFFFULL,
          0xFFFFFFFF00000000ULL,
          0xFFFFFFFE00000001ULL,
          0x00000001FFFFFFFFULL};
}

std::vector<std::uint64_t> test_values(std::size_t random_count) {
  std::vector<std::uint64_t> values = edge_values();
  TestRng rng(1);
  for (std::size_t i = 0; i < random_count; ++i) values.push_back(rng() % P);
  return values;
}

TEST(Goldilocks, ArithmeticMatchesWideIntegerReference) {
  const auto values = test_values(300);
  for (std::uint64_t a : values) {
    for (std::uint64_t b : values) {
      const Goldilocks x = Goldilocks::from_u64(a), y = Goldilocks::from_u64(b);
      ASSERT_EQ((x + y).value(), static_cast<std::uint64_t>((static_cast<u128>(a) + b) % P));
      ASSERT_EQ((x - y).value(), static_cast<std::uint64_t>((static_cast<u128>(a) + P - b) % P));
      ASSERT_EQ((x * y).value(), ref_mul(a, b));
    }
  }
}

TEST(Goldilocks, ReduceWideHandlesEveryRange) {
  TestRng rng(2);
  std::vector<u128> inputs = {0,
                              ~static_cast<u128>(0),
                              static_cast<u128>(P) * P,
                              static_cast<u128>(1) << 96,
                              (static_cast<u128>(1) << 96) - 1,
                              static_cast<u128>(P - 1) * (P - 1)};
  for (int i = 0; i < 10000; ++i) inputs.push_back((static_cast<u128>(rng()) << 64) | rng());
  for (u128 x : inputs) {
    ASSERT_EQ(Goldilocks::reduce_wide(x).value(), static_cast<std::uint64_t>(x % P));
  }
}

TEST(Goldilocks, FromU64ReducesAndSignedRoundTrips) {
  EXPECT_EQ(Goldilocks::from_u64(P).value(), 0u);
  EXPECT_EQ(Goldilocks::from_u64(~0ULL).value(), ~0ULL - P);
  for (std::int64_t v : {std::int64_t{0}, std::int64_t{1}, std::int64_t{-1}, std::int64_t{-128},
                         std::int64_t{127}, std::int64_t{1} << 62, -(std::int64_t{1} << 62)}) {
    EXPECT_EQ(Goldilocks::from_i64(v).to_i64(), v);
  }
  EXPECT_EQ(Goldilocks::from_i64(INT64_MIN), -Goldilocks::from_u64(1ULL << 63));
  EXPECT_EQ((Goldilocks::from_i64(-5) + Goldilocks::from_i64(5)), Goldilocks::zero());
}

TEST(Goldilocks, InverseAndPow) {
  for (std::uint64_t a : test_values(200)) {
    const Goldilocks x = Goldilocks::from_u64(a);
    if (x.is_zero()) {
      EXPECT_TRUE(x.inverse().is_zero());
      continue;
    }
    EXPECT_EQ(x * x.inverse(), Goldilocks::one());
    EXPECT_EQ(x.pow(P - 1), Goldilocks::one());  // Fermat
  }
  EXPECT_EQ(Goldilocks::from_u64(3).pow(5).value(), 243u);
}

TEST(Goldilocks, RootsOfUnityHaveExactOrder) {
  const Goldilocks minus_one = -Goldilocks::one();
  for (unsigned log_n = 1; log_n <= Goldilocks::kTwoAdicity; ++log_n) {
    const Goldilocks w = Goldilocks::root_of_unity(log_n);
    EXPECT_EQ(w.pow(std::uint64_t{1} << (log_n - 1)), minus_one) << log_n;
  }
  EXPECT_EQ(Goldilocks::root_of_unity(0), Goldilocks::one());
  // The published 2^32-th root (7^((p-1)/2^32)), as in Plonky2/Plonky3.
  EXPECT_EQ(Goldilocks::root_of_unity(32).value(), 1753635133440165772ULL);
}

TEST(Goldilocks, SerializationIsCanonicalAndStrict) {
  for (std::uint64_t a : test_values(50)) {
    ByteWriter w;
    Goldilocks::from_u64(a).write(w);
    ByteReader r(w.bytes());
    EXPECT_EQ(Goldilocks::read(r).value(), a % P);
  }
  for (std::uint64_t bad : {P, P + 1, ~std::uint64_t{0}}) {
    ByteWriter w;
    w.u64(bad);
    ByteReader r(w.bytes());
    EXPECT_THROW(Goldilocks::read(r), Error) << bad;
  }
  const std::uint8_t short_input[7] = {};
  ByteReader r(short_input);
  EXPECT_THROW(Goldilocks::read(r), Error);
}

TEST(Goldilocks, SampleRejectsOutOfRangeWords) {
  std::vector<std::uint64_t> words = {P, ~0ULL, P + 5, 42};
  std::size_t next = 0;
  EXPECT_EQ(Goldilocks::sample([&] { return words[next++]; }).value(), 42u);
  EXPECT_EQ(next, 4u);
}

TEST(Goldilocks, BatchInverseMatchesSingleInverses) {
  TestRng rng(3);
  std::vector<Goldilocks> values;
  for (int i = 0; i < 257; ++i) values.push_back(Goldilocks::from_u64(i % 17 == 0 ? 0 : rng()));
  std::vector<Goldilocks> inverted = values;
  batch_inverse(std::span<Goldilocks>(inverted));
  for (std::size_t i = 0; i < values.size(); ++i) EXPECT_EQ(inverted[i], values[i].inverse()) << i;
  std::vector<Goldilocks> empty;
  batch_inverse(std::span<Goldilocks>(empty));
}

}  // namespace
}  // namespace zkinfer::field
