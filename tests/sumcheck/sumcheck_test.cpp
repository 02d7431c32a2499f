// SPDX-License-Identifier: Apache-2.0
#include "sumcheck/sumcheck.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "field/extension.hpp"
#include "field/small_prime.hpp"
#include "poly/multilinear.hpp"
#include "support/rng.hpp"
#include "support/sizes.hpp"

namespace zkinfer::sumcheck {
namespace {

using field::Goldilocks;
using field::GoldilocksExt2;
using testing::TestRng;

// One sumcheck instance: eq(z, x) * (a*b + 3c) + a*b*c*d, the kind of shape
// the layer protocols produce (eq is public, the rest padded).
template <class E>
struct Instance {
  SumcheckShape<E> shape;
  std::vector<std::vector<E>> tables;
  std::vector<E> z;  // eq point
  E sum;
};

// sum_x sum_t c_t prod_k f_k(x): the true value of the claim.
template <class E>
E hypercube_sum(const Instance<E>& inst) {
  E sum = E::zero();
  for (std::size_t x = 0; x < inst.tables[0].size(); ++x) {
    for (const auto& term : inst.shape.terms) {
      E p = term.coefficient;
      for (std::size_t f : term.factors) p *= inst.tables[f][x];
      sum += p;
    }
  }
  return sum;
}

template <class E>
Instance<E> make_instance(unsigned n, TestRng& rng, unsigned max_degree = 4) {
  Instance<E> inst;
  inst.shape.num_vars = n;
  inst.shape.num_tables = 5;  // 0 = eq, 1..4 = a, b, c, d
  inst.shape.table_is_public = {true, false, false, false, false};
  inst.shape.terms = {{E::one(), {0, 1, 2}}, {E::from_u64(3), {0, 3}}};
  if (max_degree >= 4) inst.shape.terms.push_back({E::from_u64(5), {1, 2, 3, 4}});
  for (unsigned i = 0; i < n; ++i) inst.z.push_back(E::sample(rng));
  inst.tables.push_back(poly::eq_table<E>(inst.z));
  for (int t = 0; t < 4; ++t) {
    std::vector<E> table(std::size_t{1} << n);
    for (auto& v : table) v = E::sample(rng);
    inst.tables.push_back(std::move(table));
  }
  inst.sum = hypercube_sum(inst);
  return inst;
}

template <class E>
hash::TranscriptSchema schema_for(const SumcheckShape<E>& shape) {
  hash::TranscriptSchema schema("sumcheck-test/v1");
  append_schema(schema, "sc/", shape);
  return schema;
}

template <class E>
struct Run {
  ProverOutput<E> prover;
  VerifierOutput<E> verifier;
  ConstraintSystem<E> cs;
  BaseWitness<E> witness;
  WitnessLayout layout;
  std::vector<hash::Transcript::Event> prover_events, verifier_events;
};

// Runs prover and verifier with an ideal commitment: acceptance is "the
// verifier's constraints hold on the committed witness".
// With `unbuilt_eq`, table 0 is handed to the prover as Table::eq(z).
template <class E>
Run<E> run(const Instance<E>& inst, const E& claimed_sum, const RoundTamper<E>& tamper = {},
           const SumcheckProof<E>* replace_proof = nullptr, bool unbuilt_eq = false) {
  Run<E> out;
  const SumcheckPads<E> pads = allocate_pads(out.layout, inst.shape);
  out.witness.assign(out.layout.size(), typename E::Base());
  fill_pads(out.witness, inst.shape, pads);
  const auto schema = schema_for(inst.shape);
  const std::uint8_t statement[] = {1, 2, 3};
  hash::Transcript pt(schema, statement, {}, true), vt(schema, statement, {}, true);
  std::vector<Table<E>> tables(inst.tables.begin(), inst.tables.end());
  if (unbuilt_eq) tables[0] = Table<E>::eq(inst.z);
  out.prover = prove(inst.shape, std::move(tables), pads, out.witness, pt, "sc/", tamper);
  const auto eq_at = [&](std::size_t, const std::vector<E>& r) {
    return poly::evaluate_mle<E, E>(inst.tables[0], r);
  };
  out.verifier =
      verify(inst.shape, LinearForm<E>::constant_value(claimed_sum),
             replace_proof ? *replace_proof : out.prover.proof, pads,
             std::function<E(std::size_t, const std::vector<E>&)>(eq_at), vt, "sc/", out.cs);
  pt.finish();
  vt.finish();
  out.prover_events = pt.events();
  out.verifier_events = vt.events();
  return out;
}

TEST(Sumcheck, CompleteForAllSizesAndDegrees) {
  TestRng rng(1);
  for (unsigned n = 1; n <= 10; ++n) {
    for (unsigned degree : {3u, 4u}) {
      const auto inst = make_instance<GoldilocksExt2>(n, rng, degree);
      const auto r = run(inst, inst.sum);
      ASSERT_TRUE(r.cs.holds_for(r.witness, r.layout)) << "n=" << n << " degree=" << degree;
      ASSERT_EQ(r.prover.point, r.verifier.point);
      // The evaluation claims handed to the caller are the true MLE values.
      for (std::size_t j = 1; j < inst.tables.size(); ++j) {
        ASSERT_EQ(
            r.verifier.table_evaluations[j].evaluate(r.witness),
            (poly::evaluate_mle<GoldilocksExt2, GoldilocksExt2>(inst.tables[j], r.verifier.point)));
      }
    }
  }
}

TEST(Sumcheck, LargeInstanceIsComplete) {
  TestRng rng(2);
  const auto inst = make_instance<GoldilocksExt2>(testing::kLargeLogSize, rng);
  const auto r = run(inst, inst.sum);
  EXPECT_TRUE(r.cs.holds_for(r.witness, r.layout));
}

// Same witness (pads) and transcript: one and two threads must send the
// same bytes, above the size where rounds run in parallel.
TEST(Sumcheck, ProofBytesIdenticalForOneAndTwoThreads) {
  TestRng rng(20);
  const auto inst = make_instance<GoldilocksExt2>(15, rng);
  WitnessLayout layout;
  const auto pads = allocate_pads(layout, inst.shape);
  BaseWitness<GoldilocksExt2> witness(layout.size());
  fill_pads(witness, inst.shape, pads);
  const auto schema = schema_for(inst.shape);
  const auto proof_bytes = [&](int threads) {
    omp_set_num_threads(threads);
    hash::Transcript t(schema, {}, {});
    ByteWriter w;
    prove(inst.shape, inst.tables, pads, witness, t, "sc/").proof.write(w);
    return w.take();
  };
  const Bytes one = proof_bytes(1), two = proof_bytes(2);
  omp_set_num_threads(omp_get_num_procs());
  EXPECT_EQ(one, two);
}

// One shape with its pads drawn once: the proof bytes and the unpadded
// table evaluations for some way of handing over the tables, so that two
// ways of handing over the same tables can be compared byte for byte.
template <class E>
struct FixedPadProver {
  SumcheckShape<E> shape;
  WitnessLayout layout;
  SumcheckPads<E> pads;
  BaseWitness<E> witness;
  hash::TranscriptSchema schema;

  explicit FixedPadProver(SumcheckShape<E> s)
      : shape(std::move(s)), pads(allocate_pads(layout, shape)), schema(schema_for(shape)) {
    witness.assign(layout.size(), typename E::Base());
    fill_pads(witness, shape, pads);
  }
  Bytes proof_bytes(std::vector<Table<E>> tables, int threads) const {
    omp_set_num_threads(threads);
    hash::Transcript t(schema, {}, {});
    ByteWriter w;
    const auto out = prove(shape, std::move(tables), pads, witness, t, "sc/");
    out.proof.write(w);
    for (const E& v : out.table_evaluations) v.write(w);
    return w.take();
  }
};

// Witness tables handed over in the base field take the first round in the
// base field; the proof must be byte for byte the one their lifts give, with
// any mix of base and E tables, with and without a shared base factor, and
// on the parallel path.
TEST(Sumcheck, BaseFieldTablesGiveTheSameProofAsTheirLifts) {
  using E = GoldilocksExt2;
  TestRng rng(21);
  for (unsigned n : {0u, 1u, 2u, 5u, 13u}) {
    auto inst = make_instance<E>(n, rng);
    // A term sharing a base factor with every other term: table 1 then
    // becomes the shared factor.
    for (bool shared_base : {false, true}) {
      SumcheckShape<E> shape = inst.shape;
      if (shared_base) shape.terms = {{E::one(), {1, 0, 2}}, {E::from_u64(3), {1, 3, 4}}};
      std::vector<std::vector<Goldilocks>> base(5);
      std::vector<std::vector<E>> lifted = {inst.tables[0]};
      for (std::size_t j = 1; j < 5; ++j) {
        for (std::size_t x = 0; x < inst.tables[0].size(); ++x)
          base[j].push_back(Goldilocks::sample(rng));
        lifted.emplace_back(base[j].begin(), base[j].end());
      }
      const FixedPadProver<E> prover(shape);
      const Bytes reference = prover.proof_bytes({lifted.begin(), lifted.end()}, 1);
      for (unsigned mask = 1; mask < 16; ++mask) {
        std::vector<Table<E>> tables = {inst.tables[0]};
        for (std::size_t j = 1; j < 5; ++j) {
          tables.push_back(mask >> (j - 1) & 1 ? Table<E>::in_base(base[j]) : Table<E>(lifted[j]));
        }
        for (int threads : {1, 2}) {
          EXPECT_EQ(prover.proof_bytes(tables, threads), reference)
              << "n=" << n << " mask=" << mask << " shared_base=" << shared_base;
        }
      }
    }
  }
  omp_set_num_threads(omp_get_num_procs());
}

// Shapes in which eq is a factor of every term, and two in which it is not
// (it must then be built): eq in one term only, and eq squared.
template <class E>
std::vector<std::vector<ProductTerm<E>>> eq_shapes() {
  const E one = E::one(), three = E::from_u64(3), five = E::from_u64(5);
  return {{{one, {0, 1}}},
          {{one, {0, 1, 2}}, {three, {3, 0, 4}}},
          {{one, {0, 1, 2}}, {three, {0, 3}}, {five, {1, 0, 2, 4}}},
          {{five, {2, 3, 4, 0}}},
          {{one, {0, 1, 2}}, {three, {3, 4}}},
          {{one, {0, 0, 1}}, {three, {0, 2}}}};
}

// An eq table handed over by its point (Table::eq) is never built when it
// is a factor of every term (the round polynomial is split as eq times a
// polynomial of one degree less); the proof and the evaluations must be
// byte for byte those of the built table, for every degree, with base and E
// tables, on the serial and the parallel path.
TEST(Sumcheck, UnbuiltEqTableGivesTheSameProofAsTheBuiltOne) {
  using E = GoldilocksExt2;
  TestRng rng(22);
  // n = 14 reaches the parallel fold of the split eq's remaining table; a
  // zero coordinate of the eq point forces q(1) to be summed, not derived.
  for (unsigned n : {0u, 1u, 2u, 5u, 13u, 14u}) {
    auto inst = make_instance<E>(n, rng);
    if (n == 5) {
      inst.z[2] = E::zero();
      inst.z[3] = E::one();
      inst.tables[0] = poly::eq_table<E>(inst.z);
    }
    for (const auto& terms : eq_shapes<E>()) {
      SumcheckShape<E> shape = inst.shape;
      shape.terms = terms;
      const FixedPadProver<E> prover(shape);
      const auto proof_bytes = [&](bool unbuilt, bool base, int threads) {
        std::vector<Table<E>> tables(inst.tables.begin(), inst.tables.end());
        if (unbuilt) tables[0] = Table<E>::eq(inst.z);
        // Base tables: the E tables' own values reduced to their first
        // coordinate, in both runs.
        std::vector<std::vector<Goldilocks>> values(inst.tables.size());
        if (base) {
          for (std::size_t j : {1u, 3u}) {
            for (const E& v : inst.tables[j]) values[j].push_back(v.c0());
            tables[j] = Table<E>::in_base(values[j]);
          }
        }
        return prover.proof_bytes(std::move(tables), threads);
      };
      for (bool base : {false, true}) {
        const Bytes reference = proof_bytes(false, base, 1);
        for (int threads : {1, 2}) {
          EXPECT_EQ(proof_bytes(true, base, threads), reference)
              << "n=" << n << " terms=" << terms.size() << " base=" << base;
        }
      }
    }
  }
  omp_set_num_threads(omp_get_num_procs());
}

// On the split path a cheating prover that rewrites a round after seeing
// the transcript is rejected, and the honest one accepted.
TEST(Sumcheck, UnbuiltEqTableWithTamperedRoundsIsRejected) {
  using E = GoldilocksExt2;
  TestRng rng(23);
  auto inst = make_instance<E>(5, rng);
  inst.shape.terms = eq_shapes<E>()[2];
  inst.sum = hypercube_sum(inst);
  const auto honest = run<E>(inst, inst.sum, {}, nullptr, true);
  ASSERT_TRUE(honest.cs.holds_for(honest.witness, honest.layout));
  for (unsigned bad_round = 0; bad_round < 5; ++bad_round) {
    for (unsigned point : {0u, 2u, 4u}) {
      const RoundTamper<E> tamper = [&](unsigned round, auto& evals) {
        if (round == bad_round) evals[point] += E::one();
      };
      const auto r = run<E>(inst, inst.sum, tamper, nullptr, true);
      EXPECT_FALSE(r.cs.holds_for(r.witness, r.layout)) << bad_round << " " << point;
    }
  }
}

TEST(Sumcheck, WrongClaimedSumIsRejected) {
  TestRng rng(3);
  const auto inst = make_instance<GoldilocksExt2>(6, rng);
  const auto r = run(inst, inst.sum + GoldilocksExt2::one());
  EXPECT_FALSE(r.cs.holds_for(r.witness, r.layout));
}

TEST(Sumcheck, EveryTamperedRoundIsRejected) {
  TestRng rng(4);
  const auto inst = make_instance<GoldilocksExt2>(5, rng);
  for (unsigned bad_round = 0; bad_round < 5; ++bad_round) {
    for (unsigned point : {0u, 2u, 4u}) {
      const RoundTamper<GoldilocksExt2> tamper = [&](unsigned round, auto& evals) {
        if (round == bad_round) evals[point] += GoldilocksExt2::one();
      };
      const auto r = run(inst, inst.sum, tamper);
      EXPECT_FALSE(r.cs.holds_for(r.witness, r.layout)) << bad_round << " " << point;
    }
  }
}

TEST(Sumcheck, WrongFinalEvaluationIsRejected) {
  TestRng rng(5);
  const auto inst = make_instance<GoldilocksExt2>(4, rng);
  auto honest = run(inst, inst.sum);
  for (std::size_t j = 0; j < honest.prover.proof.final_evaluations.size(); ++j) {
    SumcheckProof<GoldilocksExt2> bad = honest.prover.proof;
    bad.final_evaluations[j] += GoldilocksExt2::one();
    // Same pads (witness) as the honest run: re-verify against it.
    WitnessLayout layout;
    const auto pads = allocate_pads(layout, inst.shape);
    const auto schema = schema_for(inst.shape);
    const std::uint8_t statement[] = {1, 2, 3};
    hash::Transcript vt(schema, statement, {});
    ConstraintSystem<GoldilocksExt2> cs;
    const auto eq_at = [&](std::size_t, const std::vector<GoldilocksExt2>& r) {
      return poly::evaluate_mle<GoldilocksExt2, GoldilocksExt2>(inst.tables[0], r);
    };
    verify(inst.shape, LinearForm<GoldilocksExt2>::constant_value(inst.sum), bad, pads,
           std::function<GoldilocksExt2(std::size_t, const std::vector<GoldilocksExt2>&)>(eq_at),
           vt, "sc/", cs);
    EXPECT_FALSE(cs.holds_for(honest.witness, honest.layout)) << j;
  }
}

TEST(Sumcheck, FiatShamirCoversEveryProofByte) {
  TestRng rng(6);
  const auto inst = make_instance<GoldilocksExt2>(6, rng);
  const auto r = run(inst, inst.sum);
  ASSERT_EQ(r.prover_events.size(), r.verifier_events.size());
  std::size_t absorbed_after_statement = 0;
  for (std::size_t i = 0; i < r.prover_events.size(); ++i) {
    EXPECT_EQ(r.prover_events[i].label, r.verifier_events[i].label);
    EXPECT_EQ(r.prover_events[i].payload_bytes, r.verifier_events[i].payload_bytes);
    if (i >= 2 && r.prover_events[i].op == hash::TranscriptSchema::Op::kAbsorb) {
      absorbed_after_statement += r.prover_events[i].payload_bytes;
    }
  }
  ByteWriter w;
  r.prover.proof.write(w);
  EXPECT_EQ(absorbed_after_statement, w.bytes().size());
  // Each round message is absorbed before the challenge of that round.
  for (std::size_t i = 2; i + 1 < r.prover_events.size(); i += 2) {
    EXPECT_EQ(r.prover_events[i].op, hash::TranscriptSchema::Op::kAbsorb);
    EXPECT_EQ(r.prover_events[i + 1].op, hash::TranscriptSchema::Op::kSqueeze);
  }
}

TEST(Sumcheck, SerializedProofRoundTripsAndEveryByteFlipIsRejected) {
  TestRng rng(7);
  const auto inst = make_instance<GoldilocksExt2>(3, rng, 3);
  const auto honest = run(inst, inst.sum);
  ByteWriter w;
  honest.prover.proof.write(w);
  const Bytes bytes = w.bytes();
  WitnessLayout layout;
  const auto pads = allocate_pads(layout, inst.shape);
  const auto schema = schema_for(inst.shape);
  const std::uint8_t statement[] = {1, 2, 3};
  const auto eq_at = [&](std::size_t, const std::vector<GoldilocksExt2>& r) {
    return poly::evaluate_mle<GoldilocksExt2, GoldilocksExt2>(inst.tables[0], r);
  };
  const auto accepts = [&](const Bytes& candidate) {
    try {
      ByteReader reader(candidate);
      const auto proof = SumcheckProof<GoldilocksExt2>::read(reader, inst.shape);
      reader.expect_end("sumcheck proof");
      hash::Transcript vt(schema, statement, {});
      ConstraintSystem<GoldilocksExt2> cs;
      const auto out = verify(
          inst.shape, LinearForm<GoldilocksExt2>::constant_value(inst.sum), proof, pads,
          std::function<GoldilocksExt2(std::size_t, const std::vector<GoldilocksExt2>&)>(eq_at), vt,
          "sc/", cs);
      // The caller settles each evaluation claim against the committed table
      // (here: directly, as an ideal commitment would).
      for (std::size_t j = 1; j < inst.tables.size(); ++j) {
        cs.require_equal(
            out.table_evaluations[j],
            LinearForm<GoldilocksExt2>::constant_value(
                poly::evaluate_mle<GoldilocksExt2, GoldilocksExt2>(inst.tables[j], out.point)));
      }
      return cs.holds_for(honest.witness, honest.layout);
    } catch (const Error&) {
      return false;
    }
  };
  ASSERT_TRUE(accepts(bytes));
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (std::uint8_t flip : {std::uint8_t{1}, std::uint8_t{0x80}}) {
      Bytes tampered = bytes;
      tampered[i] ^= flip;
      ASSERT_FALSE(accepts(tampered)) << "byte " << i;
    }
  }
  Bytes truncated(bytes.begin(), bytes.end() - 1);
  EXPECT_FALSE(accepts(truncated));
  Bytes extended = bytes;
  extended.push_back(0);
  EXPECT_FALSE(accepts(extended));
}

TEST(Sumcheck, NoWitnessValueAppearsInTheProof) {
  TestRng rng(8);
  using E = GoldilocksExt2;
  Instance<E> inst = make_instance<E>(5, rng);
  // Base-field witness entries, as the layer protocols will have.
  for (std::size_t j = 1; j < inst.tables.size(); ++j) {
    for (auto& v : inst.tables[j]) v = E(Goldilocks::sample(rng));
  }
  inst.sum = hypercube_sum(inst);
  const auto r = run(inst, inst.sum);
  ASSERT_TRUE(r.cs.holds_for(r.witness, r.layout));
  ByteWriter w;
  r.prover.proof.write(w);
  const Bytes& proof = w.bytes();
  for (std::size_t j = 1; j < inst.tables.size(); ++j) {
    for (const E& v : inst.tables[j]) {
      ByteWriter enc;
      v.c0().write(enc);
      EXPECT_EQ(std::search(proof.begin(), proof.end(), enc.bytes().begin(), enc.bytes().end()),
                proof.end());
    }
  }
}

// Soundness over a tiny field: a prover that lies about the sum and then
// plays the optimal adaptive strategy (honest messages, which carry the lie
// forward unless a challenge hits a root) is accepted at most with the
// Schwartz-Zippel rate 1 - (1 - d/|F|)^n.
TEST(SumcheckSoundness, TinyFieldCheatingRateWithinSchwartzZippelBound) {
  using Tiny = field::SmallPrime<257>;
  TestRng rng(9);
  constexpr unsigned n = 4;
  constexpr int trials = 3000;
  int accepted = 0;
  unsigned degree = 0;
  for (int t = 0; t < trials; ++t) {
    const auto inst = make_instance<Tiny>(n, rng, 3);
    degree = inst.shape.degree();
    const Tiny lie = Tiny::from_u64(1 + rng.below(256));
    const auto r = run(inst, inst.sum + lie);
    accepted += r.cs.holds_for(r.witness, r.layout) ? 1 : 0;
  }
  const double bound = 1.0 - std::pow(1.0 - static_cast<double>(degree) / 257.0, n);
  // The library's union bound n*d/|F| dominates the exact per-round bound.
  EXPECT_GE(soundness_error(make_instance<Tiny>(n, rng, 3).shape), bound);
  const double rate = static_cast<double>(accepted) / trials;
  const double sigma = std::sqrt(bound * (1 - bound) / trials);
  std::printf("tiny-field sumcheck: n=%u d=%u |F|=257 measured %.4f, bound %.4f (%d/%d)\n", n,
              degree, rate, bound, accepted, trials);
  EXPECT_LE(rate, bound + 4 * sigma);
  EXPECT_GT(accepted, 0);  // the bound is nearly tight: a harness that never accepts is broken
}

// Zero knowledge over a tiny field: the messages for two different witnesses
// with the same public statement (same sum) are both uniform; a two-sample
// chi-squared test on the first round message cannot tell them apart.
TEST(SumcheckZeroKnowledge, TranscriptsForDifferentWitnessesAreIndistinguishable) {
  using Tiny = field::SmallPrime<257>;
  TestRng rng(10);
  const auto a = make_instance<Tiny>(3, rng, 3);
  auto b = make_instance<Tiny>(3, rng, 3);
  b.z = a.z;
  b.tables[0] = a.tables[0];
  // Make b's sum equal a's by adjusting one entry of table c (factor of 3*eq*c).
  const Tiny diff = a.sum - hypercube_sum(b);
  b.tables[3][0] += diff * (Tiny::from_u64(3) * b.tables[0][0]).inverse();
  b.sum = a.sum;
  // Only the prover's first message matters here; the pads are fresh from
  // the CSPRNG in every proof.
  const auto first_message = [](const Instance<Tiny>& inst) {
    WitnessLayout layout;
    const auto pads = allocate_pads(layout, inst.shape);
    BaseWitness<Tiny> witness(layout.size());
    fill_pads(witness, inst.shape, pads);
    const auto schema = schema_for(inst.shape);
    hash::Transcript t(schema, {}, {});
    return prove(inst.shape, inst.tables, pads, witness, t, "sc/").proof.rounds[0][0].value();
  };
  constexpr int samples = 25700;
  std::vector<int> ca(257), cb(257);
  for (int s = 0; s < samples; ++s) {
    ++ca[first_message(a)];
    ++cb[first_message(b)];
  }
  double chi2 = 0;
  for (int k = 0; k < 257; ++k) {
    const double total = ca[k] + cb[k];
    if (total > 0) chi2 += (ca[k] - cb[k]) * static_cast<double>(ca[k] - cb[k]) / total;
  }
  // 256 degrees of freedom: mean 256, sd ~22.6; 99.99% quantile ~ 345.
  std::printf("zk chi2 (256 dof) = %.1f\n", chi2);
  EXPECT_LT(chi2, 345.0);
}

// The MLE of a dense [3, 5] matrix zero-padded to [4, 8], as add_matrix
// builds it from cut eq tables, equals evaluate_mle on the padded table.
TEST(LinearForm, AddMatrixIsTheMleOfTheZeroPaddedMatrix) {
  using E = GoldilocksExt2;
  TestRng rng(31);
  const std::size_t rows = 3, cols = 5;
  const Slot first = 7;
  std::vector<Goldilocks> witness(first + rows * cols);
  std::vector<Goldilocks> padded(4 * 8, Goldilocks());
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < cols; ++j) {
      const Goldilocks v = Goldilocks::sample(rng);
      witness[first + i * cols + j] = v;
      padded[i * 8 + j] = v;
    }
  }
  std::vector<E> point(5);
  for (E& x : point) x = E::sample(rng);
  const auto row_eq = poly::eq_table<E>(std::span(point).first(2));
  const auto col_eq = poly::eq_table<E>(std::span(point).subspan(2));
  LinearForm<E> form;
  form.add_matrix(first, std::span(row_eq).first(rows), std::span(col_eq).first(cols));
  const E expected = poly::evaluate_mle<E, Goldilocks>(padded, point);
  EXPECT_EQ(form.evaluate(witness), expected);
}

}  // namespace
}  // namespace zkinfer::sumcheck
