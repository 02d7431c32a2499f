// SPDX-License-Identifier: Apache-2.0
#include "ops/table.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.hpp"
#include "ops/ops_testing.hpp"

namespace zkinfer::ops {
namespace {

TEST(UnaryTable, SigmoidEntriesAreRoundedHalfUpAndClamped) {
  const QuantParams in = QuantParams::int8(0.1, 0);
  const QuantParams out = QuantParams::uint8(1.0 / 256, 0);
  const UnaryTable t = UnaryTable::build(in, out, activation::sigmoid);
  ASSERT_EQ(t.outputs.size(), 256u);
  EXPECT_EQ(t.input_lo, -128);
  for (std::int32_t x = -128; x <= 127; ++x) {
    const double v = 256.0 / (1.0 + std::exp(-0.1 * x));
    const auto expected = static_cast<std::int32_t>(std::min(255.0, std::floor(v + 0.5)));
    EXPECT_EQ(t.outputs[static_cast<std::size_t>(x + 128)], expected) << x;
  }
  EXPECT_EQ(t.outputs[128], 128);    // sigmoid(0) = 1/2 exactly
  EXPECT_EQ(t.outputs.back(), 255);  // 1.0 saturates uint8
}

TEST(UnaryTable, ReluTableWithZeroPoints) {
  const QuantParams in = QuantParams::uint8(0.5, 100);
  const UnaryTable t = UnaryTable::build(in, in, activation::relu);
  for (std::int32_t x = 0; x <= 255; ++x) {
    EXPECT_EQ(t.outputs[static_cast<std::size_t>(x)], std::max(x, 100));
  }
}

TEST(UnaryTable, ApplyLooksUpEveryElement) {
  testing::TestRng rng(1);
  const QuantParams in = QuantParams::int8(0.05, -3);
  const QuantParams out = QuantParams::int8(1.0 / 128, 0);
  for (auto f : {activation::tanh, activation::gelu, activation::sigmoid}) {
    const UnaryTable t = UnaryTable::build(in, out, f);
    const IntTensor x = testing::random_tensor(rng, {3, 17}, -128, 127);
    const IntTensor y = apply_table(x, t);
    ASSERT_EQ(y.shape, x.shape);
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double real = f(0.05 * (x.values[i] + 3));
      EXPECT_LE(std::fabs(y.values[i] / 128.0 - std::clamp(real, -1.0, 127.0 / 128)),
                0.5 / 128 + 1e-12);
    }
  }
}

TEST(UnaryTable, ExpSaturatesInsteadOfOverflowing) {
  const UnaryTable t =
      UnaryTable::build(QuantParams::int8(1.0), QuantParams::int8(0.001), activation::exp);
  EXPECT_EQ(t.outputs.back(), 127);
  EXPECT_EQ(t.outputs.front(), 0);
}

TEST(UnaryTable, RejectsBadRangesAndInputs) {
  EXPECT_THROW(UnaryTable::build(QuantParams::int32(1.0), QuantParams::int8(1.0), activation::relu),
               Error);
  EXPECT_THROW(UnaryTable::build(QuantParams::int8(1.0), QuantParams::int8(1.0),
                                 [](double) { return std::nan(""); }),
               Error);
  const UnaryTable t =
      UnaryTable::build(QuantParams::int8(1.0), QuantParams::int8(1.0), activation::relu);
  try {
    apply_table(IntTensor({2}, {5, 300}), t);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("input 300"), std::string::npos);
  }
  UnaryTable empty;
  EXPECT_THROW(apply_table(IntTensor({1}, {0}), empty), Error);
  UnaryTable overflowing{std::numeric_limits<std::int32_t>::max(), {1, 2}};
  EXPECT_THROW(overflowing.validate("t"), Error);
}

}  // namespace
}  // namespace zkinfer::ops
