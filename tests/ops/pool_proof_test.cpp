// SPDX-License-Identifier: Apache-2.0
// The MaxPool operator proof through the whole stack: completeness with the
// output equal to ops::max_pool (with and without padding), and rejection
// of every way to report a value that is not the window's maximum.
#include "ops/pool_proof.hpp"

#include <gtest/gtest.h>

#include "operator_proof_harness.hpp"
#include "ops_testing.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;
using field::Goldilocks;
using testing::random_tensor;
using testing::TestRng;
using Harness = testing::OperatorProofHarness<MaxLayout>;

PoolParams window(std::size_t kernel, std::size_t stride, std::size_t pad) {
  PoolParams p;
  p.window.kernel = {kernel, kernel};
  p.window.strides = {stride, stride};
  p.window.pads = {pad, pad, pad, pad};
  return p;
}

Harness harness(const Shape& input, const PoolParams& params) {
  ByteWriter w;
  for (std::size_t d : input) w.u64(d);
  w.u64(params.window.kernel[0]);
  w.u64(params.window.strides[0]);
  w.u64(params.window.pads[0]);
  return Harness(
      [input, params](WitnessLayout& layout) {
        const Slot x = layout.allocate(element_count(input));
        return MaxLayout::pooling(layout, input, params, x, 8);
      },
      w.take());
}

// X occupies the first slots.
BaseWitness<E> commit(const Harness::Instance& in, const IntTensor& x, const MaxTamper& tamper = {},
                      std::vector<std::int32_t>* output = nullptr) {
  BaseWitness<E> witness;
  witness.assign(in.layout.size(), Goldilocks());
  for (std::size_t i = 0; i < x.size(); ++i) witness.at(i) = Goldilocks::from_i64(x.values[i]);
  const std::vector<std::int32_t> y = in.op.fill(witness, x.values, tamper);
  if (output) *output = y;
  Harness::fill_ranges(in, witness, true);
  return witness;
}

TEST(MaxPoolProof, CompleteAndEqualToOpsMaxPool) {
  const std::vector<std::pair<Shape, PoolParams>> cases = {
      {{1, 3, 8, 8}, window(2, 2, 0)},  // LeNet's pooling
      {{2, 2, 5, 5}, window(3, 1, 1)},  // overlapping windows over padding
      {{1, 1, 7, 6}, window(3, 2, 1)},  // odd sides, stride 2, padding
      {{1, 4, 2, 2}, window(2, 2, 0)},  // one window per plane
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [shape, params] = cases[i];
    TestRng rng(40 + i);
    const IntTensor x = random_tensor(rng, shape, -128, 127);
    const Harness h = harness(shape, params);
    const Harness::Instance in = h.instance();
    std::vector<std::int32_t> y;
    const BaseWitness<E> witness = commit(in, x, {}, &y);
    EXPECT_EQ(y, max_pool(x, params).values) << "case " << i;
    EXPECT_TRUE(h.verify(h.prove(in, witness))) << "case " << i;
  }
}

struct CheatCase {
  Shape shape{1, 2, 5, 5};
  PoolParams params = window(3, 2, 1);
  IntTensor x;
  Harness h = harness(shape, params);
  Harness::Instance in = h.instance();

  CheatCase() {
    TestRng rng(5);
    x = random_tensor(rng, shape, -100, 100);
  }
  bool accepted(const MaxTamper& tamper) const {
    return h.verify(h.prove(in, commit(in, x, tamper)));
  }
  // The input value under tap t of output o (nullopt on padding).
  std::optional<std::int32_t> tap_value(std::size_t o, std::size_t t) const {
    const std::size_t plane = o / 9, oh = o % 9 / 3, ow = o % 3;
    const std::int64_t ih = params.window.coordinate(0, oh, t / 3);
    const std::int64_t iw = params.window.coordinate(1, ow, t % 3);
    if (ih < 0 || iw < 0 || ih >= 5 || iw >= 5) return std::nullopt;
    return x.values[plane * 25 + static_cast<std::size_t>(ih * 5 + iw)];
  }
};

TEST(MaxPoolProof, RejectsEveryWrongWinner) {
  const CheatCase k;
  EXPECT_TRUE(k.accepted({}));
  const std::size_t o = 4;  // the centre window: all nine taps inside
  // Another tap of the window reported as the winner, with its value.
  std::size_t loser = 0;
  for (std::size_t t = 0; t < 9; ++t)
    if (*k.tap_value(o, t) < *k.tap_value(o, loser)) loser = t;
  EXPECT_FALSE(k.accepted([&](MaxAdvice& a) {
    a.winner[o] = loser;
    a.output[o] = *k.tap_value(o, loser);
  }));
  // The maximum plus one, whichever tap is named.
  EXPECT_FALSE(k.accepted([&](MaxAdvice& a) { a.output[o] += 1; }));
  // A padding tap named the winner, with a value above the window.
  EXPECT_FALSE(k.accepted([&](MaxAdvice& a) {
    a.winner[0] = 0;  // output 0's tap 0 lies in the padding
    a.output[0] += 5;
  }));
  // A winner index outside the window: no selector set.
  EXPECT_FALSE(k.accepted([&](MaxAdvice& a) { a.winner[o] = 9; }));
}

TEST(MaxPoolProof, EveryByteFlipOfTheOperatorProofIsRejected) {
  const CheatCase k;
  const BaseWitness<E> witness = commit(k.in, k.x);
  const Harness::FullProof full = k.h.prove(k.in, witness);
  const Bytes& bytes = full.operator_proof;
  ASSERT_TRUE(k.h.constraints_hold(k.in, witness, full.commitment, bytes));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    Bytes tampered = bytes;
    tampered[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
    ASSERT_FALSE(k.h.constraints_hold(k.in, witness, full.commitment, tampered)) << "byte " << i;
  }
}

TEST(MaxPoolProof, SoundnessErrorIsFarBelowTwoToTheMinus100) {
  WitnessLayout layout;
  const double error =
      MaxLayout::pooling(layout, {1, 6, 28, 28}, window(2, 2, 0), 0).soundness_error();
  EXPECT_GT(error, 0.0);
  EXPECT_LT(std::log2(error), -110.0);
}

}  // namespace
}  // namespace zkinfer::ops
