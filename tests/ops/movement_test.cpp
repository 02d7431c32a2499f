// SPDX-License-Identifier: Apache-2.0
#include "ops/movement.hpp"

#include <gtest/gtest.h>

#include <numeric>

#include "base/error.hpp"
#include "ops/ops_testing.hpp"

namespace zkinfer::ops {
namespace {

IntTensor iota(Shape shape) {
  IntTensor t = IntTensor::zeros(std::move(shape));
  std::iota(t.values.begin(), t.values.end(), 0);
  return t;
}

std::size_t offset(const Shape& shape, const std::vector<std::size_t>& coord) {
  std::size_t o = 0;
  for (std::size_t d = 0; d < shape.size(); ++d) o = o * shape[d] + coord[d];
  return o;
}

TEST(Reshape, KeepsValuesAndChecksCounts) {
  const IntTensor x = iota({2, 3, 4});
  const IntTensor y = reshape(x, {4, 6});
  EXPECT_EQ(y.values, x.values);
  EXPECT_EQ(y.shape, (Shape{4, 6}));
  EXPECT_THROW(reshape(x, {5, 5}), Error);
}

TEST(Flatten, EveryAxis) {
  const IntTensor x = iota({2, 3, 4});
  EXPECT_EQ(flatten(x, 0).shape, (Shape{1, 24}));
  EXPECT_EQ(flatten(x, 1).shape, (Shape{2, 12}));
  EXPECT_EQ(flatten(x, 3).shape, (Shape{24, 1}));
  EXPECT_EQ(flatten(IntTensor::zeros({0, 3}), 1).shape, (Shape{0, 3}));
  EXPECT_THROW(flatten(x, 4), Error);
}

TEST(Transpose, MatchesCoordinatesForEveryPermutationOfRank4) {
  const Shape shape{2, 3, 4, 5};
  const IntTensor x = iota(shape);
  std::vector<std::size_t> perm{0, 1, 2, 3};
  do {
    const IntTensor y = transpose(x, perm);
    for (std::size_t a = 0; a < 2; ++a)
      for (std::size_t b = 0; b < 3; ++b)
        for (std::size_t c = 0; c < 4; ++c)
          for (std::size_t d = 0; d < 5; ++d) {
            const std::vector<std::size_t> in{a, b, c, d};
            std::vector<std::size_t> out(4);
            for (std::size_t k = 0; k < 4; ++k) out[k] = in[perm[k]];
            ASSERT_EQ(y.values[offset(y.shape, out)], x.values[offset(shape, in)]);
          }
  } while (std::next_permutation(perm.begin(), perm.end()));
  EXPECT_EQ(transpose(iota({}), {}).values, (std::vector<std::int32_t>{0}));
  EXPECT_THROW(transpose(x, {0, 1, 2}), Error);
  EXPECT_THROW(transpose(x, {0, 1, 1, 3}), Error);
  EXPECT_THROW(transpose(x, {0, 1, 2, 4}), Error);
}

TEST(Concat, AlongEachAxis) {
  const IntTensor a = iota({2, 3});
  IntTensor b = iota({2, 1});
  for (auto& v : b.values) v += 100;
  const IntTensor* both[] = {&a, &b};
  const IntTensor y = concat(both, 1);
  EXPECT_EQ(y.shape, (Shape{2, 4}));
  EXPECT_EQ(y.values, (std::vector<std::int32_t>{0, 1, 2, 100, 3, 4, 5, 101}));
  const IntTensor c = iota({1, 3});
  const IntTensor* rows[] = {&a, &c, &a};
  const IntTensor z = concat(rows, 0);
  EXPECT_EQ(z.shape, (Shape{5, 3}));
  EXPECT_EQ(z.values, (std::vector<std::int32_t>{0, 1, 2, 3, 4, 5, 0, 1, 2, 0, 1, 2, 3, 4, 5}));
  EXPECT_THROW(concat(both, 0), Error);  // 3 vs 1 columns
  EXPECT_THROW(concat(both, 2), Error);
  EXPECT_THROW(concat(std::span<const IntTensor* const>{}, 0), Error);
}

}  // namespace
}  // namespace zkinfer::ops
