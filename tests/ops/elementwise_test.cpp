// SPDX-License-Identifier: Apache-2.0
#include "ops/elementwise.hpp"

#include <gtest/gtest.h>

#include "base/error.hpp"
#include "ops/ops_testing.hpp"

namespace zkinfer::ops {
namespace {

using testing::TestRng;

// Index of the element of `in` that output index `out_index` (row-major in
// `out`) reads under broadcasting, computed from coordinates.
std::size_t source_index(const Shape& in, const Shape& out, std::size_t out_index) {
  std::vector<std::size_t> coord(out.size());
  for (std::size_t d = out.size(); d-- > 0;) {
    coord[d] = out_index % out[d];
    out_index /= out[d];
  }
  std::size_t index = 0;
  const std::size_t offset = out.size() - in.size();
  for (std::size_t d = 0; d < in.size(); ++d) {
    index = index * in[d] + (in[d] == 1 ? 0 : coord[offset + d]);
  }
  return index;
}

template <class F>
IntTensor reference_binary(const IntTensor& a, const IntTensor& b, const Shape& out, F f) {
  IntTensor y = IntTensor::zeros(out);
  for (std::size_t i = 0; i < y.size(); ++i) {
    y.values[i] =
        f(a.values[source_index(a.shape, out, i)], b.values[source_index(b.shape, out, i)]);
  }
  return y;
}

IntTensor reference_add(const IntTensor& a, const IntTensor& b, const AddParams& p,
                        const Shape& out, int sign) {
  return reference_binary(a, b, out, [&](std::int32_t x, std::int32_t y) {
    const __int128 sum =
        (static_cast<__int128>(x) - p.a_zero_point) * p.requant.multiplier_a +
        sign * (static_cast<__int128>(y) - p.b_zero_point) * p.requant.multiplier_b;
    const __int128 scale = static_cast<__int128>(1) << p.requant.shift;
    return testing::reference_clamp(testing::floor_div(2 * sum + scale, 2 * scale), p.output);
  });
}

IntTensor reference_mul(const IntTensor& a, const IntTensor& b, const MulParams& p,
                        const Shape& out) {
  return reference_binary(a, b, out, [&](std::int32_t x, std::int32_t y) {
    const __int128 prod =
        (static_cast<__int128>(x) - p.a_zero_point) * (static_cast<__int128>(y) - p.b_zero_point);
    return testing::reference_clamp(testing::reference_requant(prod, p.requant), p.output);
  });
}

const std::vector<std::pair<Shape, Shape>> kBroadcastCases = {{{2, 3, 4}, {2, 3, 4}},
                                                              {{2, 3, 4}, {4}},
                                                              {{2, 3, 4}, {3, 1}},
                                                              {{1, 3, 1}, {2, 1, 5}},
                                                              {{5}, {}},
                                                              {{}, {}},
                                                              {{4, 1}, {1, 6}},
                                                              {{2, 1, 3, 1}, {7, 1, 2}},
                                                              {{3, 4}, {1, 1}},
                                                              {{0, 3}, {1, 3}},
                                                              {{1}, {2, 2, 2, 2}}};

TEST(Broadcast, Shapes) {
  EXPECT_EQ(broadcast_shape({2, 3, 4}, {4}, "t"), (Shape{2, 3, 4}));
  EXPECT_EQ(broadcast_shape({1, 3, 1}, {2, 1, 5}, "t"), (Shape{2, 3, 5}));
  EXPECT_EQ(broadcast_shape({}, {5}, "t"), (Shape{5}));
  EXPECT_EQ(broadcast_shape({0, 3}, {1, 3}, "t"), (Shape{0, 3}));
  EXPECT_THROW(broadcast_shape({2, 3}, {3, 2}, "t"), Error);
  try {
    broadcast_shape({4, 3}, {2, 3}, "add node7");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("add node7"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("[4, 3]"), std::string::npos);
  }
}

TEST(Add, MatchesTheReferenceUnderBroadcasting) {
  TestRng rng(1);
  for (const auto& [sa, sb] : kBroadcastCases) {
    for (bool swap : {false, true}) {
      const Shape& shape_a = swap ? sb : sa;
      const Shape& shape_b = swap ? sa : sb;
      const IntTensor a = testing::random_tensor(rng, shape_a, -128, 127);
      const IntTensor b = testing::random_tensor(rng, shape_b, 0, 255);
      const AddParams p =
          AddParams::build(QuantParams::int8(0.05, 3), QuantParams::uint8(0.02, 130),
                           QuantParams::int8(0.07, -4), swap);
      const Shape out = broadcast_shape(shape_a, shape_b, "t");
      EXPECT_EQ(add(a, b, p).values, reference_add(a, b, p, out, 1).values);
      EXPECT_EQ(sub(a, b, p).values, reference_add(a, b, p, out, -1).values);
      EXPECT_EQ(add(a, b, p).shape, out);
    }
  }
}

TEST(Add, ExtremeInt32InputsDoNotOverflow) {
  const IntTensor a(
      {2}, {std::numeric_limits<std::int32_t>::max(), std::numeric_limits<std::int32_t>::min()});
  const IntTensor b(
      {2}, {std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max()});
  AddParams p;
  p.a_zero_point = std::numeric_limits<std::int32_t>::min();
  p.b_zero_point = std::numeric_limits<std::int32_t>::max();
  p.requant = {65535, -65535, 62};
  p.output = {0, std::numeric_limits<std::int32_t>::min(),
              std::numeric_limits<std::int32_t>::max()};
  EXPECT_EQ(add(a, b, p).values, reference_add(a, b, p, {2}, 1).values);
  EXPECT_EQ(sub(a, b, p).values, reference_add(a, b, p, {2}, -1).values);
}

TEST(Add, RealValuesAreApproximated) {
  // 0.5 + 0.25 at scales 1/8 and 1/16 into scale 1/10: 7.5 -> 8.
  const AddParams p =
      AddParams::build(QuantParams::int8(0.125), QuantParams::int8(0.0625), QuantParams::int8(0.1));
  EXPECT_EQ(add(IntTensor({1}, {4}), IntTensor({1}, {4}), p).values[0], 8);
  EXPECT_EQ(sub(IntTensor({1}, {4}), IntTensor({1}, {4}), p).values[0], 3);  // 2.5 -> 3
}

TEST(Mul, MatchesTheReferenceUnderBroadcasting) {
  TestRng rng(2);
  for (const auto& [sa, sb] : kBroadcastCases) {
    const IntTensor a = testing::random_tensor(rng, sa, 0, 255);
    const IntTensor b = testing::random_tensor(rng, sb, -128, 127);
    MulParams p = MulParams::build(QuantParams::uint8(0.1, 120), QuantParams::int8(0.03, -7),
                                   QuantParams::int8(0.2, 1));
    const Shape out = broadcast_shape(sa, sb, "t");
    EXPECT_EQ(mul(a, b, p).values, reference_mul(a, b, p, out).values);
  }
}

TEST(Mul, RejectsProductsBeyondTheBound) {
  const IntTensor big({1}, {std::numeric_limits<std::int32_t>::max()});
  EXPECT_THROW(mul(big, big, MulParams{}), Error);
  const IntTensor ok({1}, {1 << 22});
  EXPECT_NO_THROW(mul(ok, ok, MulParams{}));
}

TEST(Elementwise, RejectsBadOperands) {
  IntTensor bad = IntTensor::zeros({2, 2});
  bad.values.pop_back();
  EXPECT_THROW(add(bad, IntTensor::zeros({2, 2}), AddParams{}), Error);
  AddParams p;
  p.requant.shift = 70;
  EXPECT_THROW(add(IntTensor::zeros({2}), IntTensor::zeros({2}), p), Error);
  MulParams m;
  m.output.lo = 5;
  m.output.hi = 4;
  EXPECT_THROW(mul(IntTensor::zeros({2}), IntTensor::zeros({2}), m), Error);
  EXPECT_THROW(add(IntTensor::zeros({2}), IntTensor::zeros({3}), AddParams{}), Error);
}

TEST(Clip, ReluAndClip) {
  const IntTensor x({5}, {-128, -3, 0, 7, 127});
  EXPECT_EQ(clip(x, -3, 127).values, (std::vector<std::int32_t>{-3, -3, 0, 7, 127}));
  EXPECT_EQ(clip(x, 0, 5).values, (std::vector<std::int32_t>{0, 0, 0, 5, 5}));
  EXPECT_THROW(clip(x, 1, 0), Error);
}

}  // namespace
}  // namespace zkinfer::ops
