// SPDX-License-Identifier: Apache-2.0
#include "field/extension.hpp"

#include <gtest/gtest.h>

#include "field/batch_inverse.hpp"
#include "field/concepts.hpp"
#include "field/lift.hpp"
#include "field/small_prime.hpp"
#include "support/rng.hpp"

namespace zkinfer::field {
namespace {

using testing::TestRng;
using Tiny = SmallPrime<65521>;
using TinyExt2 = Ext2<Tiny, 17>;

static_assert(Field<GoldilocksExt2>);
static_assert(Field<GoldilocksExt3>);
static_assert(Field<Tiny>);
static_assert(Field<TinyExt2>);

TEST(Extension, ModuliAreIrreducible) {
  constexpr std::uint64_t p = Goldilocks::kModulus;
  // X^2 - 7 is irreducible iff 7 is a non-square: 7^((p-1)/2) = -1.
  EXPECT_EQ(Goldilocks::from_u64(7).pow((p - 1) / 2), -Goldilocks::one());
  // X^3 - 2 is irreducible iff 2 is a non-cube (3 divides p-1).
  EXPECT_NE(Goldilocks::from_u64(2).pow((p - 1) / 3), Goldilocks::one());
  EXPECT_EQ(Tiny::from_u64(17).pow((65521 - 1) / 2), -Tiny::one());
}

template <class E>
class ExtensionAxioms : public ::testing::Test {};
using ExtensionTypes = ::testing::Types<GoldilocksExt2, GoldilocksExt3, TinyExt2, Tiny>;
TYPED_TEST_SUITE(ExtensionAxioms, ExtensionTypes);

TYPED_TEST(ExtensionAxioms, RingAxiomsAndInverses) {
  using E = TypeParam;
  TestRng rng(11);
  for (int i = 0; i < 2000; ++i) {
    const E a = E::sample(rng), b = E::sample(rng), c = E::sample(rng);
    ASSERT_EQ(a * b, b * a);
    ASSERT_EQ((a * b) * c, a * (b * c));
    ASSERT_EQ(a * (b + c), a * b + a * c);
    ASSERT_EQ(a - b + b, a);
    ASSERT_EQ(a + (-a), E::zero());
    if (!a.is_zero()) {
      ASSERT_EQ(a * a.inverse(), E::one());
    }
  }
  EXPECT_TRUE(E::zero().inverse().is_zero());
}

TYPED_TEST(ExtensionAxioms, SerializationRoundTripsAndRejectsTruncation) {
  using E = TypeParam;
  TestRng rng(12);
  for (int i = 0; i < 50; ++i) {
    const E a = E::sample(rng);
    ByteWriter w;
    a.write(w);
    ASSERT_EQ(w.bytes().size(), E::kBytes);
    ByteReader r(w.bytes());
    ASSERT_EQ(E::read(r), a);
    ByteReader truncated(ByteSpan(w.bytes()).first(E::kBytes - 1));
    ASSERT_THROW(E::read(truncated), Error);
  }
}

TYPED_TEST(ExtensionAxioms, BatchInverse) {
  using E = TypeParam;
  TestRng rng(13);
  std::vector<E> values;
  for (int i = 0; i < 64; ++i) values.push_back(i % 9 == 0 ? E::zero() : E::sample(rng));
  std::vector<E> inverted = values;
  batch_inverse(std::span<E>(inverted));
  for (std::size_t i = 0; i < values.size(); ++i) ASSERT_EQ(inverted[i], values[i].inverse());
}

// The lazily reduced Goldilocks path must agree with the textbook formula,
// including the operands that maximise every intermediate product.
TEST(Extension, GoldilocksLazyMultiplicationMatchesSchoolbook) {
  TestRng rng(14);
  const Goldilocks max = -Goldilocks::one();
  const Goldilocks w = Goldilocks::from_u64(7);
  std::vector<GoldilocksExt2> values = {GoldilocksExt2(max, max), GoldilocksExt2(max),
                                        GoldilocksExt2(Goldilocks::zero(), max)};
  for (int i = 0; i < 5000; ++i) values.push_back(GoldilocksExt2::sample(rng));
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    const GoldilocksExt2 a = values[i], b = values[i + 1];
    const GoldilocksExt2 expected(a.c0() * b.c0() + w * a.c1() * b.c1(),
                                  a.c0() * b.c1() + a.c1() * b.c0());
    ASSERT_EQ(a * b, expected) << a.to_string() << " * " << b.to_string();
    ASSERT_EQ(a * a, a.square());
  }
  EXPECT_EQ(values[0] * values[0], GoldilocksExt2(Goldilocks::one() + w, Goldilocks::from_u64(2)));
}

TEST(Extension, BaseTimesExtensionMatchesEmbedding) {
  TestRng rng(15);
  for (int i = 0; i < 100; ++i) {
    const Goldilocks s = Goldilocks::sample(rng);
    const GoldilocksExt2 a = GoldilocksExt2::sample(rng);
    EXPECT_EQ(a * s, a * GoldilocksExt2(s));
  }
}

// coordinates() lists c_0..c_{d-1} in the order of the canonical encoding,
// and from_coordinates inverts it, in every field the protocols use.
template <class E>
void expect_coordinates_follow_the_encoding(TestRng& rng) {
  for (int i = 0; i < 50; ++i) {
    const E v = E::sample(rng);
    const auto c = coordinates(v);
    ByteWriter from_value, from_coordinates_list;
    v.write(from_value);
    for (const auto& x : c) x.write(from_coordinates_list);
    EXPECT_EQ(from_value.bytes(), from_coordinates_list.bytes());
    EXPECT_EQ(from_coordinates<E>(c), v);
  }
}

TEST(Extension, CoordinatesFollowTheCanonicalEncoding) {
  TestRng rng(16);
  expect_coordinates_follow_the_encoding<Goldilocks>(rng);
  expect_coordinates_follow_the_encoding<GoldilocksExt2>(rng);
  expect_coordinates_follow_the_encoding<GoldilocksExt3>(rng);
  expect_coordinates_follow_the_encoding<Tiny>(rng);
  expect_coordinates_follow_the_encoding<TinyExt2>(rng);
}

TEST(SmallPrime, SampleIsUniformOverTheField) {
  TestRng rng(16);
  using Seven = SmallPrime<7>;
  int counts[7] = {};
  for (int i = 0; i < 70000; ++i) ++counts[Seven::sample(rng).value()];
  for (int c : counts) EXPECT_NEAR(c, 10000, 500);
}

}  // namespace
}  // namespace zkinfer::field
