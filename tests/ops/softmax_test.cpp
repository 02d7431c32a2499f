// SPDX-License-Identifier: Apache-2.0
#include "ops/softmax.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "base/error.hpp"
#include "ops/ops_testing.hpp"

namespace zkinfer::ops {
namespace {

using testing::TestRng;

const QuantParams kIn = QuantParams::int8(0.0625, 0);
const QuantParams kOut = QuantParams::uint8(1.0 / 256, 0);

// The formula, one slice at a time, in 128-bit.
std::vector<std::int32_t> reference_slice(const std::vector<std::int32_t>& x,
                                          const SoftmaxParams& p) {
  const std::int32_t max = *std::max_element(x.begin(), x.end());
  __int128 sum = 0;
  for (std::int32_t v : x) sum += p.exp_table[static_cast<std::size_t>(max - v)];
  std::vector<std::int32_t> y;
  for (std::int32_t v : x) {
    const __int128 e = p.exp_table[static_cast<std::size_t>(max - v)];
    y.push_back(
        testing::reference_clamp(testing::floor_div(2 * p.one * e + sum, 2 * sum), p.output));
  }
  return y;
}

TEST(Softmax, ExpTableIsTheRoundedExponential) {
  const SoftmaxParams p = SoftmaxParams::build(kIn, kOut, -1, 2);
  ASSERT_EQ(p.exp_table.size(), 256u);
  EXPECT_EQ(p.exp_table[0], 65536);
  EXPECT_EQ(p.one, 256);
  EXPECT_EQ(p.axis, 1u);
  for (std::size_t d = 0; d < 256; ++d) {
    EXPECT_EQ(p.exp_table[d], static_cast<std::int32_t>(std::floor(
                                  65536 * std::exp(-0.0625 * static_cast<double>(d)) + 0.5)));
  }
}

TEST(Softmax, PropertiesAndExactFormulaAlongTheLastAxis) {
  TestRng rng(1);
  for (std::size_t length : {1, 2, 5, 10, 100}) {
    const SoftmaxParams p = SoftmaxParams::build(kIn, kOut, 1, 2);
    const IntTensor x = testing::random_tensor(rng, {20, length}, -128, 127);
    const IntTensor y = softmax(x, p);
    for (std::size_t row = 0; row < 20; ++row) {
      const std::vector<std::int32_t> xs(
          x.values.begin() + static_cast<std::ptrdiff_t>(row * length),
          x.values.begin() + static_cast<std::ptrdiff_t>((row + 1) * length));
      const std::vector<std::int32_t> ys(
          y.values.begin() + static_cast<std::ptrdiff_t>(row * length),
          y.values.begin() + static_cast<std::ptrdiff_t>((row + 1) * length));
      EXPECT_EQ(ys, reference_slice(xs, p));
      std::int64_t sum = 0;
      for (std::int32_t v : ys) {
        EXPECT_GE(v, 0);
        EXPECT_LE(v, 255);
        sum += v;
      }
      // Each entry is within 1/2 of 256 * e_j / S (and 256 may clamp to 255).
      EXPECT_LE(std::llabs(sum - 256), static_cast<std::int64_t>(length / 2 + 1)) << length;
      const auto argmax = std::max_element(xs.begin(), xs.end()) - xs.begin();
      EXPECT_EQ(ys[static_cast<std::size_t>(argmax)], *std::max_element(ys.begin(), ys.end()));
      // Order preserved: a larger input never gets a smaller output.
      for (std::size_t i = 0; i < length; ++i) {
        for (std::size_t j = 0; j < length; ++j) {
          if (xs[i] > xs[j]) {
            EXPECT_GE(ys[i], ys[j]);
          }
        }
      }
    }
  }
}

TEST(Softmax, OneHotAndUniform) {
  const SoftmaxParams p = SoftmaxParams::build(kIn, kOut, 1, 2);
  const IntTensor y = softmax(IntTensor({2, 4}, {127, -128, -128, -128, 9, 9, 9, 9}), p);
  EXPECT_EQ(y.values, (std::vector<std::int32_t>{255, 0, 0, 0, 64, 64, 64, 64}));
}

TEST(Softmax, InnerAxis) {
  // Axis 1 of [2, 3, 4]: slices are strided by 4.
  TestRng rng(2);
  const SoftmaxParams p = SoftmaxParams::build(kIn, kOut, 1, 3);
  const IntTensor x = testing::random_tensor(rng, {2, 3, 4}, -128, 127);
  const IntTensor y = softmax(x, p);
  for (std::size_t o = 0; o < 2; ++o) {
    for (std::size_t i = 0; i < 4; ++i) {
      std::vector<std::int32_t> xs, ys;
      for (std::size_t j = 0; j < 3; ++j) {
        xs.push_back(x.values[(o * 3 + j) * 4 + i]);
        ys.push_back(y.values[(o * 3 + j) * 4 + i]);
      }
      EXPECT_EQ(ys, reference_slice(xs, p));
    }
  }
}

TEST(Softmax, RejectsBadParams) {
  EXPECT_THROW(SoftmaxParams::build(kIn, kOut, 2, 2), Error);
  EXPECT_THROW(SoftmaxParams::build(kIn, kOut, -3, 2), Error);
  EXPECT_THROW(SoftmaxParams::build(kIn, QuantParams::uint8(1e-6, 0), 0, 2), Error);
  EXPECT_THROW(SoftmaxParams::build(QuantParams::int32(1.0), kOut, 0, 2), Error);
  SoftmaxParams p = SoftmaxParams::build(kIn, kOut, 0, 1);
  p.exp_table.resize(10);
  try {
    softmax(IntTensor({2}, {0, 50}), p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("spread 50"), std::string::npos);
  }
  p.exp_table[0] = 0;
  EXPECT_THROW(softmax(IntTensor({1}, {0}), p), Error);
  const SoftmaxParams axis1 = SoftmaxParams::build(kIn, kOut, 1, 2);
  EXPECT_THROW(softmax(IntTensor({2}, {0, 1}), axis1), Error);  // axis 1 of a rank-1 tensor
}

}  // namespace
}  // namespace zkinfer::ops
