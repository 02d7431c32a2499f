// SPDX-License-Identifier: Apache-2.0
#include "gkr/poseidon2_circuit.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "circuit_harness.hpp"
#include "field/pow.hpp"

namespace zkinfer::gkr {
namespace {

using testing::accepts;
using testing::commit;
using testing::Committed;
using testing::E;
using testing::prove_and_verify;
using testing::prove_committed;
using testing::random_states;
using testing::TestRng;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

State lane_state(const std::vector<Goldilocks>& tensor, std::size_t n, std::size_t instance) {
  State s;
  for (std::size_t j = 0; j < kLanes; ++j) s[j] = tensor[j * n + instance];
  return s;
}

State times(const Matrix& m, const State& x) {
  State y{};
  for (std::size_t i = 0; i < kLanes; ++i) {
    for (std::size_t j = 0; j < kLanes; ++j) y[i] += m[i][j] * x[j];
  }
  return y;
}

// x^(1/7): 7 * 0x92492491b6db6db7 = 1 mod p - 1.
Goldilocks sbox_inverse(Goldilocks y) {
  return field::pow_public(y, 0x92492491b6db6db7ULL);
}

// A cheating prover's most careful lie: rewrite instance `i` of the trace so
// that its output is `out` and its last `rounds` round inputs are consistent
// with it, by running the permutation backwards. The inconsistency then sits
// only between round 29 - rounds and round 30 - rounds, or, for rounds = 30,
// between the trace and the committed input.
void rewrite_backwards(Poseidon2Trace& trace, std::size_t n, std::size_t i, const State& out,
                       std::size_t rounds) {
  for (std::size_t j = 0; j < kLanes; ++j) trace.outputs[j * n + i] = out[j];
  State v = out;
  for (std::size_t step = 0; step < rounds; ++step) {
    const std::size_t k = kRounds - 1 - step;
    const State offset = k + 1 < kRounds ? round_constants(k + 1) : State{};
    State shifted;
    for (std::size_t j = 0; j < kLanes; ++j) shifted[j] = v[j] - offset[j];
    State u = times(linear_layer_after(k).inverse, shifted);
    for (std::size_t j = 0; j < (is_full_round(k) ? kLanes : 1); ++j) u[j] = sbox_inverse(u[j]);
    for (std::size_t j = 0; j < kLanes; ++j) trace.round_inputs[k][j * n + i] = u[j];
    v = u;
  }
}

// ---- The circuit is the permutation ----------------------------------------

TEST(Poseidon2Circuit, LinearLayersAreTheReferenceOnesAndInvert) {
  TestRng rng(1);
  for (const auto& [layer, reference] :
       {std::pair{&external_linear_layer(), &hash::poseidon2_external_layer<12>},
        std::pair{&internal_linear_layer(), &hash::poseidon2_internal_layer<12>}}) {
    for (int t = 0; t < 20; ++t) {
      State x;
      for (auto& v : x) v = Goldilocks::sample(rng);
      State y = x;
      reference(y);
      EXPECT_EQ(times(layer->matrix, x), y);
      EXPECT_EQ(times(layer->inverse, y), x);
    }
  }
  EXPECT_EQ(field::pow_public(sbox_inverse(Goldilocks::from_u64(12345)), 7),
            Goldilocks::from_u64(12345));
}

TEST(Poseidon2Circuit, RoundStructureIsThePublishedInstance) {
  std::size_t full = 0;
  for (std::size_t k = 0; k < kRounds; ++k) full += is_full_round(k) ? 1 : 0;
  EXPECT_EQ(full, 8u);
  EXPECT_TRUE(is_full_round(3));
  EXPECT_FALSE(is_full_round(4));
  EXPECT_FALSE(is_full_round(25));
  EXPECT_TRUE(is_full_round(26));
  const auto& c = hash::poseidon2_constants<12>();
  EXPECT_EQ(round_constants(0)[5].value(), c.external[0][5]);
  EXPECT_EQ(round_constants(29)[11].value(), c.external[7][11]);
  EXPECT_EQ(round_constants(4)[0].value(), c.internal[0]);
  EXPECT_TRUE(round_constants(4)[1].is_zero());
  EXPECT_THROW(round_constants(kRounds), Error);
}

TEST(Poseidon2Circuit, TraceAgreesWithTheReferencePermutation) {
  TestRng rng(2);
  const Poseidon2CircuitShape shape{5};
  std::vector<Goldilocks> inputs = random_states(shape, rng);
  const std::size_t n = shape.instances();
  for (std::size_t j = 0; j < kLanes; ++j) inputs[j * n] = Goldilocks::from_u64(j);  // the KAT
  const Poseidon2Trace trace = compute_trace(shape, inputs);
  for (std::size_t i = 0; i < n; ++i) {
    State s = lane_state(inputs, n, i);
    hash::poseidon2_permute<12>(s);
    EXPECT_EQ(lane_state(trace.outputs, n, i), s) << "instance " << i;
  }
  EXPECT_EQ(trace.outputs[0].value(), 0x01eaef96bdf1c0c1ULL);
  EXPECT_EQ(trace.outputs[11 * n].value(), 0x6a50450ddf85a6edULL);
  // The backwards rewrite used by the cheating tests inverts the forward pass.
  Poseidon2Trace rewritten = trace;
  rewrite_backwards(rewritten, n, 7, lane_state(trace.outputs, n, 7), kRounds);
  EXPECT_EQ(rewritten.round_inputs, trace.round_inputs);
  EXPECT_THROW(compute_trace(shape, std::vector<Goldilocks>(5)), Error);
}

// ---- Completeness -------------------------------------------------------------

TEST(Poseidon2Circuit, CompleteForOneTo1024Instances) {
  TestRng rng(3);
  for (unsigned log_n = 0; log_n <= 10; ++log_n) {
    const Poseidon2CircuitShape shape{log_n};
    const Committed c = commit(shape, random_states(shape, rng));
    auto run = prove_committed(c);
    ASSERT_TRUE(accepts(c, run, run.prover.proof)) << "N = 2^" << log_n;
    // Prover and verifier agree on the points; the prover's claims are the
    // true multilinear extensions of the committed tensors.
    const auto& pc = run.prover.claims;
    EXPECT_EQ(pc.inputs.point, run.claims.inputs.point);
    EXPECT_EQ(pc.outputs.point, run.claims.outputs.point);
    const std::size_t n = shape.instances();
    for (std::size_t j = 0; j < kLanes; ++j) {
      const std::span<const Goldilocks> in(c.inputs.data() + j * n, n);
      const std::span<const Goldilocks> out(c.outputs.data() + j * n, n);
      EXPECT_EQ(pc.inputs.lanes[j],
                (poly::evaluate_mle<E, Goldilocks>(in, std::span<const E>(pc.inputs.point))));
      EXPECT_EQ(pc.outputs.lanes[j],
                (poly::evaluate_mle<E, Goldilocks>(out, std::span<const E>(pc.outputs.point))));
      EXPECT_EQ(run.claims.inputs.lanes[j].evaluate(c.witness), pc.inputs.lanes[j]);
      EXPECT_EQ(run.claims.outputs.lanes[j].evaluate(c.witness), pc.outputs.lanes[j]);
    }
  }
}

TEST(Poseidon2Circuit, CompleteFor16384Instances) {
  if (kSanitized) GTEST_SKIP() << "release only";
  TestRng rng(4);
  const Poseidon2CircuitShape shape{14};
  EXPECT_TRUE(prove_and_verify(commit(shape, random_states(shape, rng))));
}

TEST(Poseidon2Circuit, CompleteOnSpecialStates) {
  const Poseidon2CircuitShape shape{2};
  std::vector<Goldilocks> inputs(shape.state_size(), Goldilocks::zero());
  for (std::size_t j = 0; j < kLanes; ++j) {
    inputs[j * 4 + 1] = -Goldilocks::one();           // all p - 1
    inputs[j * 4 + 2] = Goldilocks::from_u64(j);      // the test vector
    inputs[j * 4 + 3] = Goldilocks::from_u64(j % 2);  // sparse
  }
  EXPECT_TRUE(prove_and_verify(commit(shape, inputs)));
}

TEST(Poseidon2Circuit, ProofBytesIdenticalForOneAndTwoThreads) {
  TestRng rng(5);
  // Tables of 2^13 entries: the first rounds of every sumcheck and the
  // table-building loops run in parallel (under the sanitizers 2^12: the
  // table-building loops only; the sumcheck's own test covers its rounds).
  const Poseidon2CircuitShape shape{kSanitized ? 12u : 13u};
  const Committed c = commit(shape, random_states(shape, rng));
  const auto proof_bytes = [&](int threads) {
    const int saved = omp_get_max_threads();
    omp_set_num_threads(threads);
    const auto run = prove_committed(c);
    omp_set_num_threads(saved);
    ByteWriter w;
    run.prover.proof.write(w);
    return w.take();
  };
  EXPECT_EQ(proof_bytes(1), proof_bytes(2));
}

// ---- Soundness ------------------------------------------------------------------

TEST(Poseidon2Circuit, RejectsAWrongOutputState) {
  TestRng rng(6);
  const Poseidon2CircuitShape shape{3};
  const std::size_t n = shape.instances();
  const std::vector<Goldilocks> inputs = random_states(shape, rng);
  const std::vector<Goldilocks> honest = compute_trace(shape, inputs).outputs;
  for (std::size_t lane : {0u, 5u, 11u}) {
    const std::size_t instance = rng.below(n);
    std::vector<Goldilocks> wrong = honest;
    wrong[lane * n + instance] += Goldilocks::one();
    const Committed c = commit(shape, inputs, wrong);
    // An honest prover: its output claims contradict the committed output.
    EXPECT_FALSE(prove_and_verify(c)) << "honest prover, lane " << lane;
    // Cheating provers that claim the committed (wrong) output and re-run
    // Fiat-Shamir honestly over what they send: with the rest of the trace
    // unchanged, or rewritten backwards over 1, 2, 5, 17, 26 rounds (the lie
    // meets the true trace in a full round, an internal one, or at the
    // boundary), or all 30 (a trace consistent with another input).
    for (std::size_t rounds : {0u, 1u, 2u, 5u, 17u, 26u, 30u}) {
      Poseidon2Tamper tamper;
      tamper.trace = [&](Poseidon2Trace& trace) {
        rewrite_backwards(trace, n, instance, lane_state(wrong, n, instance), rounds);
      };
      EXPECT_FALSE(prove_and_verify(c, tamper))
          << "lane " << lane << ", rewritten " << rounds << " rounds";
    }
  }
}

TEST(Poseidon2Circuit, RejectsAnyInconsistentRoundState) {
  TestRng rng(7);
  const Poseidon2CircuitShape shape{3};
  const Committed c = commit(shape, random_states(shape, rng));
  // Full rounds, partial rounds (lane 0 goes through the S-box, the other
  // lanes are identity wires), and the first and last.
  for (std::size_t round : {0u, 3u, 4u, 11u, 25u, 26u, 29u}) {
    for (std::size_t lane : {0u, 1u, 11u}) {
      Poseidon2Tamper tamper;
      tamper.trace = [&](Poseidon2Trace& trace) {
        trace.round_inputs[round][lane * shape.instances() + rng.below(shape.instances())] +=
            Goldilocks::one();
      };
      EXPECT_FALSE(prove_and_verify(c, tamper)) << "round " << round << " lane " << lane;
    }
  }
}

TEST(Poseidon2Circuit, RejectsATamperedRoundMessage) {
  TestRng rng(8);
  const Poseidon2CircuitShape shape{3};
  const Committed c = commit(shape, random_states(shape, rng));
  for (std::size_t layer : {std::size_t{0}, std::size_t{1}, std::size_t{8}, std::size_t{9},
                            std::size_t{40}, kLayers - 1}) {
    for (unsigned bad_round : {0u, 2u}) {
      for (std::size_t point : {0u, 3u, 4u}) {
        Poseidon2Tamper tamper;
        tamper.round = [&](std::size_t l, unsigned round, std::vector<E>& evals) {
          if (l == layer && round == bad_round) evals.at(point) += E::one();
        };
        EXPECT_FALSE(prove_and_verify(c, tamper))
            << "layer " << layer << " round " << bad_round << " point " << point;
      }
    }
  }
}

TEST(Poseidon2Circuit, SoundnessErrorFollowsTheFormula) {
  const double field_size = std::pow(static_cast<double>(Goldilocks::kModulus), 2.0);
  for (unsigned log_n : {0u, 10u, 14u, 20u, 24u}) {
    const double n = log_n;
    EXPECT_NEAR(soundness_error(Poseidon2CircuitShape{log_n}) * field_size,
                n + kLayers * (1 + 4 * n), 1e-6 * (n + kLayers * (1 + 4 * n)));
    EXPECT_LT(soundness_error(Poseidon2CircuitShape{log_n}), std::exp2(-110.0));
    for (std::size_t l = 0; l < kLayers; ++l) {
      EXPECT_EQ(circuit_layer(Poseidon2CircuitShape{log_n}, l).degree(), 4u);
    }
  }
  EXPECT_THROW(soundness_error(Poseidon2CircuitShape{25}), Error);
}

// The pad and constraint counts docs/poseidon2-circuit.md gives.
TEST(Poseidon2Circuit, PadCountsFollowTheFormulas) {
  for (unsigned log_n : {0u, 3u, 10u}) {
    const Poseidon2CircuitShape shape{log_n};
    WitnessLayout layout;
    allocate_pads(layout, shape);
    EXPECT_EQ(layout.size(), 480u * log_n + 5344u) << log_n;
    EXPECT_EQ(layout.quadratic().size(), 2360u) << log_n;
  }
}

// ---- Transcript and serialization ---------------------------------------------

TEST(Poseidon2Circuit, FiatShamirCoversEveryProofByte) {
  TestRng rng(9);
  const Poseidon2CircuitShape shape{4};
  const Committed c = commit(shape, random_states(shape, rng));
  auto run = prove_committed(c);
  ASSERT_TRUE(accepts(c, run, run.prover.proof));
  ASSERT_EQ(run.prover_events.size(), run.verifier_events.size());
  ByteWriter w;
  run.prover.proof.write(w);
  const Bytes& bytes = w.bytes();
  // Every absorb is a proof message, in proof order, and the next squeeze
  // comes after it: walking the events, the absorbed bytes account for the
  // serialized proof exactly.
  std::size_t absorbed = 0;
  for (std::size_t i = 0; i < run.prover_events.size(); ++i) {
    const auto& e = run.prover_events[i];
    EXPECT_EQ(e.label, run.verifier_events[i].label);
    EXPECT_EQ(e.payload_bytes, run.verifier_events[i].payload_bytes);
    if (i >= 2 && e.op == hash::TranscriptSchema::Op::kAbsorb) absorbed += e.payload_bytes;
  }
  EXPECT_EQ(absorbed, bytes.size());
  // The output point is drawn before the prover sends anything; the
  // batching of every layer before that layer's rounds.
  EXPECT_EQ(run.prover_events[2].label, "p2/output-point");
  EXPECT_EQ(run.prover_events[3].label, "p2/output-evaluations");
  EXPECT_EQ(run.prover_events[4].label, "p2/round29/product/batch");
  const std::size_t sumcheck_rounds =
      std::count_if(run.prover_events.begin(), run.prover_events.end(),
                    [](const auto& e) { return e.label.ends_with("/round"); });
  EXPECT_EQ(sumcheck_rounds, kLayers * shape.log_instances);
  ByteReader reader(bytes);
  const auto back = Poseidon2CircuitProof::read(reader, shape);
  reader.expect_end("Poseidon2 circuit proof");
  ByteWriter again;
  back.write(again);
  EXPECT_EQ(again.bytes(), bytes);
  // 240 n + 902 elements of GF(p^2) (docs/poseidon2-circuit.md).
  EXPECT_EQ(bytes.size(), (240u * shape.log_instances + 902u) * E::kBytes);
}

TEST(Poseidon2Circuit, EveryByteFlipIsRejected) {
  TestRng rng(10);
  const Poseidon2CircuitShape shape{1};
  const Committed c = commit(shape, random_states(shape, rng));
  auto run = prove_committed(c);
  ByteWriter w;
  run.prover.proof.write(w);
  const Bytes bytes = w.bytes();
  const auto accepts_bytes = [&](const Bytes& candidate) {
    try {
      ByteReader reader(candidate);
      const auto proof = Poseidon2CircuitProof::read(reader, shape);
      reader.expect_end("Poseidon2 circuit proof");
      return accepts(c, run, proof);
    } catch (const Error&) {
      return false;
    }
  };
  ASSERT_TRUE(accepts_bytes(bytes));
  // Each verification replays all 60 layers (about 2 ms), so the sweep flips
  // every byte of the output evaluations and of three whole rounds (a full
  // round, a partial round and the last one: every kind of message: round
  // values, final evaluations, linear evaluations) and every 16th byte
  // elsewhere; one bit per byte, cycling through the bit positions. Under
  // the sanitizers: every 4th byte of those rounds, every 64th elsewhere.
  std::vector<std::pair<std::size_t, std::size_t>> whole;  // byte ranges swept fully
  {
    ByteWriter prefix;
    for (const E& v : run.prover.proof.output_evaluations) v.write(prefix);
    whole.emplace_back(0, prefix.bytes().size());
    for (std::size_t l = 0; l < kLayers; ++l) {
      const std::size_t begin = prefix.bytes().size();
      run.prover.proof.layers[l].write(prefix);
      const std::size_t round = kRounds - 1 - l / 2;
      if (round == 29 || round == 25 || round == 0)
        whole.emplace_back(begin, prefix.bytes().size());
    }
    ASSERT_EQ(prefix.bytes(), bytes);
  }
  const std::size_t whole_stride = kSanitized ? 4 : 1, stride = kSanitized ? 64 : 16;
  std::size_t flipped = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const bool in_whole = std::any_of(whole.begin(), whole.end(),
                                      [i](const auto& r) { return i >= r.first && i < r.second; });
    if (i % (in_whole ? whole_stride : stride) != 0) continue;
    Bytes tampered = bytes;
    tampered[i] ^= static_cast<std::uint8_t>(1u << (flipped % 8));
    ASSERT_FALSE(accepts_bytes(tampered)) << "byte " << i << " of " << bytes.size();
    ++flipped;
  }
  EXPECT_GT(flipped, bytes.size() / (kSanitized ? 32 : 8));
  EXPECT_FALSE(accepts_bytes(Bytes(bytes.begin(), bytes.end() - 1)));
  Bytes extended = bytes;
  extended.push_back(0);
  EXPECT_FALSE(accepts_bytes(extended));
  EXPECT_FALSE(accepts_bytes({}));
}

// ---- Zero knowledge -------------------------------------------------------------

TEST(Poseidon2Circuit, NoStateValueAppearsInTheProof) {
  TestRng rng(11);
  const Poseidon2CircuitShape shape{6};
  const Committed c = commit(shape, random_states(shape, rng));
  auto run = prove_committed(c);
  ASSERT_TRUE(accepts(c, run, run.prover.proof));
  std::unordered_set<std::uint64_t> secret;
  for (const auto& v : c.inputs) secret.insert(v.value());
  for (const auto& v : c.outputs) secret.insert(v.value());
  for (const auto& round : compute_trace(shape, c.inputs).round_inputs) {
    for (const auto& v : round) secret.insert(v.value());
  }
  // ...and no claimed evaluation either (they are sent padded).
  for (const auto* claim : {&run.prover.claims.inputs, &run.prover.claims.outputs}) {
    for (const E& v : claim->lanes) {
      secret.insert(v.c0().value());
      secret.insert(v.c1().value());
    }
  }
  ByteWriter w;
  run.prover.proof.write(w);
  const Bytes& proof = w.bytes();
  for (std::size_t i = 0; i + 8 <= proof.size(); ++i) {
    std::uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v |= std::uint64_t{proof[i + b]} << (8 * b);
    ASSERT_EQ(secret.count(v), 0u) << "secret value at proof byte " << i;
  }
}

}  // namespace
}  // namespace zkinfer::gkr
