// SPDX-License-Identifier: Apache-2.0
// The Gemm operator proof through the whole stack: X, W, bias, Y, the
// requant advice and every pad in one ZK-Ligero commitment, the operator
// proof, its range checks in one LogUp, and one Ligero constraint proof.
#include "ops/gemm_proof.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

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

using Harness = testing::OperatorProofHarness<GemmLayout>;
using FullProof = Harness::FullProof;
using Events = Harness::Events;
const std::string kGemmPrefix = Harness::kOperatorPrefix;
const std::string kRangePrefix = Harness::kRangePrefix;

// The public side of one Gemm: its parameters and everything derived from them.
struct Public {
  GemmShape shape;
  MacQuant quant;
  bool has_bias = false;
  unsigned range_bits = kDefaultRequantRangeBits;
};

Bytes parameter_bytes(const Public& pub) {
  ByteWriter w;
  w.u64(pub.shape.rows);
  w.u64(pub.shape.inner);
  w.u64(pub.shape.outputs);
  w.u32(pub.has_bias ? 1 : 0);
  w.u32(pub.range_bits);
  return w.take();
}

// Operand slots first (X, W, bias), then the Gemm's: the same allocation
// on both sides.
GemmOperands operands_for(WitnessLayout& layout, const Public& pub) {
  const auto [m, k, n] = pub.shape;
  GemmOperands operands;
  operands.input = layout.allocate(m * k);
  operands.weight = layout.allocate(n * k);
  operands.has_bias = pub.has_bias;
  if (pub.has_bias) operands.bias = layout.allocate(n);
  return operands;
}

struct Instance {
  Harness harness;
  Harness::Instance parts;  // layout, the GemmLayout, the range checks
  GemmOperands operands;
  const GemmLayout& gemm() const { return parts.op; }
};

Instance instance_for(const Public& pub) {
  Harness harness(
      [pub](WitnessLayout& layout) {
        const GemmOperands operands = operands_for(layout, pub);
        return GemmLayout::allocate(layout, pub.shape, pub.quant, operands, pub.range_bits);
      },
      parameter_bytes(pub));
  Harness::Instance parts = harness.instance();
  WitnessLayout operand_layout;
  const GemmOperands operands = operands_for(operand_layout, pub);
  return {std::move(harness), std::move(parts), operands};
}

// The private side: operands in integers.
struct Private {
  IntTensor input, weight;
  std::vector<std::int32_t> bias;
};

// The witness as an honest prover fills it, then optionally corrupted.
struct Committed {
  BaseWitness<E> witness;
  IntTensor output;
};

// A cheating prover: rewrites the advice before it is written, or the
// committed witness after (a changed weight, input), then proves honestly.
struct Cheat {
  RequantTamper advice;
  std::function<void(BaseWitness<E>&, const Instance&)> witness;
  // Counts the range-check multiplicities of in-range values only, the
  // best a prover can do with an out-of-range value (honest fill refuses).
  bool skip_out_of_range = false;
};

Committed commit_witness(const Instance& in, const Private& priv, const Cheat& cheat = {}) {
  Committed c;
  c.witness.assign(in.parts.layout.size(), Goldilocks());
  const auto write = [&](Slot first, std::span<const std::int32_t> values) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      c.witness.at(first + i) = Goldilocks::from_i64(values[i]);
    }
  };
  write(in.operands.input, priv.input.values);
  write(in.operands.weight, priv.weight.values);
  if (in.operands.has_bias) write(in.operands.bias, priv.bias);
  c.output = in.gemm().fill(c.witness, priv.input, priv.weight, priv.bias, cheat.advice);
  if (cheat.witness) cheat.witness(c.witness, in);
  Harness::fill_ranges(in.parts, c.witness, cheat.skip_out_of_range);
  return c;
}

FullProof prove_full(const Instance& in, const Committed& c, Events* events = nullptr) {
  return in.harness.prove(in.parts, c.witness, events);
}

// The verifier, from public data only.
bool verify_full(const Instance& in, const FullProof& full, Events* events = nullptr) {
  return in.harness.verify(full, events);
}

struct Options {
  std::size_t m = 2, k = 5, n = 3;
  bool per_channel = false, relu = false, bias = true;
  // 8-bit range checks keep the lookup table, and the tests, small.
  unsigned range_bits = 8;
  // Accumulators reach ~2^17 and multipliers 2^16: these shifts put outputs
  // inside, above and below the int8 range, within 2^8 of it.
  std::int32_t shift_lo = 25, shift_hi = 30;
  std::uint64_t seed = 1;
};

std::pair<Public, Private> random_case(const Options& o) {
  TestRng rng(o.seed);
  Public pub;
  pub.shape = {o.m, o.k, o.n};
  pub.has_bias = o.bias;
  pub.range_bits = o.range_bits;
  pub.quant.input_zero_point = uniform(rng, -8, 8);
  const std::size_t channels = o.per_channel ? o.n : 1;
  pub.quant.weight_zero_points.clear();
  pub.quant.rescale.requants.clear();
  for (std::size_t j = 0; j < channels; ++j) {
    pub.quant.weight_zero_points.push_back(uniform(rng, -3, 3));
    pub.quant.rescale.requants.push_back(random_requant(rng, o.shift_lo, o.shift_hi));
  }
  const std::int32_t zero_point = uniform(rng, -10, 10);
  pub.quant.rescale.output = OutputClamp::of(QuantParams::int8(1.0, zero_point), o.relu);
  Private priv;
  priv.input = random_tensor(rng, {o.m, o.k}, -128, 127);
  priv.weight = random_tensor(rng, {o.n, o.k}, -128, 127);
  if (o.bias) {
    for (std::size_t j = 0; j < o.n; ++j) priv.bias.push_back(uniform(rng, -50000, 50000));
  }
  return {pub, priv};
}

TEST(GemmProof, CompleteAndEqualToOpsGemm) {
  std::vector<Options> cases = {
      {.m = 1, .k = 3, .n = 2},                       // batch of one
      {.m = 3, .k = 7, .n = 5, .per_channel = true},  // non-powers of two
      {.m = 2, .k = 4, .n = 4, .relu = true},         // fused ReLU
      {.m = 2, .k = 6, .n = 3, .per_channel = true, .relu = true, .bias = false},
      {.m = 1, .k = 1, .n = 1, .bias = false},  // every side 1
      {.m = 2, .k = 2, .n = 3, .bias = false, .shift_lo = 0, .shift_hi = 0},
      {.m = 2, .k = 9, .n = 2, .per_channel = true, .shift_lo = 27, .shift_hi = 53},
      {.m = 1,
       .k = 4,
       .n = 3,
       .shift_lo = max_provable_shift(8),
       .shift_hi = max_provable_shift(8)},
      {.m = 2,
       .k = 3,
       .n = 2,
       .range_bits = 16,
       .shift_lo = max_provable_shift(16),
       .shift_hi = max_provable_shift(16)},
      // The default 16-bit range checks, outputs up to 2^16 outside int8.
      {.m = 3,
       .k = 5,
       .n = 3,
       .per_channel = true,
       .relu = true,
       .range_bits = 16,
       .shift_lo = 20,
       .shift_hi = 45},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    Options o = cases[i];
    o.seed = 100 + i;
    auto [pub, priv] = random_case(o);
    if (o.shift_hi == 0) {  // no rescaling: operands small enough to stay near int8
      for (auto& r : pub.quant.rescale.requants) r.multiplier = 1;
      for (auto& v : priv.input.values) v = v % 4;
      for (auto& v : priv.weight.values) v = v % 4;
    }
    const Instance in = instance_for(pub);
    const Committed c = commit_witness(in, priv);
    EXPECT_EQ(c.output.values, gemm(priv.input, priv.weight, priv.bias, pub.quant).values);
    for (std::size_t x = 0; x < c.output.size(); ++x) {
      EXPECT_EQ(c.witness.at(in.gemm().output() + x), Goldilocks::from_i64(c.output.values[x]));
    }
    EXPECT_TRUE(verify_full(in, prove_full(in, c))) << "case " << i;
  }
}

// The honest case the cheats start from: ReLU, per-channel, bias, and
// outputs clamped below, clamped above and strictly between the zero point
// and hi. The first seed that has all three (found with a tamper hook that
// only records the advice).
std::pair<Public, Private> cheat_base() {
  for (std::uint64_t seed = 7; seed < 1000; ++seed) {
    Options o{.m = 2, .k = 5, .n = 3, .per_channel = true, .relu = true, .seed = seed};
    o.shift_lo = o.shift_hi = 25;
    auto [pub, priv] = random_case(o);
    const OutputClamp& clamp = pub.quant.rescale.output;
    RequantAdvice advice;
    Cheat record;
    record.advice = [&advice](RequantAdvice& a) { advice = a; };
    try {
      commit_witness(instance_for(pub), priv, record);
    } catch (const Error&) {
      continue;  // a pre-clamp value too far out for 8-bit range checks
    }
    const auto any = [](const std::vector<std::int64_t>& v, auto predicate) {
      return std::any_of(v.begin(), v.end(), predicate);
    };
    const auto positive = [](std::int64_t u) { return u > 0; };
    if (any(advice.excess_above, positive) && any(advice.excess_below, positive) &&
        any(advice.output, [&](std::int64_t y) { return y > clamp.zero_point && y < clamp.hi; })) {
      return {pub, priv};
    }
  }
  fail("no seed gives the cheat base");
}

bool cheat_accepted(const Cheat& cheat) {
  const auto [pub, priv] = cheat_base();
  const Instance in = instance_for(pub);
  const Committed c = commit_witness(in, priv, cheat);
  return verify_full(in, prove_full(in, c));
}

// Re-derives the clamp excess of element x from its (possibly rewritten) q and y.
void consistent_excess(RequantAdvice& a, std::size_t x, const OutputClamp& clamp) {
  const std::int64_t pre = a.quotient[x] + clamp.zero_point - a.output[x];
  a.excess_above[x] = std::max<std::int64_t>(0, pre);
  a.excess_below[x] = std::max<std::int64_t>(0, -pre);
}

TEST(GemmProof, HonestCheatBaseIsAccepted) {
  EXPECT_TRUE(cheat_accepted({}));
}

TEST(GemmProof, RejectsAFlippedRelu) {
  const OutputClamp clamp = cheat_base().first.quant.rescale.output;
  // y = z (= lo, the ReLU) where y > z, with the excess
  enum class Excess {
    kAbove,          // u+ = q > 0: the zero-check fails (y != hi)
    kNone,           // u+ = u- = 0: the excess relation q + z - y = u+ - u- fails
    kNegativeBelow,  // u- = -q < 0 (both relations hold): only the range of u- fails
  };
  for (Excess excess : {Excess::kAbove, Excess::kNone, Excess::kNegativeBelow}) {
    Cheat cheat;
    cheat.skip_out_of_range = excess == Excess::kNegativeBelow;
    cheat.advice = [&](RequantAdvice& a) {
      const auto it = std::find_if(a.output.begin(), a.output.end(), [&](std::int64_t y) {
        return y > clamp.zero_point && y < clamp.hi;
      });
      ASSERT_NE(it, a.output.end());
      const auto x = static_cast<std::size_t>(it - a.output.begin());
      a.output[x] = clamp.zero_point;
      if (excess == Excess::kAbove) consistent_excess(a, x, clamp);
      if (excess == Excess::kNegativeBelow) a.excess_below[x] = -a.quotient[x];
    };
    EXPECT_FALSE(cheat_accepted(cheat)) << static_cast<int>(excess);
  }
}

TEST(GemmProof, RejectsAnOffByOneQuotient) {
  const OutputClamp clamp = cheat_base().first.quant.rescale.output;
  for (std::int64_t delta : {1, -1}) {
    Cheat cheat;
    cheat.advice = [&](RequantAdvice& a) {
      a.quotient[1] += delta;
      a.output[1] = clamp.apply(a.quotient[1]);
      consistent_excess(a, 1, clamp);
    };
    EXPECT_FALSE(cheat_accepted(cheat)) << delta;
  }
}

// q - 1 with r + 2^s: the requant relation and every limb's own range hold,
// only the top-limb bound r < 2^s fails.
TEST(GemmProof, RejectsARemainderOfTwoToTheShiftOrMore) {
  const Public pub = cheat_base().first;
  const OutputClamp clamp = pub.quant.rescale.output;
  Cheat cheat;
  cheat.skip_out_of_range = true;
  cheat.advice = [&](RequantAdvice& a) {
    a.quotient[1] -= 1;
    a.remainder[1] += std::int64_t{1} << pub.quant.rescale.channel(1).shift;
    a.output[1] = clamp.apply(a.quotient[1]);
    consistent_excess(a, 1, clamp);
  };
  EXPECT_FALSE(cheat_accepted(cheat));
  // The same counting with honest advice is accepted.
  cheat.advice = {};
  EXPECT_TRUE(cheat_accepted(cheat));
}

// y = q + z unclamped, u+ = u- = 0: the excess relation and the zero-check
// hold, only y - lo >= 0 (a ReLU passing a negative value) or hi - y >= 0
// fails.
TEST(GemmProof, RejectsAnUnclampedOutput) {
  const OutputClamp clamp = cheat_base().first.quant.rescale.output;
  for (bool below : {true, false}) {
    Cheat cheat;
    cheat.skip_out_of_range = true;
    cheat.advice = [&](RequantAdvice& a) {
      auto& excess = below ? a.excess_below : a.excess_above;
      const auto it =
          std::find_if(excess.begin(), excess.end(), [](std::int64_t u) { return u > 0; });
      ASSERT_NE(it, excess.end());
      const auto x = static_cast<std::size_t>(it - excess.begin());
      a.output[x] = a.quotient[x] + clamp.zero_point;
      consistent_excess(a, x, clamp);
    };
    EXPECT_FALSE(cheat_accepted(cheat)) << (below ? "below lo" : "above hi");
  }
}

TEST(GemmProof, RejectsAChangedOrSwappedWeightOrAChangedInput) {
  const std::size_t k = cheat_base().first.shape.inner;
  const std::vector<std::pair<const char*, std::function<void(BaseWitness<E>&, const Instance&)>>>
      cheats = {
          {"changed weight",
           [](BaseWitness<E>& w, const Instance& in) {
             w.at(in.operands.weight + 4) += Goldilocks::one();
           }},
          {"swapped weight rows",
           [k](BaseWitness<E>& w, const Instance& in) {
             for (std::size_t t = 0; t < k; ++t) {
               std::swap(w.at(in.operands.weight + t), w.at(in.operands.weight + k + t));
             }
           }},
          {"changed input",
           [](BaseWitness<E>& w, const Instance& in) {
             w.at(in.operands.input + 3) -= Goldilocks::one();
           }},
          {"changed bias",
           [](BaseWitness<E>& w, const Instance& in) {
             w.at(in.operands.bias + 2) += Goldilocks::one();
           }},
      };
  for (const auto& [name, corrupt] : cheats) {
    Cheat cheat;
    cheat.witness = corrupt;
    EXPECT_FALSE(cheat_accepted(cheat)) << name;
  }
}

struct SmallProof {
  Public pub;
  Private priv;
  Instance in;
  Committed committed;
  FullProof full;

  explicit SmallProof(
      std::pair<Public, Private> c = random_case({.m = 1, .k = 2, .n = 2, .relu = true, .seed = 9}))
      : pub(c.first),
        priv(c.second),
        in(instance_for(pub)),
        committed(commit_witness(in, priv)),
        full(prove_full(in, committed)) {}
  bool holds(ByteSpan operator_proof) const {
    return in.harness.constraints_hold(in.parts, committed.witness, full.commitment,
                                       operator_proof);
  }
};

TEST(GemmProof, EveryByteFlipOfTheOperatorProofIsRejected) {
  const SmallProof s;
  const Bytes& bytes = s.full.operator_proof;
  ASSERT_TRUE(s.holds(bytes));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    Bytes tampered = bytes;
    tampered[i] ^= 0x01;
    ASSERT_FALSE(s.holds(tampered)) << "byte " << i;
  }
  EXPECT_FALSE(s.holds(Bytes(bytes.begin(), bytes.end() - 1)));
  Bytes extended = bytes;
  extended.push_back(0);
  EXPECT_FALSE(s.holds(extended));
  // And through the whole stack, a flip at each end.
  for (std::size_t i : {std::size_t{0}, bytes.size() - 1}) {
    FullProof tampered = s.full;
    tampered.operator_proof[i] ^= 0x80;
    EXPECT_FALSE(verify_full(s.in, tampered)) << "byte " << i;
  }
}

// Prover and verifier run the same transcript, and every byte of the
// operator proof is absorbed, in proof order, before the challenges after it.
TEST(GemmProof, FiatShamirCoversEveryOperatorProofByte) {
  const auto [pub, priv] = random_case({.m = 3, .k = 5, .n = 2, .per_channel = true});
  const Instance in = instance_for(pub);
  Events prover, verifier;
  const FullProof full = prove_full(in, commit_witness(in, priv), &prover);
  ASSERT_TRUE(verify_full(in, full, &verifier));
  ASSERT_EQ(prover.size(), verifier.size());
  std::size_t absorbed = 0;
  for (std::size_t i = 0; i < prover.size(); ++i) {
    EXPECT_EQ(prover[i].op, verifier[i].op);
    EXPECT_EQ(prover[i].label, verifier[i].label);
    EXPECT_EQ(prover[i].payload_bytes, verifier[i].payload_bytes);
    const bool operator_step =
        prover[i].label.starts_with(kGemmPrefix) || prover[i].label.starts_with(kRangePrefix);
    if (operator_step && prover[i].op == hash::TranscriptSchema::Op::kAbsorb) {
      absorbed += prover[i].payload_bytes;
    }
  }
  EXPECT_EQ(absorbed, full.operator_proof.size());
  // The operator's first step is a challenge: its point depends on the
  // commitment only.
  const auto first = std::find_if(prover.begin(), prover.end(),
                                  [](const auto& e) { return e.label.starts_with(kGemmPrefix); });
  ASSERT_NE(first, prover.end());
  EXPECT_EQ(first->label, kGemmPrefix + "image-point");
  EXPECT_EQ(first->op, hash::TranscriptSchema::Op::kSqueeze);
}

TEST(GemmProof, NoWitnessValueAppearsInTheProof) {
  const SmallProof s;
  const auto contains = [](const Bytes& haystack, Goldilocks value) {
    ByteWriter enc;
    value.write(enc);
    const auto& needle = enc.bytes();
    return std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end()) !=
           haystack.end();
  };
  // Every input and weight is checked in the operator proof; in the Ligero
  // proof only the negative ones (p - |v|), since small non-negative
  // integers also encode the proof's lengths and counts.
  const auto [m, k, n] = s.pub.shape;
  for (Slot x = 0; x < s.in.operands.weight + n * k; ++x) {
    const Goldilocks v = s.committed.witness.at(x);
    EXPECT_FALSE(contains(s.full.operator_proof, v)) << "slot " << x;
    if (v.value() > Goldilocks::kModulus / 2) {
      EXPECT_FALSE(contains(s.full.ligero_proof, v)) << "slot " << x;
    }
  }
}

TEST(GemmProof, SoundnessErrorIsFarBelowTwoToTheMinus100) {
  const auto [pub, priv] = random_case({.m = 64, .k = 784, .n = 128});
  const Instance in = instance_for(pub);
  const double error = in.gemm().soundness_error();
  EXPECT_GT(error, 0.0);
  EXPECT_LT(std::log2(error), -110.0);
}

TEST(GemmProof, LayoutRejectsUnprovableParameters) {
  auto [pub, priv] = random_case({});
  WitnessLayout layout;
  for (unsigned bits : {8u, 16u}) {
    pub.quant.rescale.requants[0].shift = max_provable_shift(bits);
    EXPECT_NO_THROW(GemmLayout::allocate(layout, pub.shape, pub.quant, {}, bits));
    pub.quant.rescale.requants[0].shift = max_provable_shift(bits) + 1;
    EXPECT_THROW(GemmLayout::allocate(layout, pub.shape, pub.quant, {}, bits), Error);
  }
  pub.quant.rescale.requants[0].shift = 8;
  pub.quant.rescale.output = {0, -200, 200};  // wider than 2^8
  EXPECT_NO_THROW(GemmLayout::allocate(layout, pub.shape, pub.quant, {}, 16));
  EXPECT_THROW(GemmLayout::allocate(layout, pub.shape, pub.quant, {}, 8), Error);
  pub.quant.rescale.output = {70000, 0, 127};  // zero point far from the range
  EXPECT_THROW(GemmLayout::allocate(layout, pub.shape, pub.quant, {}, 16), Error);
  EXPECT_THROW(GemmLayout::allocate(layout, pub.shape, pub.quant, {}, 7), Error);
}

}  // namespace
}  // namespace zkinfer::ops
