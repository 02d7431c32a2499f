// SPDX-License-Identifier: Apache-2.0
#include "pcs/ligero.hpp"

#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/error.hpp"
#include "pcs/ligero_params.hpp"
#include "poly/multilinear.hpp"
#include "support/rng.hpp"

namespace zkinfer::pcs {
namespace {

using testing::TestRng;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

ByteSpan text(const char* s) {
  return {reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)};
}

// A statement with a witness that satisfies it.
struct Instance {
  WitnessLayout layout;
  std::vector<Goldilocks> witness;
  Constraints constraints;
};

struct Shape {
  std::size_t n_base = 1;       // free witness slots
  std::size_t n_quadratic = 0;  // each adds a product slot
  std::size_t n_sparse = 4;     // random sparse linear constraints
  unsigned mle_vars = 0;        // an MLE claim on the first 2^mle_vars slots, if > 0
};

// Sparse random forms, one dense form over every slot (so every data row
// carries a nonzero part of A), optionally an MLE evaluation claim built
// with mle_evaluation_claim; constants chosen so that all of them hold.
Instance make_instance(const Shape& shape, TestRng& rng) {
  Instance in;
  in.layout.allocate(shape.n_base);
  for (std::size_t i = 0; i < shape.n_base; ++i) in.witness.push_back(Goldilocks::sample(rng));
  for (std::size_t i = 0; i < shape.n_quadratic; ++i) {
    const Slot x = rng.below(shape.n_base), y = rng.below(shape.n_base);
    const Slot z = in.layout.allocate(1);
    in.witness.push_back(in.witness[x] * in.witness[y]);
    in.layout.add_quadratic({x, y, z});
  }
  const std::size_t n = in.layout.size();
  const auto settle = [&](LinearForm form) {
    form.constant = -LinearForm{Challenge::zero(), form.terms}.evaluate(in.witness);
    in.constraints.require_zero(std::move(form));
  };
  for (std::size_t c = 0; c < shape.n_sparse; ++c) {
    LinearForm form;
    for (std::size_t j = 0, terms = 1 + rng.below(6); j < terms; ++j) {
      form.add_term(rng.below(n), Challenge::sample(rng));
    }
    settle(std::move(form));
  }
  LinearForm dense;
  for (Slot s = 0; s < n; ++s) dense.add_term(s, Challenge::sample(rng));
  settle(std::move(dense));
  if (shape.mle_vars > 0) {
    std::vector<Challenge> point(shape.mle_vars);
    for (auto& r : point) r = Challenge::sample(rng);
    const std::span<const Goldilocks> tensor(in.witness.data(), std::size_t{1} << shape.mle_vars);
    const Challenge value =
        poly::evaluate_mle<Challenge>(tensor, std::span<const Challenge>(point));
    in.constraints.require_zero(mle_evaluation_claim(0, point, LinearForm::constant_value(value)));
  }
  return in;
}

hash::TranscriptSchema schema_for(const PolynomialCommitment& pcs, const WitnessLayout& layout) {
  hash::TranscriptSchema schema("zkinfer-ligero-test/v1");
  pcs.schema_commitment(schema);
  pcs.schema_proof(schema, layout);
  return schema;
}

struct Proved {
  Commitment commitment;
  Bytes proof;
  std::vector<hash::Transcript::Event> events;
  hash::Digest final_state;
};

Proved prove(const Ligero& ligero, const Instance& in, const LigeroTamper& tamper = {}) {
  const hash::TranscriptSchema schema = schema_for(ligero, in.layout);
  hash::Transcript t(schema, text("statement"), text("parameters"), /*record=*/true);
  CommitResult committed = ligero.commit(in.witness, in.layout);
  ligero.absorb_commitment(committed.commitment, t);
  Proved out;
  out.commitment = committed.commitment;
  out.proof = ligero.prove_tampered(std::move(committed.prover_data), in.constraints, t, tamper);
  t.finish();
  out.events = t.events();
  out.final_state = t.state();
  return out;
}

// Runs the verifier on a fresh transcript; false also for a thrown Error.
bool accepts(const Ligero& ligero, const Instance& in, const Commitment& commitment, ByteSpan proof,
             hash::Transcript* keep = nullptr) {
  const hash::TranscriptSchema schema = schema_for(ligero, in.layout);
  hash::Transcript t(schema, text("statement"), text("parameters"), /*record=*/true);
  ligero.absorb_commitment(commitment, t);
  bool ok = false;
  try {
    ok = ligero.verify(commitment, in.layout, in.constraints, proof, t);
  } catch (const Error&) {
    return false;
  }
  if (ok) t.finish();
  if (keep != nullptr) *keep = t;
  return ok;
}

// Small parameters, for sweeps and statistics: 4-column openings of 8-symbol rows.
Ligero tiny_ligero(std::size_t queries = 4, std::size_t block = 8) {
  return Ligero(LigeroOptions{queries, kDefaultLigeroLogRateInv, block});
}

// ---- Parameters and soundness calculator -----------------------------------

TEST(LigeroParams, ChooseFollowsTheDocumentedRule) {
  for (std::size_t lg = 0; lg <= 26; lg += 2) {
    const std::size_t nw = std::size_t{1} << lg;
    const LigeroParams p = LigeroParams::choose(nw, nw / 8);
    EXPECT_TRUE(std::has_single_bit(p.block));
    EXPECT_GE(p.wr(), p.nreq);
    EXPECT_EQ(p.columns(), 2 * p.block * 4);
    EXPECT_GE(p.witness_rows() * p.wr(), nw);
    for (std::size_t b = std::bit_ceil(2 * p.nreq); b <= (std::size_t{1} << 20); b *= 2) {
      EXPECT_GE(LigeroParams::make(nw, nw / 8, p.nreq, b, p.log_rate_inv).proof_bytes_estimate(),
                p.proof_bytes_estimate());
    }
  }
}

TEST(LigeroParams, RejectsInvalidExplicitParameters) {
  EXPECT_THROW(LigeroParams::make(0, 0, 4, 8, 2), Error);
  EXPECT_THROW(LigeroParams::make(10, 0, 8, 8, 2), Error);
  EXPECT_THROW(LigeroParams::make(10, 0, 4, 12, 2), Error);
  EXPECT_THROW(LigeroParams::make(10, 0, 4, std::size_t{1} << 31, 2), Error);
  EXPECT_NO_THROW(LigeroParams::make(10, 0, 4, 8, 2));
}

TEST(LigeroParams, DefaultsGiveAtLeast100BitsAtEverySize) {
  for (std::size_t lg = 0; lg <= 30; ++lg) {
    const std::size_t nw = std::size_t{1} << lg;
    for (std::size_t nq : {std::size_t{0}, nw / 2}) {
      const LigeroSecurity s = ligero_security(LigeroParams::choose(nw, nq));
      EXPECT_GE(s.total_bits, 100.0) << "2^" << lg << " witness, " << nq << " quadratic";
      EXPECT_LE(s.total_bits, std::min({s.proximity_bits, s.linear_bits, s.quadratic_bits}));
    }
  }
  // One query fewer falls short somewhere: the default is the smallest.
  const LigeroParams big = LigeroParams::choose(std::size_t{1} << 30, 0, kDefaultLigeroQueries - 1);
  EXPECT_LT(ligero_security(big).total_bits, 100.0);
}

TEST(LigeroParams, SecurityTermsMatchTheirFormulas) {
  const LigeroParams p = LigeroParams::choose(std::size_t{1} << 20, 0);
  const LigeroSecurity s = ligero_security(p);
  const double n = static_cast<double>(p.columns()), t = static_cast<double>(p.nreq);
  const double e = static_cast<double>(s.e);
  // e below a third of the wide code's distance n - 2 BLOCK + 1.
  EXPECT_LT(3 * e, n - 2 * static_cast<double>(p.block) + 1);
  // Sampling without replacement beats (1 - e/n)^t, but only slightly here.
  const double with_replacement = -t * std::log2(1 - e / n) - 1;
  EXPECT_GE(s.proximity_query_bits, with_replacement);
  EXPECT_LE(s.proximity_query_bits, with_replacement + 1);
  EXPECT_NEAR(s.proximity_batching_bits, 128 - 1 - std::log2(e + 1), 0.01);
}

TEST(LigeroParams, ReproducesLongfellowUniqueDecodingFigure) {
  // Longfellow's mdoc circuits: inverse rate 4 (rho = BLOCK / columns = 1/4,
  // here log_rate_inv = 1) and 128 columns: "86+ bits".
  const LigeroParams p = LigeroParams::make(std::size_t{1} << 16, 0, 128, 1024, 1);
  EXPECT_NEAR(ligero_security(p).unique_decoding_comparison_bits, 86.79, 0.01);
}

TEST(LigeroParams, DescribeNamesEveryTerm) {
  const LigeroParams p = LigeroParams::choose(1000, 10);
  const std::string text = describe(p, ligero_security(p));
  for (const char* word : {"NREQ", "BLOCK", "batching", "queries", "linear test", "quadratic test",
                           "total", "unique-decoding"}) {
    EXPECT_NE(text.find(word), std::string::npos) << word;
  }
}

// ---- MLE claims -------------------------------------------------------------

TEST(LigeroMleClaim, VanishesExactlyOnTheTrueEvaluation) {
  TestRng rng(7);
  for (unsigned vars : {0u, 1u, 5u, 10u}) {
    std::vector<Goldilocks> w(3 + (std::size_t{1} << vars));
    for (auto& x : w) x = Goldilocks::sample(rng);
    std::vector<Challenge> point(vars);
    for (auto& r : point) r = Challenge::sample(rng);
    const std::span<const Goldilocks> tensor(w.data() + 3, std::size_t{1} << vars);
    const Challenge value =
        poly::evaluate_mle<Challenge>(tensor, std::span<const Challenge>(point));
    // The claimed value is itself a form over a pad slot: value = w[0] + c.
    LinearForm claimed = LinearForm::constant_value(value - Challenge(w[0]));
    claimed.add_term(0, Challenge::one());
    const LinearForm form = mle_evaluation_claim(3, point, claimed);
    EXPECT_TRUE(form.evaluate(w).is_zero());
    w[3] += Goldilocks::one();
    EXPECT_FALSE(form.evaluate(w).is_zero());
  }
}

// ---- Statement digest -------------------------------------------------------

// Forms of varied lengths (empty ones too) whose terms cross several of the
// digest's chunk boundaries (every 2^14 terms); form 4 starts exactly on one,
// right after an empty form.
Constraints digest_statement(TestRng& rng, std::size_t slots) {
  Constraints cs;
  for (std::size_t length : {0u, 3u, 16381u, 0u, 20000u, 1u, 40000u, 7u, 16384u, 0u}) {
    LinearForm form = LinearForm::constant_value(Challenge::sample(rng));
    for (std::size_t i = 0; i < length; ++i)
      form.add_term(rng.below(slots), Challenge::sample(rng));
    cs.linear.push_back(std::move(form));
  }
  return cs;
}

TEST(LigeroStatementDigest, BindsEveryTermConstantAndFormBoundary) {
  TestRng rng(21);
  WitnessLayout layout;
  layout.allocate(1000);
  const Constraints cs = digest_statement(rng, layout.size());
  const hash::Digest base = statement_digest(layout, cs);
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    EXPECT_EQ(statement_digest(layout, cs), base) << threads << " threads";
  }
  omp_set_num_threads(saved);

  const auto changed = [&](const auto& edit) {
    Constraints copy = cs;
    edit(copy);
    return statement_digest(layout, copy) != base;
  };
  // Every term on either side of each chunk boundary, and each form's first
  // and last term, by its index in the concatenation of all forms' terms.
  std::vector<std::size_t> probes;
  std::size_t total = 0;
  for (const LinearForm& form : cs.linear) {
    if (!form.terms.empty()) probes.insert(probes.end(), {total, total + form.terms.size() - 1});
    total += form.terms.size();
  }
  for (std::size_t boundary = 16384; boundary < total; boundary += 16384) {
    probes.insert(probes.end(), {boundary - 1, boundary});
  }
  const auto term_at = [](Constraints& c, std::size_t index) -> std::pair<Slot, Challenge>& {
    for (LinearForm& form : c.linear) {
      if (index < form.terms.size()) return form.terms[index];
      index -= form.terms.size();
    }
    throw std::out_of_range("term index");
  };
  for (std::size_t index : probes) {
    EXPECT_TRUE(changed([&](Constraints& c) { term_at(c, index).first ^= 1; })) << index;
    EXPECT_TRUE(changed([&](Constraints& c) { term_at(c, index).second += Challenge::one(); }))
        << index;
  }
  for (std::size_t f = 0; f < cs.linear.size(); ++f) {
    EXPECT_TRUE(changed([&](Constraints& c) { c.linear[f].constant += Challenge::one(); })) << f;
  }
  // The same concatenated terms split into forms differently, across a
  // chunk boundary too.
  for (std::size_t f : {1u, 3u}) {
    EXPECT_TRUE(changed([f](Constraints& c) {
      c.linear[f].terms.push_back(c.linear[f + 1].terms.front());
      c.linear[f + 1].terms.erase(c.linear[f + 1].terms.begin());
    })) << f;
  }
  EXPECT_TRUE(changed([](Constraints& c) { c.linear.push_back(LinearForm{}); }));
  EXPECT_THROW(changed([&](Constraints& c) { c.linear[6].terms[9].first = layout.size(); }), Error);
}

// ---- Completeness -----------------------------------------------------------

TEST(Ligero, CompletenessAcrossSizes) {
  TestRng rng(1);
  const Ligero ligero;
  const std::vector<Shape> shapes = {
      {1, 0, 1, 0},     {2, 1, 2, 1},     {3, 0, 3, 1},       {17, 5, 4, 4},
      {1000, 40, 8, 9}, {4097, 0, 8, 12}, {5000, 3000, 6, 0}, {std::size_t{1} << 16, 100, 8, 16},
  };
  for (const Shape& shape : shapes) {
    const Instance in = make_instance(shape, rng);
    ASSERT_TRUE(in.constraints.holds_for(in.witness, in.layout));
    const Proved proved = prove(ligero, in);
    EXPECT_TRUE(accepts(ligero, in, proved.commitment, proved.proof))
        << in.layout.size() << " slots, " << shape.n_quadratic << " quadratic";
    // The encoding is canonical, and the size estimate is off only by the
    // Merkle siblings' deviation from their expected count.
    const LigeroParams p = ligero.params_for(in.layout);
    ByteReader r(proved.proof);
    ByteWriter w;
    LigeroProof::read(r, p).write(w);
    EXPECT_EQ(w.bytes(), proved.proof);
    EXPECT_NEAR(static_cast<double>(proved.proof.size()),
                static_cast<double>(p.proof_bytes_estimate()),
                0.03 * static_cast<double>(proved.proof.size()));
  }
}

TEST(Ligero, CompletenessAtTwoToTheTwenty) {
  if (kSanitized) GTEST_SKIP() << "release only";
  TestRng rng(2);
  const Ligero ligero;
  const Instance in = make_instance({std::size_t{1} << 20, 1000, 8, 20}, rng);
  const Proved proved = prove(ligero, in);
  EXPECT_TRUE(accepts(ligero, in, proved.commitment, proved.proof));
}

TEST(Ligero, WorksThroughTheInterface) {
  TestRng rng(3);
  const Instance in = make_instance({100, 10, 3, 6}, rng);
  const Ligero concrete;
  const PolynomialCommitment& pcs = concrete;
  const hash::TranscriptSchema schema = schema_for(pcs, in.layout);
  hash::Transcript pt(schema, text("s"), text("p"));
  CommitResult c = pcs.commit(in.witness, in.layout);
  pcs.absorb_commitment(c.commitment, pt);
  const Bytes proof = pcs.prove(std::move(c.prover_data), in.constraints, pt);
  hash::Transcript vt(schema, text("s"), text("p"));
  pcs.absorb_commitment(c.commitment, vt);
  EXPECT_TRUE(pcs.verify(c.commitment, in.layout, in.constraints, proof, vt));
}

TEST(Ligero, IdenticalForOneAndTwoThreads) {
  TestRng rng(4);
  // Large enough that every loop of commit and prove runs in parallel.
  const Instance in = make_instance({40000, 30000, 5, 10}, rng);
  const Ligero ligero;
  const auto run = [&](int threads) {
    omp_set_num_threads(threads);
    std::uint64_t seed = 99;
    const RandomBytes random = [&seed](std::span<std::uint8_t> out) {
      TestRng r(seed++);
      for (auto& b : out) b = static_cast<std::uint8_t>(r());
    };
    const hash::TranscriptSchema schema = schema_for(ligero, in.layout);
    hash::Transcript t(schema, text("statement"), text("parameters"));
    CommitResult c = ligero.commit_with_randomness(in.witness, in.layout, random);
    ligero.absorb_commitment(c.commitment, t);
    return std::make_pair(c.commitment, ligero.prove(std::move(c.prover_data), in.constraints, t));
  };
  const int saved = omp_get_max_threads();
  const auto one = run(1), two = run(2);
  omp_set_num_threads(saved);
  EXPECT_EQ(one.first, two.first);
  EXPECT_EQ(one.second, two.second);
  EXPECT_TRUE(accepts(ligero, in, two.first, two.second));
}

// ---- Soundness --------------------------------------------------------------

TEST(Ligero, RejectsAnyViolatedConstraint) {
  TestRng rng(5);
  const Ligero ligero;
  for (std::size_t n : {5u, 800u, 20000u}) {
    const Instance good = make_instance({n, 30, 6, 2}, rng);
    // Each linear constraint off by one.
    for (std::size_t c = 0; c < good.constraints.linear.size(); ++c) {
      Instance bad = good;
      bad.constraints.linear[c].constant += Challenge::one();
      ASSERT_FALSE(bad.constraints.holds_for(bad.witness, bad.layout));
      const Proved proved = prove(ligero, bad);
      EXPECT_FALSE(accepts(ligero, bad, proved.commitment, proved.proof)) << "constraint " << c;
    }
    // A quadratic triple with a wrong product (no linear constraint touches
    // it: only the quadratic test can see it).
    Instance bad = good;
    bad.constraints.linear.clear();
    const Slot z = bad.layout.quadratic()[7].z;
    bad.witness[z] += Goldilocks::one();
    ASSERT_FALSE(bad.constraints.holds_for(bad.witness, bad.layout));
    const Proved proved = prove(ligero, bad);
    EXPECT_FALSE(accepts(ligero, bad, proved.commitment, proved.proof));
  }
}

TEST(Ligero, RejectsACheatingProver) {
  TestRng rng(6);
  const Ligero ligero;
  const Instance in = make_instance({3000, 300, 6, 8}, rng);
  const std::size_t nreq = ligero.params_for(in.layout).nreq;
  const auto bump = [](std::size_t i) {
    return [i](std::vector<Challenge>& v, const auto&) { v.at(i) += Challenge::one(); };
  };
  std::vector<std::pair<const char*, LigeroTamper>> cheats(8);
  cheats[0].first = "opened column";
  cheats[0].second.columns = [](std::vector<Goldilocks>& c, std::span<const std::size_t>) {
    c.at(c.size() / 2) += Goldilocks::one();
  };
  cheats[1].first = "ldt";
  cheats[1].second.ldt = bump(3);
  cheats[2].first = "wide ldt";
  cheats[2].second.wide_ldt = bump(5);
  cheats[3].first = "dot, off the witness positions";
  cheats[3].second.dot = bump(1);
  // Moves value between two witness positions: the sum the verifier checks
  // is unchanged, so only the column consistency check can catch it.
  cheats[4].first = "dot, sum preserved";
  cheats[4].second.dot = [nreq](std::vector<Challenge>& v, const auto&) {
    v.at(2 * nreq) += Challenge::one();
    v.at(2 * nreq + 2) -= Challenge::one();
  };
  cheats[5].first = "quad";
  cheats[5].second.quad = bump(0);
  // Every round's g(0) (round 0: g(0) + g(1) no longer meets the target) or
  // only the last round's g(2) (its polynomial no longer gives the claim).
  cheats[6].first = "row sumcheck, g(0) of every round";
  cheats[6].second.row_round = bump(0);
  cheats[7].first = "row sumcheck, g(2) of the last round";
  cheats[7].second.row_round = [rounds = ligero.params_for(in.layout).row_rounds()](
                                   std::vector<Challenge>& v, std::span<const Challenge> point) {
    if (point.size() + 1 == rounds) v.at(1) += Challenge::one();
  };
  for (const auto& [name, tamper] : cheats) {
    const Proved proved = prove(ligero, in, tamper);
    EXPECT_FALSE(accepts(ligero, in, proved.commitment, proved.proof)) << name;
  }
  const Proved honest = prove(ligero, in);
  EXPECT_TRUE(accepts(ligero, in, honest.commitment, honest.proof));
}

TEST(Ligero, RejectsAWrongCommitment) {
  TestRng rng(8);
  const Ligero ligero;
  const Instance in = make_instance({500, 20, 4, 5}, rng);
  const Proved proved = prove(ligero, in);
  // Another commitment to the same witness.
  const Commitment other = ligero.commit(in.witness, in.layout).commitment;
  EXPECT_FALSE(accepts(ligero, in, other, proved.proof));
  for (std::size_t i = 0; i < proved.commitment.root.bytes.size(); ++i) {
    Commitment flipped = proved.commitment;
    flipped.root.bytes[i] ^= 0x01;
    EXPECT_FALSE(accepts(ligero, in, flipped, proved.proof)) << "root byte " << i;
  }
}

TEST(Ligero, EverySingleByteFlipIsRejected) {
  TestRng rng(9);
  const Ligero ligero = tiny_ligero(2, 4);
  const Instance in = make_instance({4, 1, 2, 2}, rng);
  const Proved proved = prove(ligero, in);
  ASSERT_TRUE(accepts(ligero, in, proved.commitment, proved.proof));
  for (std::size_t i = 0; i < proved.proof.size(); ++i) {
    for (const std::uint8_t mask : std::array<std::uint8_t, 3>{0x01, 0x80, 0xFF}) {
      Bytes flipped = proved.proof;
      flipped[i] ^= mask;
      EXPECT_FALSE(accepts(ligero, in, proved.commitment, flipped))
          << "byte " << i << " of " << proved.proof.size() << " mask " << int{mask};
    }
  }
  for (std::size_t i = 0; i < proved.commitment.root.bytes.size(); ++i) {
    Commitment flipped = proved.commitment;
    flipped.root.bytes[i] ^= 0x80;
    EXPECT_FALSE(accepts(ligero, in, flipped, proved.proof));
  }
}

TEST(Ligero, MalformedInputThrows) {
  TestRng rng(10);
  const Ligero ligero = tiny_ligero();
  const Instance in = make_instance({10, 2, 2, 3}, rng);
  const Proved proved = prove(ligero, in);
  const auto verify_raw = [&](ByteSpan proof, const Constraints& cs) {
    const hash::TranscriptSchema schema = schema_for(ligero, in.layout);
    hash::Transcript t(schema, text("statement"), text("parameters"));
    ligero.absorb_commitment(proved.commitment, t);
    return ligero.verify(proved.commitment, in.layout, cs, proof, t);
  };
  for (std::size_t len = 0; len < proved.proof.size(); len += 7) {
    EXPECT_THROW(verify_raw(ByteSpan(proved.proof).first(len), in.constraints), Error);
  }
  Bytes longer = proved.proof;
  longer.push_back(0);
  EXPECT_THROW(verify_raw(longer, in.constraints), Error);
  Constraints outside = in.constraints;
  outside.linear[0].add_term(in.layout.size(), Challenge::one());
  EXPECT_THROW(verify_raw(proved.proof, outside), Error);
  EXPECT_TRUE(verify_raw(proved.proof, in.constraints));
}

TEST(Ligero, FiatShamirCoversEveryProofByte) {
  TestRng rng(11);
  const Ligero ligero;
  const Instance in = make_instance({2000, 100, 5, 8}, rng);
  const Proved proved = prove(ligero, in);
  hash::TranscriptSchema schema = schema_for(ligero, in.layout);
  hash::Transcript verifier(schema, text("x"), text("y"));
  ASSERT_TRUE(accepts(ligero, in, proved.commitment, proved.proof, &verifier));
  const auto& pe = proved.events;
  const auto& ve = verifier.events();
  ASSERT_EQ(pe.size(), ve.size());
  for (std::size_t i = 0; i < pe.size(); ++i) {
    EXPECT_EQ(pe[i].op, ve[i].op);
    EXPECT_EQ(pe[i].label, ve[i].label);
    EXPECT_EQ(pe[i].type, ve[i].type);
    EXPECT_EQ(pe[i].payload_bytes, ve[i].payload_bytes);
  }
  EXPECT_EQ(proved.final_state, verifier.state());
  // Every proof byte, and nothing else, is absorbed as a prover message.
  std::size_t absorbed = 0;
  for (const auto& e : pe) {
    const bool message = e.label == "ligero/ldt" || e.label == "ligero/wide-ldt" ||
                         e.label == "ligero/row-sumcheck" || e.label == "ligero/dot" ||
                         e.label == "ligero/quad" || e.label == "ligero/openings";
    if (e.op == hash::TranscriptSchema::Op::kAbsorb && message) absorbed += e.payload_bytes;
  }
  EXPECT_EQ(absorbed, proved.proof.size());
}

// ---- Zero knowledge ---------------------------------------------------------

TEST(Ligero, NoWitnessValueAppearsInTheProof) {
  TestRng rng(12);
  const Ligero ligero;
  const Instance in = make_instance({3000, 200, 5, 10}, rng);
  const Proved proved = prove(ligero, in);
  const std::unordered_set<std::uint64_t> secret = [&] {
    std::unordered_set<std::uint64_t> s;
    for (const Goldilocks& w : in.witness) s.insert(w.value());
    return s;
  }();
  for (std::size_t i = 0; i + 8 <= proved.proof.size(); ++i) {
    std::uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v |= std::uint64_t{proved.proof[i + b]} << (8 * b);
    ASSERT_EQ(secret.count(v), 0u) << "witness value at proof byte " << i;
  }
}

// Opened entries of the witness rows, bucketed by value mod kBuckets, over
// many proofs: uniform for any witness, hence the same for two witnesses
// that satisfy the same constraints.
TEST(Ligero, OpenedWitnessEntriesAreUniform) {
  constexpr std::size_t kBuckets = 8, kProofs = 400;
  // chi^2 with 7 degrees of freedom exceeds 40 with probability ~1.3e-6.
  constexpr double kCritical = 40.0;
  TestRng rng(13);
  const Ligero ligero = tiny_ligero();

  // One statement: w0 + ... + w7 = S, w8 = w0 * w1, w9 = w2 * w3. Two
  // witnesses: the second moves 12345 from w1 to w0.
  Instance first;
  first.layout.allocate(8);
  for (Slot x : {0, 2}) first.layout.add_quadratic({x, x + 1, first.layout.allocate(1)});
  first.witness.resize(first.layout.size());
  for (std::size_t i = 0; i < 8; ++i) first.witness[i] = Goldilocks::sample(rng);
  Instance second = first;
  second.witness[0] += Goldilocks::from_u64(12345);
  second.witness[1] -= Goldilocks::from_u64(12345);
  for (Instance* in : {&first, &second}) {
    for (const auto& q : in->layout.quadratic()) {
      in->witness[q.z] = in->witness[q.x] * in->witness[q.y];
    }
  }
  LinearForm sum;
  for (Slot s = 0; s < 8; ++s) sum.add_term(s, Challenge::one());
  sum.constant = -sum.evaluate(first.witness);
  first.constraints.require_zero(sum);
  second.constraints = first.constraints;
  ASSERT_NE(first.witness, second.witness);
  ASSERT_TRUE(first.constraints.holds_for(first.witness, first.layout));
  ASSERT_TRUE(second.constraints.holds_for(second.witness, second.layout));

  const LigeroParams p = ligero.params_for(first.layout);
  std::array<std::array<double, kBuckets>, 2> counts{};
  for (int which = 0; which < 2; ++which) {
    const Instance& in = which == 0 ? first : second;
    for (std::size_t k = 0; k < kProofs; ++k) {
      const LigeroProof proof = LigeroProof::parse(prove(ligero, in).proof, p);
      for (std::size_t q = 0; q < p.nreq; ++q) {
        for (std::size_t row = 0; row < p.data_rows(); ++row) {
          const Goldilocks v = proof.columns[q * p.rows() + LigeroRows::kFirstData + row];
          counts[which][v.value() % kBuckets] += 1;
        }
      }
    }
  }
  const double expect = static_cast<double>(kProofs * p.nreq * p.data_rows()) / kBuckets;
  for (int which = 0; which < 2; ++which) {
    double chi2 = 0;
    for (double c : counts[which]) chi2 += (c - expect) * (c - expect) / expect;
    EXPECT_LT(chi2, kCritical) << "witness " << which;
  }
  // Two-sample test: both witnesses give the same distribution.
  double chi2 = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    const double total = counts[0][b] + counts[1][b];
    chi2 += (counts[0][b] - counts[1][b]) * (counts[0][b] - counts[1][b]) / total;
  }
  EXPECT_LT(chi2, kCritical);
}

}  // namespace
}  // namespace zkinfer::pcs
