// SPDX-License-Identifier: Apache-2.0
// The Softmax operator proof through the whole stack: completeness with the
// output equal to ops::softmax along different axes, and rejection of a
// wrong softmax entry however the prover balances the division.
#include "ops/softmax_proof.hpp"

#include <gtest/gtest.h>

#include "operator_proof_harness.hpp"
#include "ops_testing.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;
using field::Goldilocks;
using testing::random_tensor;
using testing::TestRng;
using Harness = testing::OperatorProofHarness<SoftmaxLayout>;

SoftmaxParams params_for(const Shape& shape, std::int64_t axis) {
  return SoftmaxParams::build(QuantParams::int8(0.05, 3), QuantParams::uint8(1.0 / 256), axis,
                              shape.size());
}

Harness harness(const Shape& shape, const SoftmaxParams& params) {
  ByteWriter w;
  for (std::size_t d : shape) w.u64(d);
  w.u64(params.axis);
  return Harness(
      [shape, params](WitnessLayout& layout) {
        const Slot x = layout.allocate(element_count(shape));
        return SoftmaxLayout::allocate(layout, shape, x, params);
      },
      w.take());
}

// X occupies the first slots.
BaseWitness<E> commit(const Harness::Instance& in, const IntTensor& x,
                      const SoftmaxTamper& tamper = {},
                      const std::function<void(BaseWitness<E>&)>& corrupt = {},
                      std::vector<std::int32_t>* output = nullptr) {
  BaseWitness<E> witness;
  witness.assign(in.layout.size(), Goldilocks());
  for (std::size_t i = 0; i < x.size(); ++i) witness.at(i) = Goldilocks::from_i64(x.values[i]);
  const std::vector<std::int32_t> y = in.op.fill(witness, x.values, tamper);
  if (output) *output = y;
  if (corrupt) corrupt(witness);
  Harness::fill_ranges(in, witness, true);
  return witness;
}

TEST(SoftmaxProof, CompleteAndEqualToOpsSoftmax) {
  const std::vector<std::pair<Shape, std::int64_t>> cases = {
      {{1, 10}, 1}, {{2, 3, 4}, 1}, {{3, 5}, 0}, {{2, 2, 3}, -1}, {{1, 1}, 1}};
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const auto& [shape, axis] = cases[i];
    TestRng rng(60 + i);
    const IntTensor x = random_tensor(rng, shape, -128, 127);
    const SoftmaxParams params = params_for(shape, axis);
    const Harness h = harness(shape, params);
    const Harness::Instance in = h.instance();
    std::vector<std::int32_t> y;
    const BaseWitness<E> witness = commit(in, x, {}, {}, &y);
    EXPECT_EQ(y, softmax(x, params).values) << "case " << i;
    EXPECT_TRUE(h.verify(h.prove(in, witness))) << "case " << i;
  }
}

TEST(SoftmaxProof, RejectsAWrongEntry) {
  const Shape shape{2, 6};
  TestRng rng(7);
  const IntTensor x = random_tensor(rng, shape, -40, 40);
  const SoftmaxParams params = params_for(shape, 1);
  const Harness h = harness(shape, params);
  const Harness::Instance in = h.instance();
  const auto accepted = [&](const SoftmaxTamper& tamper,
                            const std::function<void(BaseWitness<E>&)>& corrupt = {}) {
    return h.verify(h.prove(in, commit(in, x, tamper, corrupt)));
  };
  EXPECT_TRUE(accepted({}));
  // Entry t = 2 of line 1, in the [entry][line] advice.
  const std::size_t line = 1, entry = 2 * 2 + line;
  // The quotient moved and the remainder rebalanced by 2S: the division
  // still holds, the remainder leaves [0, 2S).
  for (const std::int64_t delta : {1, -1}) {
    EXPECT_FALSE(accepted([&](SoftmaxAdvice& a) {
      a.quotient[entry] += delta;
      a.remainder[entry] -= delta * 2 * a.sums[line];
    })) << delta;
  }
  // The quotient alone: the division fails.
  EXPECT_FALSE(accepted([&](SoftmaxAdvice& a) { a.quotient[entry] += 1; }));
  // The committed quotient changed after the honest fill.
  EXPECT_FALSE(
      accepted({}, [&](BaseWitness<E>& w) { w.at(in.op.quotient(2, line)) -= Goldilocks::one(); }));
  // The input changed after the honest fill: maxima, exps and sums disagree.
  EXPECT_FALSE(accepted({}, [&](BaseWitness<E>& w) { w.at(3) += Goldilocks::one(); }));
}

}  // namespace
}  // namespace zkinfer::ops
