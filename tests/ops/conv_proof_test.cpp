// SPDX-License-Identifier: Apache-2.0
// The Conv operator proof (direct tap sumcheck) through the whole stack:
// completeness with the output equal to ops::conv on every geometry the
// front end supports (stride, padding, dilation, groups, batch), and
// rejection of corrupted weights, inputs and requantization advice.
#include "ops/conv_proof.hpp"

#include <gtest/gtest.h>

#include "operator_proof_harness.hpp"
#include "ops_testing.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;
using field::Goldilocks;
using testing::random_requant;
using testing::random_tensor;
using testing::TestRng;
using testing::uniform;
using Harness = testing::OperatorProofHarness<ConvLayout>;

struct Case {
  Shape input, weight;
  ConvParams params;
  bool bias = true;
  std::uint64_t seed = 1;
  // 8-bit range checks keep the lookup table, and the tests, small.
  unsigned range_bits = 8;
};

struct Private {
  IntTensor input, weight;
  std::vector<std::int32_t> bias;
};

// The public parameters: shapes, geometry, quantization.
Case with_quantization(Case c, bool per_channel, bool relu) {
  TestRng rng(c.seed);
  MacQuant& q = c.params.quant;
  q.input_zero_point = uniform(rng, -8, 8);
  q.weight_zero_points.clear();
  q.rescale.requants.clear();
  for (std::size_t m = 0; m < (per_channel ? c.weight[0] : 1); ++m) {
    q.weight_zero_points.push_back(uniform(rng, -3, 3));
    q.rescale.requants.push_back(random_requant(rng, 26, 27));
  }
  q.rescale.output = OutputClamp::of(QuantParams::int8(1.0, uniform(rng, -10, 10)), relu);
  return c;
}

Private private_operands(const Case& c) {
  TestRng rng(c.seed + 1000);
  Private p{random_tensor(rng, c.input, -128, 127), random_tensor(rng, c.weight, -128, 127), {}};
  if (c.bias)
    for (std::size_t m = 0; m < c.weight[0]; ++m) p.bias.push_back(uniform(rng, -20000, 20000));
  return p;
}

Bytes parameter_bytes(const Case& c) {
  ByteWriter w;
  for (const Shape* s : {&c.input, &c.weight})
    for (std::size_t d : *s) w.u64(d);
  w.u64(c.params.groups);
  w.u32(c.bias ? 1 : 0);
  w.u32(c.range_bits);
  return w.take();
}

// Operands first (X, W, bias), then the operator.
Harness harness(const Case& c) {
  return Harness(
      [c](WitnessLayout& layout) {
        MacOperands operands;
        operands.input = layout.allocate(element_count(c.input));
        operands.weight = layout.allocate(element_count(c.weight));
        operands.has_bias = c.bias;
        operands.bias = layout.allocate(c.bias ? c.weight[0] : 0);
        return ConvLayout::allocate(layout, c.input, c.weight, c.params, operands, c.range_bits);
      },
      parameter_bytes(c));
}

struct Committed {
  BaseWitness<E> witness;
  IntTensor output;
};

// The operand slots are the first ones, in allocation order.
Committed commit(const Harness::Instance& in, const Private& p, const RequantTamper& tamper = {},
                 const std::function<void(BaseWitness<E>&)>& corrupt = {}) {
  Committed c;
  c.witness.assign(in.layout.size(), Goldilocks());
  std::size_t slot = 0;
  for (const auto* values : {&p.input.values, &p.weight.values, &p.bias})
    for (std::int32_t v : *values) c.witness.at(slot++) = Goldilocks::from_i64(v);
  c.output = in.op.fill(c.witness, p.input, p.weight, p.bias, tamper);
  if (corrupt) corrupt(c.witness);
  Harness::fill_ranges(in, c.witness, true);
  return c;
}

ConvParams geometry(std::array<std::size_t, 2> strides, std::array<std::size_t, 2> dilations,
                    std::array<std::size_t, 4> pads, std::size_t groups) {
  ConvParams p;
  p.strides = strides;
  p.dilations = dilations;
  p.pads = pads;
  p.groups = groups;
  return p;
}

TEST(ConvProof, CompleteAndEqualToOpsConv) {
  const std::vector<std::pair<Case, std::pair<bool, bool>>> cases = {
      // LeNet's first layer, shrunk: one channel, padding 2.
      {{{1, 1, 8, 8}, {3, 1, 5, 5}, geometry({1, 1}, {1, 1}, {2, 2, 2, 2}, 1)}, {false, true}},
      // Stride, dilation, asymmetric padding, non-square kernel, per-channel.
      {{{1, 3, 7, 9}, {4, 3, 2, 3}, geometry({2, 1}, {1, 2}, {1, 0, 0, 2}, 1)}, {true, false}},
      // Groups and a batch of two, no bias.
      {{{2, 4, 5, 5}, {6, 2, 3, 3}, geometry({1, 2}, {1, 1}, {1, 1, 1, 1}, 2), false},
       {true, true}},
      // Depthwise (groups = channels), 1 x 1 output.
      {{{1, 3, 3, 3}, {3, 1, 3, 3}, geometry({1, 1}, {1, 1}, {0, 0, 0, 0}, 3)}, {false, false}},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Case c = cases[i].first;
    c.seed = 10 + i;
    c = with_quantization(c, cases[i].second.first, cases[i].second.second);
    const Private p = private_operands(c);
    const Harness h = harness(c);
    const Harness::Instance in = h.instance();
    const Committed committed = commit(in, p);
    EXPECT_EQ(committed.output.values, conv(p.input, p.weight, p.bias, c.params).values)
        << "case " << i;
    EXPECT_TRUE(h.verify(h.prove(in, committed.witness))) << "case " << i;
  }
}

struct CheatCase {
  Case c;
  Private p;
  Harness h;
  Harness::Instance in;
};

CheatCase cheat_case() {
  Case c{{1, 2, 6, 6}, {3, 2, 3, 3}, geometry({1, 1}, {1, 1}, {1, 1, 1, 1}, 1)};
  c.seed = 3;
  c = with_quantization(c, true, true);
  Harness h = harness(c);
  Harness::Instance in = h.instance();
  return {c, private_operands(c), std::move(h), std::move(in)};
}

bool accepted(const CheatCase& k, const Committed& committed) {
  return k.h.verify(k.h.prove(k.in, committed.witness));
}

TEST(ConvProof, RejectsChangedWeightsInputsAndAdvice) {
  const CheatCase k = cheat_case();
  EXPECT_TRUE(accepted(k, commit(k.in, k.p)));
  const auto bump = [](Slot slot) {
    return [slot](BaseWitness<E>& w) { w.at(slot) += Goldilocks::one(); };
  };
  const std::size_t inputs = k.p.input.size(), weights = k.p.weight.size();
  EXPECT_FALSE(accepted(k, commit(k.in, k.p, {}, bump(inputs + 11))));           // one weight
  EXPECT_FALSE(accepted(k, commit(k.in, k.p, {}, bump(7))));                     // one input pixel
  EXPECT_FALSE(accepted(k, commit(k.in, k.p, {}, bump(inputs + weights + 1))));  // one bias
  // A pixel in the last column and row: read by border windows only.
  EXPECT_FALSE(accepted(k, commit(k.in, k.p, {}, bump(inputs - 1))));
  // Two filters swapped.
  EXPECT_FALSE(accepted(k, commit(k.in, k.p, {}, [&](BaseWitness<E>& w) {
                          for (std::size_t t = 0; t < weights / 3; ++t)
                            std::swap(w.at(inputs + t), w.at(inputs + weights / 3 + t));
                        })));
  // An off-by-one rounding: quotient and output moved together.
  EXPECT_FALSE(accepted(k, commit(k.in, k.p, [](RequantAdvice& a) {
                          const std::size_t x = 4;
                          a.quotient[x] += 1;
                          a.output[x] += 1;
                          a.excess_above[x] = a.excess_below[x] = 0;
                        })));
}

TEST(ConvProof, EveryByteFlipOfTheOperatorProofIsRejected) {
  const CheatCase k = cheat_case();
  const Committed committed = commit(k.in, k.p);
  const Harness::FullProof full = k.h.prove(k.in, committed.witness);
  const Bytes& bytes = full.operator_proof;
  ASSERT_TRUE(k.h.constraints_hold(k.in, committed.witness, full.commitment, bytes));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    Bytes tampered = bytes;
    tampered[i] ^= static_cast<std::uint8_t>(1u << (i % 8));
    ASSERT_FALSE(k.h.constraints_hold(k.in, committed.witness, full.commitment, tampered))
        << "byte " << i;
  }
}

TEST(ConvProof, SoundnessErrorIsFarBelowTwoToTheMinus100) {
  Case c{{1, 6, 14, 14}, {16, 6, 5, 5}, {}};
  c = with_quantization(c, true, true);
  WitnessLayout layout;
  const double error =
      ConvLayout::allocate(layout, c.input, c.weight, c.params, {}).soundness_error();
  EXPECT_GT(error, 0.0);
  EXPECT_LT(std::log2(error), -110.0);
}

TEST(ConvProof, LayoutRejectsInconsistentShapes) {
  Case c{{1, 4, 6, 6}, {2, 3, 3, 3}, geometry({1, 1}, {1, 1}, {0, 0, 0, 0}, 1)};
  c = with_quantization(c, false, false);
  WitnessLayout layout;
  EXPECT_THROW(ConvLayout::allocate(layout, c.input, c.weight, c.params, {}), Error);
  c.weight = {2, 4, 7, 7};  // kernel larger than the input
  EXPECT_THROW(ConvLayout::allocate(layout, c.input, c.weight, c.params, {}), Error);
}

}  // namespace
}  // namespace zkinfer::ops
