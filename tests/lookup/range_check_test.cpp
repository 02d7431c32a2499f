// SPDX-License-Identifier: Apache-2.0
#include "lookup/range_check.hpp"

#include <gtest/gtest.h>

#include <bit>

#include "field/extension.hpp"
#include "lookup/logup_harness.hpp"
#include "support/sizes.hpp"

namespace zkinfer::lookup {
namespace {

using field::Goldilocks;
using field::GoldilocksExt2;
using testing::Scenario;
using testing::TestRng;
using E = GoldilocksExt2;

Scenario<E> range_scenario(std::size_t num_values, unsigned bits, TestRng& rng) {
  Scenario<E> s;
  s.shape = range_check_shape<E>(num_values, bits, 0);
  std::vector<Goldilocks> values(num_values);
  for (auto& v : values) v = Goldilocks::from_u64(rng.below(std::uint64_t{1} << bits));
  s.columns = range_check_columns(s.shape, std::move(values));
  return s;
}

TEST(RangeCheck, EightBitOver65536Values) {
  TestRng rng(1);
  EXPECT_TRUE(testing::prove_and_verify(range_scenario(1 << 16, 8, rng)));
}

TEST(RangeCheck, SixteenBitOver65536Values) {
  TestRng rng(2);
  EXPECT_TRUE(testing::prove_and_verify(range_scenario(1 << 16, 16, rng)));
}

TEST(RangeCheck, SixteenBitOverTheLargeSize) {
  TestRng rng(7);
  EXPECT_TRUE(testing::prove_and_verify(
      range_scenario(std::size_t{1} << zkinfer::testing::kLargeLogSize, 16, rng)));
}

TEST(RangeCheck, PadsValueCountsToAPowerOfTwo) {
  TestRng rng(3);
  for (std::size_t count : {std::size_t{1}, std::size_t{3}, std::size_t{1000}}) {
    const auto s = range_scenario(count, 8, rng);
    ASSERT_TRUE(std::has_single_bit(s.columns[0][0].size()));
    EXPECT_TRUE(testing::prove_and_verify(s)) << count;
  }
}

TEST(RangeCheck, RejectsValuesJustOutsideTheRange) {
  TestRng rng(4);
  for (unsigned bits : {8u, 16u}) {
    // 2^bits and -1 (= p - 1): the two values a requantization bug produces.
    for (Goldilocks bad : {Goldilocks::from_u64(std::uint64_t{1} << bits), -Goldilocks::one()}) {
      auto s = range_scenario(64, bits, rng);
      s.columns[0][0][5] = bad;
      EXPECT_THROW(testing::prove_and_verify(s), Error);  // the honest helper refuses
      s.multiplicities = testing::range_counts(s);
      EXPECT_FALSE(testing::prove_and_verify(s)) << bits;
    }
  }
}

}  // namespace
}  // namespace zkinfer::lookup
