// SPDX-License-Identifier: Apache-2.0
// Zero knowledge of ZK-Ligero measured over a tiny field (issue 3). The
// scheme runs over F = E = GF(257) (BLOCK 8, NREQ 2, N = 64 columns, as in
// ligero_tiny_field_test.cpp). Two witnesses that differ in every slot
// satisfy one public statement (layout, linear forms with their constants,
// a product); each is committed and proven many times with the real
// `commit` (OS CSPRNG) and honest Fiat–Shamir. The verifier's view is
// reduced to field elements, position by position:
//  - every element the proof reveals, parsed with BasicLigeroProof::parse:
//    the four responses, the row sumcheck's padded messages and every
//    opened column entry (salts and Merkle digests are hashes of fresh salts
//    and are left out);
//  - residuals against a guess of the first witness: what `ldt`, the row
//    sumcheck's messages, `dot` at the witness positions and each opened
//    data-row entry would be without the prover's randomness, computed from
//    that witness and the challenges the verifier derives, subtracted from
//    the sent value. Challenges are uniform, so a response missing its
//    blinding can still have uniform marginals (e.g. ldt = sum u_i row_i);
//    the residual is then identically zero for the guessed witness and
//    uniform for the other, which the marginals cannot show. (`wide_ldt`
//    involves no data row, and `quad` is not linear in the witness: a guess
//    predicts neither.) The guess knows nothing of the pad row, so for the
//    honest prover each residual is a blinding value plus pad terms.
// Each position must be uniform on GF(257) for each witness, and the two
// witnesses' distributions must agree (chi^2, one- and two-sample). Negative
// controls zero sources of commitment randomness: the data rows' random
// symbols; the narrow or the dot blinding row, each together with the row
// sumcheck's pads (here the pads fill the pad row's every witness position,
// so they alone would still mask that residual); the pads alone. The proofs
// stay valid but the views are no longer hiding, and the same harness must
// tell the witnesses apart. Those pads filling the pad row, the narrow and
// dot controls cannot show that either blinding row is needed on its own; a
// second tableau (BLOCK 16, N = 128, GF(257)'s limit) leaves most of the pad
// row zero, as in production, and there zeroing just the narrow or just the
// dot blinding row exposes its residual at the positions past the pads,
// while the pads still mask the others and the honest prover's residuals
// stay uniform. The tables are printed; docs/ligero.md quotes them.
//
// That no witness value appears verbatim in a Goldilocks proof is tested in
// ligero_test.cpp (Ligero.NoWitnessValueAppearsInTheProof).
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/os_random.hpp"
#include "pcs/ligero.hpp"
#include "pcs/ligero_params.hpp"
#include "poly/multilinear.hpp"
#include "poly/ntt.hpp"
#include "support/rng.hpp"

namespace zkinfer::pcs {
namespace {

using testing::TestRng;
using Tiny = TinyChallenge;
using TinyLigero = BasicLigero<Tiny>;
using TinyProof = BasicLigeroProof<Tiny>;
using TinyForm = sumcheck::LinearForm<Tiny>;
using TinyConstraints = sumcheck::ConstraintSystem<Tiny>;
using Rows = BasicLigeroRows<Tiny::kExtensionDegree>;

// Proofs per witness. Release: 20 expected per value of GF(257); under ASan
// 5, the usual minimum for the chi^2 approximation. The controls' leaks are
// gross (a residual that is always zero), so they need far fewer.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kTrials = 1285;
constexpr int kControlTrials = 200;
#else
constexpr int kTrials = 5140;
constexpr int kControlTrials = 500;
#endif

constexpr std::size_t kQueries = 2;
constexpr unsigned kLogRateInv = 2;
constexpr std::size_t kValues = Tiny::kModulus;

// Chance that an honest run fails the test (any of its statistics), over all
// statistics together: each statistic is held to kFamilyFalseAlarm / (their
// number), so by the union bound the whole test raises a false alarm with
// probability at most 1e-4, whatever the dependence between statistics
// (Bonferroni). With 318 statistics of 256 degrees of freedom that is
// p < 3.1e-7 each, chi^2 above about 385 (mean 256, sd 22.6). The commitment
// randomness comes from the OS, so every run draws a fresh sample.
constexpr double kFamilyFalseAlarm = 1e-4;

ByteSpan text(const char* s) {
  return {reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)};
}

// ---- The statement and its two witnesses -------------------------------------

// Slots [0, 8) are free, [8, 11) solved, w[11] = w[0] * w[1]: two full
// witness rows (WR = 6) and one triple of copy rows. Linear form c has
// random nonzero coefficients on the free slots and the product, 1 on slot
// 8 + c, and a random constant (the public claim), so every choice of the
// free slots extends to a witness.
constexpr std::size_t kFree = 8, kForms = 3;
constexpr Slot kProduct = kFree + kForms;

struct Setting {
  WitnessLayout layout;
  TinyConstraints constraints;
  std::array<std::vector<Tiny>, 2> witnesses;
};

std::vector<Tiny> solve_witness(const Setting& s, TestRng& rng) {
  std::vector<Tiny> w(s.layout.size(), Tiny::zero());
  for (Slot i = 0; i < kFree; ++i) w[i] = Tiny::sample(rng);
  w[kProduct] = w[0] * w[1];
  for (std::size_t c = 0; c < kForms; ++c) {
    const TinyForm& form = s.constraints.linear[c];
    Tiny rest = form.constant;
    for (const auto& term : form.terms) {
      if (term.first != kFree + c) rest += term.second * w[term.first];
    }
    w[kFree + c] = -rest;
  }
  return w;
}

Setting make_setting() {
  TestRng rng(7);
  Setting s;
  s.layout.allocate(kProduct + 1);
  s.layout.add_quadratic({0, 1, kProduct});
  for (std::size_t c = 0; c < kForms; ++c) {
    TinyForm form;
    for (Slot i = 0; i < kFree; ++i) form.add_term(i, Tiny::from_u64(1 + rng.below(256)));
    form.add_term(kProduct, Tiny::from_u64(1 + rng.below(256)));
    form.add_term(kFree + c, Tiny::one());
    form.constant = Tiny::sample(rng);
    s.constraints.require_zero(std::move(form));
  }
  s.witnesses[0] = solve_witness(s, rng);
  const auto differs_everywhere = [&s](const std::vector<Tiny>& w) {
    for (std::size_t i = 0; i < w.size(); ++i) {
      if (w[i] == s.witnesses[0][i]) return false;
    }
    return true;
  };
  do {
    s.witnesses[1] = solve_witness(s, rng);
  } while (!differs_everywhere(s.witnesses[1]));
  return s;
}

const Setting& setting() {
  static const Setting s = make_setting();
  return s;
}

// ---- Tableaus ----------------------------------------------------------------

// One Ligero instance with the setting's layout: its parameters and the
// transcript schema its proofs run under (whose counts depend on them).
struct Tableau {
  Tableau(std::size_t block, const WitnessLayout& layout)
      : ligero(LigeroOptions{kQueries, kLogRateInv, block}),
        params(ligero.params_for(layout)),
        schema("zkinfer-ligero-zero-knowledge-test/v1") {
    ligero.schema_commitment(schema);
    ligero.schema_proof(schema, layout);
  }
  TinyLigero ligero;
  LigeroParams params;
  hash::TranscriptSchema schema;
};

// BLOCK 8, WR 6, N = 64: the six pads fill the pad row's witness positions.
const Tableau& tableau8() {
  static const Tableau t(8, setting().layout);
  return t;
}

// BLOCK 16, WR 14, N = 128 (GF(257) allows 2^7 columns at most): four pads,
// then ten zero positions in the pad row, the production shape (2 D m far
// below WR).
const Tableau& tableau16() {
  static const Tableau t(16, setting().layout);
  return t;
}

// ---- What a verifier guessing the first witness predicts ---------------------

// The documented tableau (docs/ligero.md, "Tableau"), with data positions
// indexed row * WR + position as witness slots are: slot s of the witness is
// position s, and quadratic constraint l's copies sit at position l mod WR
// of the Qx, Qy and Qz rows of triple l / WR.
struct CopyPositions {
  std::size_t x, y, z;
};

CopyPositions copy_positions(const LigeroParams& p, std::size_t l) {
  const std::size_t triples = p.quadratic_triples();
  const std::size_t qx = p.witness_rows() + l / p.wr(), pos = l % p.wr();
  return {qx * p.wr() + pos, (qx + triples) * p.wr() + pos, (qx + 2 * triples) * p.wr() + pos};
}

// The guess knows the witness but none of the prover's randomness: its data
// rows hold the witness and the copies, and the pad rows (which hold only
// the row sumcheck's pads) are zero.
class Guess {
 public:
  Guess(const LigeroParams& p, const Setting& s, std::span<const Tiny> w)
      : p_(p), setting_(s), symbols_(p.data_rows() * p.wr(), Tiny::zero()) {
    std::copy(w.begin(), w.end(), symbols_.begin());
    const auto& quadratic = s.layout.quadratic();
    for (std::size_t l = 0; l < quadratic.size(); ++l) {
      const CopyPositions at = copy_positions(p, l);
      symbols_[at.x] = w[quadratic[l].x];
      symbols_[at.y] = w[quadratic[l].y];
      symbols_[at.z] = w[quadratic[l].z];
    }
    // Each data row encoded with zeros in place of its NREQ random symbols.
    for (std::size_t r = 0; r < p.data_rows(); ++r) {
      std::vector<Tiny> message(p.block, Tiny::zero());
      std::copy_n(symbols_.begin() + static_cast<std::ptrdiff_t>(r * p.wr()), p.wr(),
                  message.begin() + static_cast<std::ptrdiff_t>(p.nreq));
      poly::intt<Tiny>(message);
      unpadded_.emplace_back(p.columns());
      poly::coset_lde<Tiny>(message, unpadded_.back());
    }
  }

  // The narrow response at witness position j of H without blinding:
  // sum_r u_r * (symbol j of data row r).
  Tiny ldt(std::span<const Tiny> u, std::size_t j) const {
    Tiny sum = Tiny::zero();
    for (std::size_t r = 0; r < p_.data_rows(); ++r) sum += u[r] * symbols_[r * p_.wr() + j];
    return sum;
  }

  // The combination A of the linear test (docs/ligero.md, "Proof"): the
  // alpha-weighted forms, then per quadratic constraint three challenges on
  // its copy constraints Qx - w[x], Qy - w[y], Qz - w[z]. Zero on the pad
  // rows, which no linear form names.
  std::vector<Tiny> combination(std::span<const Tiny> alpha) const {
    std::vector<Tiny> a(symbols_.size(), Tiny::zero());
    const auto& linear = setting_.constraints.linear;
    for (std::size_t c = 0; c < linear.size(); ++c) {
      for (const auto& term : linear[c].terms) a[term.first] += alpha[c] * term.second;
    }
    const auto& quadratic = setting_.layout.quadratic();
    for (std::size_t l = 0; l < quadratic.size(); ++l) {
      const CopyPositions at = copy_positions(p_, l);
      const Tiny* r = &alpha[linear.size() + 3 * l];
      a[at.x] += r[0];
      a[quadratic[l].x] -= r[0];
      a[at.y] += r[1];
      a[quadratic[l].y] -= r[1];
      a[at.z] += r[2];
      a[quadratic[l].z] -= r[2];
    }
    return a;
  }

  // The row sumcheck's messages without pads: per round r, g_r(0) and
  // g_r(2), where g_r(X) = sum over the remaining row pairs and witness
  // positions of (A_lo + X (A_hi - A_lo)) (W_lo + X (W_hi - W_lo)). The
  // constrained rows are zero-padded to 2^m; a pair is (row 2a, row 2a + 1),
  // the lowest remaining bit of the row index, so round r binds bit r; after
  // the round both tables fold with rho_r into row a.
  std::vector<Tiny> row_sumcheck(std::span<const Tiny> a, std::span<const Tiny> rho) const {
    const std::size_t constrained = p_.constrained_rows() * p_.wr();
    std::vector<Tiny> at((std::size_t{1} << rho.size()) * p_.wr(), Tiny::zero());
    std::vector<Tiny> wt(at.size(), Tiny::zero());
    std::copy_n(a.begin(), constrained, at.begin());
    std::copy_n(symbols_.begin(), constrained, wt.begin());
    const Tiny two = Tiny::one() + Tiny::one();
    std::vector<Tiny> out;
    const std::size_t wr = p_.wr();
    std::size_t pairs = at.size() / wr;
    for (const Tiny& r : rho) {
      // Pair i: row 2i's entry j is at 2i WR + j, row 2i + 1's WR later.
      pairs /= 2;
      Tiny g0 = Tiny::zero(), g2 = Tiny::zero();
      for (std::size_t pair = 0; pair < pairs; ++pair) {
        for (std::size_t j = 0; j < wr; ++j) {
          const std::size_t lo = 2 * pair * wr + j, hi = lo + wr;
          g0 += at[lo] * wt[lo];
          g2 += (two * at[hi] - at[lo]) * (two * wt[hi] - wt[lo]);
        }
      }
      out.push_back(g0);
      out.push_back(g2);
      // In place: row i is written after rows 2i and 2i + 1 (>= i) are read.
      for (std::size_t pair = 0; pair < pairs; ++pair) {
        for (std::size_t j = 0; j < wr; ++j) {
          const std::size_t lo = 2 * pair * wr + j, hi = lo + wr;
          at[pair * wr + j] = at[lo] + r * (at[hi] - at[lo]);
          wt[pair * wr + j] = wt[lo] + r * (wt[hi] - wt[lo]);
        }
      }
    }
    return out;
  }

  // The linear-test response at witness position j of H without blinding
  // and pad terms: A_rho[j] * W_rho[j], X_rho = sum_i eq(rho, i) X_i over the
  // constrained rows i (`row_eq` = eq(rho, .), rho_r on bit r of the row
  // index; its weights on the zero rows past them are dropped).
  Tiny dot(std::span<const Tiny> a, std::span<const Tiny> row_eq, std::size_t j) const {
    Tiny a_rho = Tiny::zero(), w_rho = Tiny::zero();
    for (std::size_t i = 0; i < p_.constrained_rows(); ++i) {
      a_rho += row_eq[i] * a[i * p_.wr() + j];
      w_rho += row_eq[i] * symbols_[i * p_.wr() + j];
    }
    return a_rho * w_rho;
  }

  // Data row r at codeword column `column`, its random symbols taken as zero.
  Tiny unpadded(std::size_t r, std::size_t column) const { return unpadded_[r][column]; }

 private:
  const LigeroParams& p_;
  const Setting& setting_;
  std::vector<Tiny> symbols_;  // data positions
  std::vector<std::vector<Tiny>> unpadded_;
};

// ---- The verifier's view, position by position -------------------------------

// The challenges the verifier re-derives from the transcript, recorded by
// hooks that only look (the proof is the honest one).
struct Challenges {
  std::vector<Tiny> u, alpha, row_point;
  std::vector<std::size_t> queries;
};

TinyLigero::Tamper recorder(Challenges& seen) {
  TinyLigero::Tamper t;
  t.ldt = [&seen](std::vector<Tiny>&, std::span<const Tiny> u) {
    seen.u.assign(u.begin(), u.end());
  };
  t.dot = [&seen](std::vector<Tiny>&, const LinearTestChallenges<Tiny>& c) {
    seen.alpha.assign(c.alpha.begin(), c.alpha.end());
    seen.row_point.assign(c.row_point.begin(), c.row_point.end());
  };
  t.columns = [&seen](std::vector<Tiny>&, std::span<const std::size_t> queries) {
    seen.queries.assign(queries.begin(), queries.end());
  };
  return t;
}

struct Group {
  std::string name;
  std::size_t size;
};

std::vector<Group> groups(const LigeroParams& p) {
  const std::size_t k = p.block, wr = p.wr();
  const std::size_t rounds = 2 * p.row_rounds();
  return {{"ldt", k},
          {"wide_ldt", 2 * k},
          {"row_sumcheck", rounds},
          {"dot", 2 * k},
          {"quad", 2 * k - wr},
          {"opened columns (every row)", p.nreq * p.rows()},
          {"ldt - guess (witness positions)", wr},
          {"row sumcheck - guess", rounds},
          {"dot - guess (witness positions)", wr},
          {"opened data rows - guess", p.nreq * p.data_rows()}};
}

// The view as one vector, in the order of groups().
std::vector<Tiny> observe(const LigeroParams& p, const Guess& guess, const TinyProof& proof,
                          const Challenges& seen) {
  std::vector<Tiny> out;
  for (const auto* v : {&proof.ldt, &proof.wide_ldt, &proof.row_sumcheck, &proof.dot, &proof.quad,
                        &proof.columns}) {
    out.insert(out.end(), v->begin(), v->end());
  }
  for (std::size_t j = 0; j < p.wr(); ++j) {
    out.push_back(proof.ldt[p.nreq + j] - guess.ldt(seen.u, j));
  }
  // Sent minus honest: minus the pads.
  const std::vector<Tiny> a = guess.combination(seen.alpha);
  const std::vector<Tiny> honest = guess.row_sumcheck(a, seen.row_point);
  for (std::size_t l = 0; l < honest.size(); ++l) {
    out.push_back(proof.row_sumcheck[l] - honest[l]);
  }
  // poly::eq_table puts its variable 0 on the top bit; round 0 bound bit 0.
  const std::vector<Tiny> reversed(seen.row_point.rbegin(), seen.row_point.rend());
  const std::vector<Tiny> row_eq = poly::eq_table<Tiny>(reversed);
  for (std::size_t j = 0; j < p.wr(); ++j) {
    out.push_back(proof.dot[2 * (p.nreq + j)] - guess.dot(a, row_eq, j));
  }
  for (std::size_t q = 0; q < p.nreq; ++q) {
    for (std::size_t r = 0; r < p.data_rows(); ++r) {
      out.push_back(proof.columns[q * p.rows() + Rows::kFirstData + r] -
                    guess.unpadded(r, seen.queries[q]));
    }
  }
  return out;
}

// ---- Commitment randomness, and its controls ---------------------------------

// A draw of the commitment randomness to zero: commit takes the narrow,
// wide, dot and quad blinding rows (BLOCK, then 2 BLOCK elements each), the
// data rows' random symbols (data_rows x NREQ elements), the row sumcheck's
// pads (2 D row_rounds elements) and the salts, one draw each, 8 bytes per
// element, with single 8-byte draws in between for rejected samples. A draw
// is named by its element count and, among draws of that count, its
// ordinal.
struct ZeroedDraw {
  std::size_t elements = 0;
  int ordinal = 0;
};
// The draws a run zeroes; none: the real commit.
using ZeroedDraws = std::vector<ZeroedDraw>;

// commit's draws before the salts, in the order it makes them.
enum class Draw { kNarrowBlind, kWideBlind, kDotBlind, kQuadBlind, kRandomSymbols, kRowPads };

ZeroedDraw draw(const LigeroParams& p, Draw which) {
  const std::size_t k = p.block;
  const std::size_t sizes[] = {
      k, 2 * k, 2 * k, 2 * k, p.data_rows() * p.nreq, 2 * Tiny::kExtensionDegree * p.row_rounds()};
  const auto index = static_cast<std::size_t>(which);
  return {sizes[index], static_cast<int>(std::count(sizes, sizes + index, sizes[index]))};
}

struct Tally {
  std::vector<int> counts[2];  // [witness][position * kValues + value]
  int accepted = 0;
  int zeroed = 0;  // commits in which every draw to zero was found
};

// Commits to `witness` (the real commit, or with some draws zeroed), proves
// honestly, verifies on a fresh transcript and adds the view to the tally.
void prove_once(const Tableau& t, const Setting& s, int which, const Guess& guess,
                const ZeroedDraws& zeroed, Tally& tally) {
  const TinyLigero& ligero = t.ligero;
  const hash::TranscriptSchema& schema = t.schema;
  const std::vector<Tiny>& witness = s.witnesses[static_cast<std::size_t>(which)];
  CommitResult c;
  if (zeroed.empty()) {
    c = ligero.commit(witness, s.layout);
  } else {
    // Per draw to zero: the draws of its size seen so far, and whether it
    // was found.
    std::vector<int> seen(zeroed.size(), 0);
    std::vector<bool> found(zeroed.size(), false);
    const RandomBytes random = [&](std::span<std::uint8_t> out) {
      os_random_bytes(out);
      for (std::size_t i = 0; i < zeroed.size(); ++i) {
        if (out.size() == 8 * zeroed[i].elements && seen[i]++ == zeroed[i].ordinal) {
          std::fill(out.begin(), out.end(), std::uint8_t{0});
          found[i] = true;
        }
      }
    };
    c = ligero.commit_with_randomness(witness, s.layout, random);
    tally.zeroed += std::all_of(found.begin(), found.end(), [](bool f) { return f; }) ? 1 : 0;
  }
  hash::Transcript pt(schema, text("statement"), text("parameters"));
  ligero.absorb_commitment(c.commitment, pt);
  Challenges seen;
  const Bytes bytes =
      ligero.prove_tampered(std::move(c.prover_data), s.constraints, pt, recorder(seen));
  hash::Transcript vt(schema, text("statement"), text("parameters"));
  ligero.absorb_commitment(c.commitment, vt);
  tally.accepted += ligero.verify(c.commitment, s.layout, s.constraints, bytes, vt) ? 1 : 0;

  const LigeroParams& p = t.params;
  const std::vector<Tiny> view = observe(p, guess, TinyProof::parse(bytes, p), seen);
  std::vector<int>& counts = tally.counts[which];
  for (std::size_t i = 0; i < view.size(); ++i) ++counts[i * kValues + view[i].value()];
}

// ---- Statistics ----------------------------------------------------------------

// Upper tail of the chi^2 distribution with `dof` degrees of freedom, by the
// Wilson–Hilferty cube-root normal approximation. At 200 to 256 degrees of
// freedom it overstates the exact tail (the incomplete gamma function,
// checked with SciPy) by 1% at 1e-4, 4% at the per-statistic threshold and
// 8% at 1e-9: on the conservative side, and far finer than the test needs.
double chi2_tail(double chi2, double dof) {
  const double v = 2 / (9 * dof);
  const double z = (std::cbrt(chi2 / dof) - (1 - v)) / std::sqrt(v);
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

// One-sample: the n values at a position against uniform on GF(257).
double uniformity_p(const int* counts, int n) {
  const double expect = static_cast<double>(n) / kValues;
  double chi2 = 0;
  for (std::size_t v = 0; v < kValues; ++v) chi2 += (counts[v] - expect) * (counts[v] - expect);
  return chi2_tail(chi2 / expect, kValues - 1);
}

// Two-sample (equal sample sizes): both witnesses give one distribution.
double two_sample_p(const int* a, const int* b) {
  double chi2 = 0;
  int seen = 0;
  for (std::size_t v = 0; v < kValues; ++v) {
    const double total = a[v] + b[v];
    if (total == 0) continue;
    chi2 += (a[v] - b[v]) * static_cast<double>(a[v] - b[v]) / total;
    ++seen;
  }
  return seen > 1 ? chi2_tail(chi2, seen - 1) : 1.0;
}

struct GroupResult {
  std::string name;
  std::size_t size = 0;
  // Smallest p-values over the group's positions: uniformity for each
  // witness, and the two-sample comparison.
  double uniform[2] = {1, 1};
  double two_sample = 1;
  double min() const { return std::min({uniform[0], uniform[1], two_sample}); }
  // Per position: the two-sample p-value, and the smallest of the three.
  std::vector<double> two_sample_at, min_at;
};

struct Outcome {
  std::vector<GroupResult> groups;
  int proofs = 0, accepted = 0, zeroed = 0;
  double threshold = 0;  // per statistic
};

Outcome run(const Tableau& t, const Setting& s, int trials, const ZeroedDraws& zeroed) {
  const LigeroParams& p = t.params;
  const Guess guess(p, s, s.witnesses[0]);
  const std::vector<Group> layout = groups(p);
  std::size_t positions = 0;
  for (const Group& g : layout) positions += g.size;

  Tally tally;
  for (auto& counts : tally.counts) counts.assign(positions * kValues, 0);
  for (int i = 0; i < trials; ++i) {
    for (int which = 0; which < 2; ++which) prove_once(t, s, which, guess, zeroed, tally);
  }

  Outcome out;
  out.proofs = 2 * trials;
  out.accepted = tally.accepted;
  out.zeroed = tally.zeroed;
  out.threshold = kFamilyFalseAlarm / static_cast<double>(3 * positions);
  std::size_t at = 0;
  for (const Group& g : layout) {
    GroupResult r;
    r.name = g.name;
    r.size = g.size;
    for (std::size_t i = at; i < at + g.size; ++i) {
      const int* a = &tally.counts[0][i * kValues];
      const int* b = &tally.counts[1][i * kValues];
      const double uniform[2] = {uniformity_p(a, trials), uniformity_p(b, trials)};
      const double two_sample = two_sample_p(a, b);
      r.uniform[0] = std::min(r.uniform[0], uniform[0]);
      r.uniform[1] = std::min(r.uniform[1], uniform[1]);
      r.two_sample = std::min(r.two_sample, two_sample);
      r.two_sample_at.push_back(two_sample);
      r.min_at.push_back(std::min({uniform[0], uniform[1], two_sample}));
    }
    at += g.size;
    out.groups.push_back(r);
  }
  return out;
}

void print(const char* title, const Outcome& o) {
  std::printf("%s: %d proofs (%d accepted), per-statistic threshold p < %.2g\n", title, o.proofs,
              o.accepted, o.threshold);
  std::printf("  %-34s %9s  %-10s %-10s %-10s\n", "position group", "positions", "min p (w)",
              "min p (w')", "min p (w vs w')");
  for (const GroupResult& g : o.groups) {
    std::printf("  %-34s %9zu  %-10.3g %-10.3g %-10.3g%s\n", g.name.c_str(), g.size, g.uniform[0],
                g.uniform[1], g.two_sample, g.min() < o.threshold ? "  <- distinguished" : "");
  }
}

const GroupResult& find_group(const Outcome& o, const std::string& name) {
  const auto g = std::find_if(o.groups.begin(), o.groups.end(),
                              [&name](const GroupResult& r) { return r.name == name; });
  if (g == o.groups.end()) throw std::logic_error("no position group " + name);
  return *g;
}

// A negative control: the draws it zeroes and the group that must then tell
// the witnesses apart.
struct Control {
  const char* name;
  ZeroedDraws zeroed;
  const char* exposed;
};

constexpr const char* kLdtResidual = "ldt - guess (witness positions)";
constexpr const char* kDotResidual = "dot - guess (witness positions)";

TEST(LigeroZeroKnowledge, TheStatementHasTwoWitnessesThatDifferInEverySlot) {
  const Setting& s = setting();
  for (const auto& w : s.witnesses) EXPECT_TRUE(s.constraints.holds_for(w, s.layout));
  for (std::size_t i = 0; i < s.layout.size(); ++i) {
    EXPECT_NE(s.witnesses[0][i], s.witnesses[1][i]) << "slot " << i;
  }
  const LigeroParams& p = tableau8().params;
  EXPECT_EQ(p.witness_rows(), 2u);
  EXPECT_EQ(p.quadratic_triples(), 1u);
  EXPECT_EQ(p.columns(), 64u);
  // Five constrained rows, so three row rounds, whose six pads fill the one
  // pad row's witness positions (the controls rely on it).
  EXPECT_EQ(p.row_rounds(), 3u);
  EXPECT_EQ(p.pad_rows(), 1u);
  EXPECT_EQ(2 * Tiny::kExtensionDegree * p.row_rounds(), p.wr());
}

// Every position of the view is uniform for both witnesses, and the two
// witnesses' views have the same distribution.
TEST(LigeroZeroKnowledge, ViewsOfTwoWitnessesOfOneStatementAreIndistinguishable) {
  const Outcome o = run(tableau8(), setting(), kTrials, {});
  print("ZK-Ligero over GF(257), honest prover", o);
  EXPECT_EQ(o.accepted, o.proofs);
  for (const GroupResult& g : o.groups) {
    EXPECT_GE(g.uniform[0], o.threshold) << g.name << ": not uniform for the first witness";
    EXPECT_GE(g.uniform[1], o.threshold) << g.name << ": not uniform for the second witness";
    EXPECT_GE(g.two_sample, o.threshold) << g.name << ": the witnesses are told apart";
  }
}

// Power: with sources of commitment randomness removed the proofs are still
// valid, and the same harness tells the witnesses apart through the
// positions that randomness was hiding.
TEST(LigeroZeroKnowledge, TheTestDetectsEachRemovedSourceOfRandomness) {
  const Setting& s = setting();
  const LigeroParams& p = tableau8().params;
  const ZeroedDraw pads = draw(p, Draw::kRowPads);
  // The pad row enters the narrow test's combination (u_pad times its
  // symbols) and the dot response (Bf times it), and here its pads fill
  // every witness position: with the blinding row alone removed, the pads
  // would still mask each witness position of `ldt - guess` or
  // `dot - guess`. So those controls zero the pads as well.
  const Control controls[] = {
      {"control: data rows without random symbols",
       {draw(p, Draw::kRandomSymbols)},
       "opened data rows - guess"},
      {"control: no narrow blinding row or pads",
       {draw(p, Draw::kNarrowBlind), pads},
       kLdtResidual},
      {"control: no dot blinding row or pads", {draw(p, Draw::kDotBlind), pads}, kDotResidual},
      {"control: no row-sumcheck pads", {pads}, "row sumcheck - guess"},
  };
  for (const Control& c : controls) {
    const Outcome o = run(tableau8(), s, kControlTrials, c.zeroed);
    print(c.name, o);
    EXPECT_EQ(o.zeroed, o.proofs) << c.name << ": a draw to zero was not found";
    EXPECT_EQ(o.accepted, o.proofs) << c.name;
    EXPECT_LT(find_group(o, c.exposed).two_sample, o.threshold)
        << c.name << ": " << c.exposed << " passed";
  }
}

// The narrow and dot controls above zero the pads too, so they leave open
// whether each blinding row alone hides its response. In production the
// pads take only the first 2 D m witness positions of the pad row; past them
// the pad row is zero, and so is its coefficient row Bf, so there `ldt` is
// masked by the narrow blinding row alone and `dot` by Z alone. On the BLOCK
// 16 tableau (four pads, WR 14) zeroing only that row must leave its
// residual past the pads non-uniform and tell the witnesses apart wherever
// they differ there, while the pads still mask the first four positions;
// with nothing zeroed the same number of proofs must leave both residuals
// undistinguished. Those 84 honest statistics and the 24 at the pad
// positions are held to their run's threshold, 10^-4 / 486, which adds at
// most 2.2e-5 to the file's chance of a false alarm.
TEST(LigeroZeroKnowledge, EachBlindingRowAloneMasksItsResponsePastThePads) {
  const Setting& s = setting();
  const Tableau& t = tableau16();
  const LigeroParams& p = t.params;
  // One witness row (slot j at position j) and a triple of copy rows (their
  // one copy each at position 0): two row rounds, four pads.
  ASSERT_EQ(p.columns(), 128u);
  ASSERT_EQ(p.witness_rows(), 1u);
  ASSERT_EQ(p.quadratic_triples(), 1u);
  ASSERT_EQ(p.row_rounds(), 2u);
  ASSERT_EQ(p.pad_rows(), 1u);
  const std::size_t pads = 2 * Tiny::kExtensionDegree * p.row_rounds();
  ASSERT_LT(pads, s.layout.size());
  ASSERT_LT(s.layout.size(), p.wr());

  const Outcome honest = run(t, s, kControlTrials, {});
  print("ZK-Ligero over GF(257), BLOCK 16, honest prover", honest);
  EXPECT_EQ(honest.accepted, honest.proofs);
  for (const char* name : {kLdtResidual, kDotResidual}) {
    EXPECT_GE(find_group(honest, name).min(), honest.threshold) << name << ": distinguished";
  }

  const Control controls[] = {
      {"control (BLOCK 16): no narrow blinding row", {draw(p, Draw::kNarrowBlind)}, kLdtResidual},
      {"control (BLOCK 16): no dot blinding row", {draw(p, Draw::kDotBlind)}, kDotResidual},
  };
  for (const Control& c : controls) {
    const Outcome o = run(t, s, kControlTrials, c.zeroed);
    print(c.name, o);
    EXPECT_EQ(o.zeroed, o.proofs) << c.name << ": a draw to zero was not found";
    EXPECT_EQ(o.accepted, o.proofs) << c.name;
    const GroupResult& g = find_group(o, c.exposed);
    std::printf("  %s by position\n   min p:     ", c.exposed);
    for (const double q : g.min_at) std::printf(" %-8.2g", q);
    std::printf("\n   w vs w' p: ");
    for (const double q : g.two_sample_at) std::printf(" %-8.2g", q);
    std::printf("\n");
    for (std::size_t j = 0; j < p.wr(); ++j) {
      if (j < pads) {
        EXPECT_GE(g.min_at[j], o.threshold) << c.name << ": pad position " << j << " not masked";
        continue;
      }
      // The residual is zero for the first witness, so not uniform.
      EXPECT_LT(g.min_at[j], o.threshold) << c.name << ": position " << j << " still masked";
      // Positions past the witness's slots are zero in every constrained row
      // for both witnesses: their residual is zero for both, nothing to tell.
      if (j < s.layout.size()) {
        EXPECT_LT(g.two_sample_at[j], o.threshold) << c.name << ": position " << j << " hidden";
      }
    }
  }
}

}  // namespace
}  // namespace zkinfer::pcs
