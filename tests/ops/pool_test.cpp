// SPDX-License-Identifier: Apache-2.0
#include "ops/pool.hpp"

#include <gtest/gtest.h>

#include "base/error.hpp"
#include "ops/ops_testing.hpp"

namespace zkinfer::ops {
namespace {

using testing::TestRng;

// For each output: the list of input values under its window (padding
// excluded), by brute force over coordinates.
template <class Reduce>
IntTensor reference_pool(const IntTensor& x, const PoolParams& p, Reduce reduce) {
  const Window2d& w = p.window;
  const std::size_t h = x.shape[2], wd = x.shape[3];
  const auto extent = [&](std::size_t axis, std::size_t in) {
    return (in + w.pads[axis] + w.pads[axis + 2] - w.dilations[axis] * (w.kernel[axis] - 1) - 1) /
               w.strides[axis] +
           1;
  };
  const std::size_t oh_n = extent(0, h), ow_n = extent(1, wd);
  IntTensor y = IntTensor::zeros({x.shape[0], x.shape[1], oh_n, ow_n});
  std::size_t out = 0;
  for (std::size_t plane = 0; plane < x.shape[0] * x.shape[1]; ++plane) {
    for (std::size_t oh = 0; oh < oh_n; ++oh) {
      for (std::size_t ow = 0; ow < ow_n; ++ow) {
        std::vector<std::int32_t> window;
        for (std::size_t i = 0; i < w.kernel[0]; ++i) {
          for (std::size_t j = 0; j < w.kernel[1]; ++j) {
            const long ih = static_cast<long>(oh * w.strides[0] + i * w.dilations[0]) -
                            static_cast<long>(w.pads[0]);
            const long iw = static_cast<long>(ow * w.strides[1] + j * w.dilations[1]) -
                            static_cast<long>(w.pads[1]);
            if (ih >= 0 && iw >= 0 && ih < static_cast<long>(h) && iw < static_cast<long>(wd)) {
              window.push_back(x.values[(plane * h + static_cast<std::size_t>(ih)) * wd +
                                        static_cast<std::size_t>(iw)]);
            }
          }
        }
        y.values[out++] = reduce(window);
      }
    }
  }
  return y;
}

PoolParams pool_params(std::size_t k, std::size_t stride, std::size_t pad, std::size_t dilation,
                       bool include_pad) {
  PoolParams p;
  p.window.kernel = {k, k};
  p.window.strides = {stride, stride};
  p.window.pads = {pad, pad, pad, pad};
  p.window.dilations = {dilation, dilation};
  p.count_include_pad = include_pad;
  return p;
}

TEST(MaxPool, MatchesTheReferenceWithPaddingIgnored) {
  TestRng rng(1);
  for (std::size_t k : {2, 3}) {
    for (std::size_t stride : {1, 2}) {
      for (std::size_t pad : {0, 1}) {
        for (std::size_t dilation : {1, 2}) {
          const PoolParams p = pool_params(k, stride, pad, dilation, false);
          // All-negative input: a padding value of 0 would win every border window.
          const IntTensor x = testing::random_tensor(rng, {2, 3, 7, 6}, -128, -1);
          EXPECT_EQ(max_pool(x, p).values,
                    reference_pool(x, p, [](const std::vector<std::int32_t>& w) {
                      return *std::max_element(w.begin(), w.end());
                    }).values);
        }
      }
    }
  }
}

TEST(AveragePool, BordersWithCountIncludePadZeroAndOne) {
  TestRng rng(2);
  const QuantParams in = QuantParams::uint8(0.02, 117);
  const QuantParams out = QuantParams::uint8(0.015, 121);
  for (bool include_pad : {false, true}) {
    for (std::size_t pad : {0, 1, 2}) {
      for (std::size_t stride : {1, 2}) {
        const PoolParams p = pool_params(3, stride, pad, 1, include_pad);
        const AverageQuant q = AverageQuant::build(in, out, 9);
        const IntTensor x = testing::random_tensor(rng, {1, 2, 6, 7}, 0, 255);
        const IntTensor y = average_pool(x, p, q);
        const IntTensor expected = reference_pool(x, p, [&](const std::vector<std::int32_t>& w) {
          __int128 sum = 0;
          for (std::int32_t v : w) sum += v - q.input_zero_point;
          const std::size_t count = include_pad ? 9 : w.size();
          return testing::reference_clamp(testing::reference_requant(sum, q.per_count[count - 1]),
                                          q.output);
        });
        EXPECT_EQ(y.values, expected.values) << include_pad << " " << pad << " " << stride;
      }
    }
  }
}

TEST(AveragePool, CornerDivisorsDiffer) {
  // A constant input: with count_include_pad = 0 every output is the
  // constant; with 1 the corners see 4 of 9 positions.
  const QuantParams q8 = QuantParams::int8(1.0, 0);
  const AverageQuant q = AverageQuant::build(q8, q8, 9);
  IntTensor x = IntTensor::zeros({1, 1, 4, 4});
  std::fill(x.values.begin(), x.values.end(), 90);
  const IntTensor y0 = average_pool(x, pool_params(3, 1, 1, 1, false), q);
  const IntTensor y1 = average_pool(x, pool_params(3, 1, 1, 1, true), q);
  for (std::int32_t v : y0.values) EXPECT_EQ(v, 90);
  EXPECT_EQ(y1.values[0], 40);  // 90 * 4 / 9
  EXPECT_EQ(y1.values[1], 60);  // 90 * 6 / 9
  EXPECT_EQ(y1.values[5], 90);
}

TEST(GlobalAveragePool, AveragesEachPlane) {
  TestRng rng(3);
  const QuantParams in = QuantParams::int8(0.1, -5);
  const QuantParams out = QuantParams::int8(0.05, 2);
  const IntTensor x = testing::random_tensor(rng, {2, 5, 7, 7}, -128, 127);
  const AverageQuant q = AverageQuant::build(in, out, 49);
  const IntTensor y = global_average_pool(x, q);
  ASSERT_EQ(y.shape, (Shape{2, 5, 1, 1}));
  for (std::size_t plane = 0; plane < 10; ++plane) {
    __int128 sum = 0;
    for (std::size_t i = 0; i < 49; ++i) sum += x.values[plane * 49 + i] + 5;
    EXPECT_EQ(y.values[plane],
              testing::reference_clamp(testing::reference_requant(sum, q.per_count[48]), q.output));
  }
}

TEST(Pool, RejectsBadShapesAndParams) {
  const IntTensor x = IntTensor::zeros({1, 1, 4, 4});
  EXPECT_THROW(max_pool(IntTensor::zeros({4, 4}), pool_params(2, 1, 0, 1, false)), Error);
  EXPECT_THROW(max_pool(x, pool_params(0, 1, 0, 1, false)), Error);
  EXPECT_THROW(max_pool(x, pool_params(2, 0, 0, 1, false)), Error);
  EXPECT_THROW(max_pool(x, pool_params(2, 1, 2, 1, false)), Error);  // pad >= window
  EXPECT_THROW(max_pool(x, pool_params(5, 1, 0, 1, false)), Error);  // window > input
  const AverageQuant four = AverageQuant::build(QuantParams::int8(1.0), QuantParams::int8(1.0), 4);
  EXPECT_THROW(average_pool(x, pool_params(3, 1, 0, 1, false), four), Error);  // 4 requants, area 9
  // Dilation 3 on a 1-wide input with pad 2: the first window covers only padding.
  PoolParams p = pool_params(2, 1, 0, 3, false);
  p.window.kernel = {1, 2};
  p.window.pads = {0, 2, 0, 2};
  try {
    max_pool(IntTensor::zeros({1, 1, 1, 1}), p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("only padding"), std::string::npos);
  }
}

}  // namespace
}  // namespace zkinfer::ops
