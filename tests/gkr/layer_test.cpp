// SPDX-License-Identifier: Apache-2.0
#include "gkr/layer.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "field/extension.hpp"
#include "field/small_prime.hpp"
#include "support/rng.hpp"

// The generic layer protocol (gkr/layer.hpp) over GF(p^2) and over GF(257).
// The Poseidon2 circuit is Goldilocks-specific (its constants are), but every
// one of its layers is an instance of this protocol: a batch of product and
// identity gates at one or two points reduced by one padded sumcheck. So the
// tiny-field soundness and zero-knowledge experiments run here, on a layer
// with both kinds of gates and two claim points.
namespace zkinfer::gkr {
namespace {

using field::GoldilocksExt2;
using testing::TestRng;
using Tiny = field::SmallPrime<257>;

// Two groups (two claim points); product gates of two and three inputs; a
// linear gate on a product input (0), linear-only inputs (4 and 5), and an
// input (4) that is linear in both groups.
LayerShape mixed_shape(unsigned n) {
  return {n,
          2,
          6,
          {{0, {0, 1, 1}}, {0, {2, 3}}, {0, {4}}, {0, {0}}, {1, {1, 2, 2}}, {1, {5}}, {1, {4}}}};
}

template <class E>
struct Instance {
  LayerShape shape;
  std::vector<std::vector<E>> points;
  std::vector<std::vector<typename E::Base>> inputs;  // circuit wires carry witness data
};

template <class E>
Instance<E> make_instance(const LayerShape& shape, TestRng& rng) {
  Instance<E> inst{shape, {}, {}};
  for (std::size_t p = 0; p < shape.num_groups; ++p) {
    inst.points.emplace_back();
    for (unsigned i = 0; i < shape.num_vars; ++i) inst.points.back().push_back(E::sample(rng));
  }
  for (std::size_t i = 0; i < shape.num_inputs; ++i) {
    std::vector<typename E::Base> table(std::size_t{1} << shape.num_vars);
    for (auto& v : table) v = E::Base::sample(rng);
    inst.inputs.push_back(std::move(table));
  }
  return inst;
}

// The true value of every gate's multilinear extension at its group's point.
template <class E>
std::vector<E> gate_values(const LayerShape& shape, const std::vector<std::vector<E>>& points,
                           const std::vector<std::vector<typename E::Base>>& inputs) {
  std::vector<E> out;
  for (const Gate& g : shape.gates) {
    std::vector<E> product(inputs[0].size(), E::one());
    for (std::size_t i : g.inputs) {
      for (std::size_t x = 0; x < product.size(); ++x) product[x] *= inputs[i][x];
    }
    out.push_back(poly::evaluate_mle<E, E>(product, points[g.group]));
  }
  return out;
}

template <class E>
hash::TranscriptSchema schema_for(const LayerShape& shape) {
  hash::TranscriptSchema schema("gkr-layer-test/v1");
  append_layer_schema<E>(schema, "layer/", shape);
  return schema;
}

template <class E>
struct Run {
  WitnessLayout layout;
  LayerPads<E> pads;
  BaseWitness<E> witness;
  LayerProverOutput<E> prover;
  std::vector<hash::Transcript::Event> prover_events, verifier_events;
};

template <class E>
Run<E> prove_instance(const Instance<E>& inst, const sumcheck::RoundTamper<E>& tamper = {}) {
  Run<E> run;
  run.pads = allocate_layer_pads<E>(run.layout, inst.shape);
  run.witness.assign(run.layout.size(), typename E::Base());
  fill_layer_pads(run.witness, inst.shape, run.pads);
  hash::Transcript t(schema_for<E>(inst.shape), {}, {}, true);
  const std::vector<std::span<const typename E::Base>> inputs(inst.inputs.begin(),
                                                              inst.inputs.end());
  run.prover =
      prove_layer(inst.shape, inst.points, inputs, run.pads, run.witness, t, "layer/", tamper);
  t.finish();
  run.prover_events = t.events();
  return run;
}

// Ideal commitment: the verifier's constraints hold on the committed pads and
// its input claims equal the inputs' true values at the layer's point.
template <class E>
bool accepts(const Instance<E>& inst, const std::vector<E>& claimed, Run<E>& run,
             const LayerProof<E>& proof) {
  hash::Transcript t(schema_for<E>(inst.shape), {}, {}, true);
  ConstraintSystem<E> cs;
  std::vector<LinearForm<E>> claims;
  for (const E& v : claimed) claims.push_back(LinearForm<E>::constant_value(v));
  const LayerClaims<E> out =
      verify_layer(inst.shape, inst.points, claims, proof, run.pads, t, "layer/", cs);
  t.finish();
  run.verifier_events = t.events();
  for (std::size_t i = 0; i < inst.inputs.size(); ++i) {
    cs.require_equal(out.inputs[i],
                     LinearForm<E>::constant_value(
                         poly::evaluate_mle<E, typename E::Base>(inst.inputs[i], out.point)));
  }
  return cs.holds_for(run.witness, run.layout);
}

template <class E>
void expect_complete(unsigned max_vars, int seed) {
  TestRng rng(static_cast<std::uint64_t>(seed));
  for (unsigned n = 0; n <= max_vars; ++n) {
    const auto inst = make_instance<E>(mixed_shape(n), rng);
    auto run = prove_instance(inst);
    EXPECT_TRUE(
        accepts(inst, gate_values(inst.shape, inst.points, inst.inputs), run, run.prover.proof))
        << "n=" << n;
    // The prover's own values are the true ones.
    for (std::size_t i = 0; i < inst.inputs.size(); ++i) {
      EXPECT_EQ(run.prover.inputs[i],
                (poly::evaluate_mle<E, typename E::Base>(inst.inputs[i], run.prover.point)));
    }
  }
}

TEST(GkrLayer, CompleteOverGoldilocksExt2) {
  expect_complete<GoldilocksExt2>(9, 1);
}

// Over GF(257) challenges hit 0 and 1 often; nothing may divide by them.
TEST(GkrLayer, CompleteOverATinyField) {
  for (int seed = 0; seed < 50; ++seed) expect_complete<Tiny>(4, 100 + seed);
}

TEST(GkrLayer, DerivedTableLayout) {
  const LayerShape shape = mixed_shape(3);
  EXPECT_EQ(shape.product_inputs(), (std::vector<std::size_t>{0, 1, 2, 3}));
  EXPECT_EQ(shape.linear_inputs(), (std::vector<std::size_t>{4, 5}));
  EXPECT_EQ(shape.linear_groups(), (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(shape.degree(), 4u);
  const auto sc = sumcheck_structure<GoldilocksExt2>(shape);
  EXPECT_EQ(sc.num_tables, 2u + 4u + 2u);  // eq x2, product inputs, T x2
  EXPECT_EQ(sc.terms.size(), 3u + 2u);     // three product gates, two T terms
  EXPECT_EQ(sc.degree(), 4u);
}

TEST(GkrLayer, RejectsMalformedShapes) {
  const auto invalid = [](LayerShape s) {
    EXPECT_THROW(s.validate(), Error);
    EXPECT_THROW(sumcheck_structure<GoldilocksExt2>(s), Error);
  };
  invalid({2, 1, 2, {}});                   // no gates
  invalid({2, 1, 2, {{1, {0, 1}}}});        // group out of range
  invalid({2, 1, 2, {{0, {0, 1, 1, 1}}}});  // four inputs: degree 5
  invalid({2, 1, 2, {{0, {}}}});            // empty gate
  invalid({2, 1, 2, {{0, {0, 2}}}});        // input out of range
  invalid({2, 1, 3, {{0, {0, 1}}}});        // input 2 unused
  invalid({2, 2, 2, {{0, {0, 1}}}});        // group 1 has no gate
  EXPECT_NO_THROW(mixed_shape(2).validate());
}

TEST(GkrLayer, RejectsAWrongClaimOnAnyGate) {
  TestRng rng(2);
  const auto inst = make_instance<GoldilocksExt2>(mixed_shape(4), rng);
  auto run = prove_instance(inst);
  const auto truth = gate_values(inst.shape, inst.points, inst.inputs);
  ASSERT_TRUE(accepts(inst, truth, run, run.prover.proof));
  for (std::size_t g = 0; g < truth.size(); ++g) {
    auto lie = truth;
    lie[g] += GoldilocksExt2::one();
    EXPECT_FALSE(accepts(inst, lie, run, run.prover.proof)) << "gate " << g;
  }
}

TEST(GkrLayer, RejectsEveryTamperedRound) {
  TestRng rng(3);
  const auto inst = make_instance<GoldilocksExt2>(mixed_shape(3), rng);
  const auto truth = gate_values(inst.shape, inst.points, inst.inputs);
  for (unsigned bad_round = 0; bad_round < 3; ++bad_round) {
    for (std::size_t point : {0u, 2u, 4u}) {
      const sumcheck::RoundTamper<GoldilocksExt2> tamper = [&](unsigned round, auto& evals) {
        if (round == bad_round) evals[point] += GoldilocksExt2::one();
      };
      auto run = prove_instance(inst, tamper);
      EXPECT_FALSE(accepts(inst, truth, run, run.prover.proof)) << bad_round << " " << point;
    }
  }
}

TEST(GkrLayer, FiatShamirCoversEveryProofByteAndEveryFlipIsRejected) {
  TestRng rng(4);
  const auto inst = make_instance<GoldilocksExt2>(mixed_shape(2), rng);
  const auto truth = gate_values(inst.shape, inst.points, inst.inputs);
  auto run = prove_instance(inst);
  ASSERT_TRUE(accepts(inst, truth, run, run.prover.proof));
  ASSERT_EQ(run.prover_events.size(), run.verifier_events.size());
  std::size_t absorbed = 0;
  for (std::size_t i = 0; i < run.prover_events.size(); ++i) {
    EXPECT_EQ(run.prover_events[i].label, run.verifier_events[i].label);
    EXPECT_EQ(run.prover_events[i].payload_bytes, run.verifier_events[i].payload_bytes);
    if (i >= 2 && run.prover_events[i].op == hash::TranscriptSchema::Op::kAbsorb) {
      absorbed += run.prover_events[i].payload_bytes;
    }
  }
  ByteWriter w;
  run.prover.proof.write(w);
  const Bytes bytes = w.bytes();
  EXPECT_EQ(absorbed, bytes.size());
  // The batching coefficients come before anything the prover sends.
  EXPECT_EQ(run.prover_events[2].label, "layer/batch");

  const auto accepts_bytes = [&](const Bytes& candidate) {
    try {
      ByteReader reader(candidate);
      const auto proof = LayerProof<GoldilocksExt2>::read(reader, inst.shape);
      reader.expect_end("layer proof");
      return accepts(inst, truth, run, proof);
    } catch (const Error&) {
      return false;
    }
  };
  ASSERT_TRUE(accepts_bytes(bytes));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (std::uint8_t flip : {std::uint8_t{1}, std::uint8_t{0x80}}) {
      Bytes tampered = bytes;
      tampered[i] ^= flip;
      ASSERT_FALSE(accepts_bytes(tampered)) << "byte " << i;
    }
  }
  EXPECT_FALSE(accepts_bytes(Bytes(bytes.begin(), bytes.end() - 1)));
  Bytes extended = bytes;
  extended.push_back(0);
  EXPECT_FALSE(accepts_bytes(extended));
}

// Soundness over GF(257), n = 3, the two-point mixed layer. Two cheating
// strategies, each must stay within the layer's bound (1 + 4n)/|F| = 13/257:
//  - a false claim on one gate, then honest messages (the optimal adaptive
//    strategy: the lie survives a round only if the challenge is a root of
//    the Lagrange polynomial it rides on, or if its batching coefficient is 0);
//  - one input entry changed and every claim computed from the changed
//    inputs, so the sumcheck is consistent and only the settlement of the
//    input claims against the true inputs can catch it.
TEST(GkrLayerSoundness, TinyFieldCheatingRateWithinBound) {
  TestRng rng(5);
  constexpr int trials = 3000;
  const LayerShape shape = mixed_shape(3);
  const double bound = layer_soundness_error<Tiny>(shape);
  EXPECT_NEAR(bound, 13.0 / 257.0, 1e-12);
  for (bool lie_in_inputs : {false, true}) {
    int accepted = 0;
    for (int t = 0; t < trials; ++t) {
      const auto inst = make_instance<Tiny>(shape, rng);
      std::vector<Tiny> claimed;
      if (lie_in_inputs) {
        auto changed = inst;
        changed.inputs[rng.below(6)][rng.below(8)] += Tiny::from_u64(1 + rng.below(256));
        claimed = gate_values(shape, inst.points, changed.inputs);
        auto run = prove_instance(changed);
        accepted += accepts(inst, claimed, run, run.prover.proof) ? 1 : 0;
      } else {
        claimed = gate_values(shape, inst.points, inst.inputs);
        claimed[rng.below(claimed.size())] += Tiny::from_u64(1 + rng.below(256));
        auto run = prove_instance(inst);
        accepted += accepts(inst, claimed, run, run.prover.proof) ? 1 : 0;
      }
    }
    const double rate = static_cast<double>(accepted) / trials;
    const double sigma = std::sqrt(bound * (1 - bound) / trials);
    std::printf("tiny-field GKR layer (|F|=257, n=3, %s): measured %.4f (%d/%d), bound %.4f\n",
                lie_in_inputs ? "changed input entry" : "false gate claim", rate, accepted, trials,
                bound);
    EXPECT_LE(rate, bound + 4 * sigma);
    EXPECT_GT(accepted, 0);  // a harness that never accepts is broken
  }
}

// Zero knowledge over GF(257): for two different witnesses (inputs) of the
// same layer shape and points, the first round message and a linear-only
// input's evaluation are both uniform (fresh pads every proof); a two-sample
// chi-squared test cannot tell the witnesses apart. The claims never enter
// the prover's messages, so the statement (shape and points) is the same.
TEST(GkrLayerZeroKnowledge, MessagesForDifferentWitnessesAreIndistinguishable) {
  TestRng rng(6);
  const auto a = make_instance<Tiny>(mixed_shape(2), rng);
  auto b = make_instance<Tiny>(mixed_shape(2), rng);
  b.points = a.points;
  constexpr int samples = 25700;
  std::vector<int> round_a(257), round_b(257), linear_a(257), linear_b(257);
  for (int s = 0; s < samples; ++s) {
    const auto ra = prove_instance(a), rb = prove_instance(b);
    ++round_a[ra.prover.proof.sumcheck.rounds[0][0].value()];
    ++round_b[rb.prover.proof.sumcheck.rounds[0][0].value()];
    ++linear_a[ra.prover.proof.linear_evaluations[0].value()];
    ++linear_b[rb.prover.proof.linear_evaluations[0].value()];
  }
  const auto chi2 = [](const std::vector<int>& x, const std::vector<int>& y) {
    double sum = 0;
    for (std::size_t k = 0; k < x.size(); ++k) {
      const double total = x[k] + y[k];
      if (total > 0) sum += (x[k] - y[k]) * static_cast<double>(x[k] - y[k]) / total;
    }
    return sum;
  };
  const double round_chi2 = chi2(round_a, round_b), linear_chi2 = chi2(linear_a, linear_b);
  // 256 degrees of freedom: mean 256, sd ~22.6; 99.99% quantile ~ 345.
  std::printf("GKR layer zk chi2 (256 dof): round message %.1f, linear evaluation %.1f\n",
              round_chi2, linear_chi2);
  EXPECT_LT(round_chi2, 345.0);
  EXPECT_LT(linear_chi2, 345.0);
}

}  // namespace
}  // namespace zkinfer::gkr
