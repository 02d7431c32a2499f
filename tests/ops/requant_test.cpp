// SPDX-License-Identifier: Apache-2.0
#include "ops/requant.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "base/error.hpp"
#include "ops/ops_testing.hpp"

namespace zkinfer::ops {
namespace {

using testing::reference_requant;
using testing::TestRng;

TEST(Requant, ExactHalvesRoundUpwards) {
  // acc * M / 2^s = k + 1/2 rounds to k + 1 for either sign of k.
  const Requant half{1, 1};
  EXPECT_EQ(half.apply(5), 3);       // 2.5
  EXPECT_EQ(half.apply(-5), -2);     // -2.5
  EXPECT_EQ(half.apply(-1), 0);      // -0.5
  EXPECT_EQ(half.apply(1), 1);       // 0.5
  const Requant quarter{3, 3};       // 3/8
  EXPECT_EQ(quarter.apply(4), 2);    // 1.5
  EXPECT_EQ(quarter.apply(-4), -1);  // -1.5
  EXPECT_EQ(quarter.apply(3), 1);    // 1.125
  EXPECT_EQ(quarter.apply(-3), -1);  // -1.125
  EXPECT_EQ(quarter.apply(-5), -2);  // -1.875
}

TEST(Requant, ShiftZeroIsAPlainProduct) {
  EXPECT_EQ((Requant{7, 0}.apply(-9)), -63);
  EXPECT_EQ((Requant{65535, 0}.apply(kAccumulatorBound - 1)), (kAccumulatorBound - 1) * 65535);
}

TEST(Requant, ExtremesMatchTheReferenceAtEveryShift) {
  const std::int64_t accs[] = {0,
                               1,
                               -1,
                               kAccumulatorBound - 1,
                               -(kAccumulatorBound - 1),
                               std::numeric_limits<std::int32_t>::min(),
                               std::numeric_limits<std::int32_t>::max()};
  for (std::int32_t shift = 0; shift <= kMaxShift; ++shift) {
    for (std::int32_t m : {1, 2, 3, 1 << 15, 46341, (1 << 16) - 1}) {
      const Requant r{m, shift};
      for (std::int64_t acc : accs) {
        EXPECT_EQ(r.apply(acc), reference_requant(acc, r)) << acc << " " << m << " " << shift;
      }
    }
  }
}

TEST(Requant, RandomAccumulatorsMatchTheReference) {
  TestRng rng(11);
  for (int i = 0; i < 20000; ++i) {
    const Requant r = testing::random_requant(rng, 0, kMaxShift);
    const std::int64_t acc =
        testing::uniform(rng, -(1 << 30), 1 << 30) * static_cast<std::int64_t>(rng.below(1 << 15));
    ASSERT_EQ(r.apply(acc), reference_requant(acc, r)) << acc;
  }
}

TEST(Requant, MaxShiftOfTheLargestAccumulator) {
  // The largest intermediate: (2^46 - 1) * (2^16 - 1) + 2^61 < 2^63.
  const Requant r{(1 << 16) - 1, kMaxShift};
  EXPECT_EQ(r.apply(kAccumulatorBound - 1), 1);  // ~ 2^62 / 2^62 = 0.99998 -> 1
  EXPECT_EQ(r.apply(-(kAccumulatorBound - 1)), -1);
  EXPECT_EQ(r.apply(std::int64_t{1} << 30), 0);
}

TEST(Requant, FromRealRoundTripsWithin2ToMinus15) {
  TestRng rng(3);
  for (int i = 0; i < 5000; ++i) {
    // m = f * 2^e over the whole usable range 2^-47 .. 2^15.
    const double m = std::ldexp(1.0 + static_cast<double>(rng.below(1 << 30)) / (1 << 30),
                                testing::uniform(rng, -47, 14));
    const Requant r = Requant::from_real(m);
    ASSERT_NO_THROW(r.validate("test"));
    EXPECT_GE(r.multiplier, 1 << 15) << m;
    EXPECT_LE(std::fabs(r.real() - m) / m, std::ldexp(1.0, -15)) << m;
  }
  EXPECT_EQ(Requant::from_real(1.0).real(), 1.0);
  EXPECT_EQ(Requant::from_real(0.5).real(), 0.5);
  EXPECT_EQ(Requant::from_real(0.75).multiplier, 3 << 14);
}

TEST(Requant, FromRealRoundsUpToTheNextPowerOfTwo) {
  // Just below 1: f * 2^16 rounds to 2^16, renormalised to 2^15 with one shift less.
  const Requant r = Requant::from_real(1.0 - std::ldexp(1.0, -20));
  EXPECT_EQ(r.multiplier, 1 << 15);
  EXPECT_EQ(r.shift, 15);
}

TEST(Requant, FromRealAtTheShiftCap) {
  const Requant tiny = Requant::from_real(std::ldexp(1.0, -60));
  EXPECT_EQ(tiny.shift, kMaxShift);
  EXPECT_EQ(tiny.multiplier, 4);
  EXPECT_THROW(Requant::from_real(std::ldexp(1.0, -64)), Error);
}

TEST(Requant, FromRealRejectsBadMultipliers) {
  for (double m :
       {0.0, -1.0, 65536.0, 1e300, std::nan(""), std::numeric_limits<double>::infinity()}) {
    EXPECT_THROW(Requant::from_real(m), Error) << m;
  }
  EXPECT_NO_THROW(Requant::from_real(65535.0));
}

TEST(Requant, ValidateNamesTheField) {
  try {
    Requant{0, 3}.validate("node conv1");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node conv1"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("multiplier 0"), std::string::npos);
  }
  EXPECT_THROW((Requant{1, 63}.validate("x")), Error);
  EXPECT_THROW((Requant{1, -1}.validate("x")), Error);
  EXPECT_THROW((Requant{1 << 16, 1}.validate("x")), Error);
}

TEST(AddRequant, SharedShiftAndSignedMultipliers) {
  const AddRequant r = AddRequant::from_real(0.5, -0.25);
  EXPECT_EQ(r.multiplier_a, 1 << 15);
  EXPECT_EQ(r.multiplier_b, -(1 << 14));
  EXPECT_EQ(r.shift, 16);
  EXPECT_EQ(r.apply(3, 2), 1);    // 1.5 - 0.5 = 1
  EXPECT_EQ(r.apply(3, 0), 2);    // 1.5 -> 2
  EXPECT_EQ(r.apply(-3, 0), -1);  // -1.5 -> -1
}

TEST(AddRequant, FromRealIsPreciseForTheLargerMultiplier) {
  TestRng rng(5);
  for (int i = 0; i < 2000; ++i) {
    const double a = std::ldexp(1.0 + static_cast<double>(rng.below(1 << 20)) / (1 << 20),
                                testing::uniform(rng, -20, 10));
    const double b = a * static_cast<double>(rng.below(1000) + 1) / 1000.0;
    const AddRequant r = AddRequant::from_real(a, rng.below(2) ? b : -b);
    ASSERT_NO_THROW(r.validate("test"));
    const double unit = std::ldexp(1.0, -r.shift);
    EXPECT_LE(std::fabs(r.multiplier_a * unit - a) / a, std::ldexp(1.0, -15));
    EXPECT_LE(std::fabs(std::fabs(r.multiplier_b * unit) - b), unit / 2);
  }
  EXPECT_THROW(AddRequant::from_real(0.0, 0.0), Error);
  EXPECT_THROW(AddRequant::from_real(1.0, std::nan("")), Error);
  EXPECT_THROW(AddRequant::from_real(70000.0, 1.0), Error);
}

TEST(AddRequant, MatchesTheReferenceOnExtremeInputs) {
  TestRng rng(8);
  const std::int64_t extreme = std::int64_t{1} << 32;
  for (int i = 0; i < 5000; ++i) {
    AddRequant r{testing::uniform(rng, -65535, 65535), testing::uniform(rng, -65535, 65535),
                 testing::uniform(rng, 0, kMaxShift)};
    const std::int64_t a = rng.below(4) == 0 ? extreme : testing::uniform(rng, -300, 300);
    const std::int64_t b = rng.below(4) == 0 ? -extreme : testing::uniform(rng, -300, 300);
    const __int128 sum =
        static_cast<__int128>(a) * r.multiplier_a + static_cast<__int128>(b) * r.multiplier_b;
    const __int128 scale = static_cast<__int128>(1) << r.shift;
    ASSERT_EQ(r.apply(a, b),
              static_cast<std::int64_t>(testing::floor_div(2 * sum + scale, 2 * scale)));
  }
}

TEST(OutputClamp, ClampsAndFusesRelu) {
  const QuantParams out = QuantParams::int8(0.1, -5);
  const OutputClamp plain = OutputClamp::of(out);
  const OutputClamp relu = OutputClamp::of(out, true);
  EXPECT_EQ(plain.apply(-200), -128);
  EXPECT_EQ(plain.apply(200), 127);
  EXPECT_EQ(plain.apply(-3), -8);
  EXPECT_EQ(relu.apply(-3), -5);
  EXPECT_EQ(relu.apply(4), -1);
  EXPECT_EQ(relu.lo, -5);
}

TEST(Rescale, PerChannelCountsAreChecked) {
  Rescale r;
  r.requants = {Requant{1, 0}, Requant{2, 0}};
  EXPECT_NO_THROW(r.validate(2, "x"));
  EXPECT_THROW(r.validate(3, "x"), Error);
  r.requants.clear();
  EXPECT_THROW(r.validate(1, "x"), Error);
}

TEST(Requantize, PerChannelAlongAnAxis) {
  // [2, 3, 2] int32 accumulators, channel axis 1.
  IntTensor x({2, 3, 2}, {10, -10, 20, -20, 30, -30, 1, 2, 3, 4, 5, 6});
  Rescale r;
  r.requants = {Requant{1, 1}, Requant{1, 2}, Requant{3, 0}};
  r.output = {1, -128, 127};
  const IntTensor y = requantize(x, 2, r, 1);
  // (x - 2) * m_c + 1, rounded half up
  const std::vector<std::int32_t> expected = {5, -5, 6, -4, 85, -95, 1, 1, 1, 2, 10, 13};
  EXPECT_EQ(y.values, expected);
  EXPECT_THROW(requantize(x, 0, r, 2), Error);  // 2 channels along axis 2, 3 requants
  EXPECT_THROW(requantize(x, 0, r, 5), Error);
}

}  // namespace
}  // namespace zkinfer::ops
