// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/error.hpp"
#include "field/lift.hpp"
#include "hash/transcript.hpp"
#include "poly/multilinear.hpp"
#include "sumcheck/packed_rounds.hpp"
#include "sumcheck/pads.hpp"
#include "sumcheck/round_terms.hpp"

// Zero-knowledge sumcheck with padded messages (docs/zero-knowledge.md).
//
// Proves   sum_{x in {0,1}^n}  sum_t  c_t * prod_{k in term t} f_k(x)  =  S
// for multilinear tables f_k (variable 0 = most significant index bit, as in
// poly/multilinear.hpp). Round i sends p_i(0), p_i(2), ..., p_i(d), each plus a
// committed pad; the verifier derives p_i(1) = claim - p_i(0), so the round
// check costs no constraint. After n rounds the prover sends every
// non-public table's value at the random point r, padded; the verifier
// evaluates public tables (such as eq) itself. The verifier's output is a
// set of constraints over committed slots plus, for each non-public table,
// the linear form of its value at r: a claim for the caller to settle.
namespace zkinfer::sumcheck {

template <field::Field E>
struct ProductTerm {
  E coefficient;
  std::vector<std::size_t> factors;  // table indices; repeats allowed
};

// The public shape of one sumcheck, known to both sides.
template <field::Field E>
struct SumcheckShape {
  unsigned num_vars = 0;
  std::size_t num_tables = 0;
  std::vector<ProductTerm<E>> terms;
  std::vector<bool> table_is_public;  // the verifier evaluates these at r itself

  unsigned degree() const {
    std::size_t d = 1;
    for (const auto& t : terms) d = std::max(d, t.factors.size());
    return static_cast<unsigned>(d);
  }
  // The evaluation points sent each round: 0, 2, 3, ..., d.
  std::vector<unsigned> sent_points() const {
    std::vector<unsigned> points = {0};
    for (unsigned k = 2; k <= degree(); ++k) points.push_back(k);
    return points;
  }
  void validate() const {
    if (table_is_public.size() != num_tables) fail("sumcheck shape: public-table flags mismatch");
    if (degree() > 4) fail("sumcheck shape: degree above 4 is not supported");
    for (const auto& t : terms) {
      if (t.factors.empty()) fail("sumcheck shape: empty product term");
      for (std::size_t f : t.factors) {
        if (f >= num_tables) fail("sumcheck shape: factor index out of range");
      }
    }
  }
};

// Where this sumcheck's pads live in the committed witness.
template <field::Field E>
struct SumcheckPads {
  std::vector<std::vector<ExtSlots>> rounds;  // [round][sent point]
  std::vector<ExtSlots> finals;               // per table (unused for public tables)
  // Committed products of final pads, keyed by the sorted multiset of table
  // indices; singletons are the final pads themselves.
  std::map<std::vector<std::size_t>, ExtSlots> products;
  std::vector<ExtProduct<E>> product_gadgets;  // in dependency order
};

// One table of a sumcheck. Witness data (trace columns, committed tensors)
// lies in the base field: the prover keeps such a table in the base field
// for the first round, where every product of base factors costs base-field
// multiplications only, and the first challenge folds it into E. Half of a
// sumcheck's work is its first round.
//
// An eq table, eq(point, x), is given by its point. When it is a factor of
// every term (the usual zero-check and GKR shape), the prover never builds
// it: the round polynomial is eq(point_i, X) times a polynomial of one
// degree less (Gruen, "Some Improvements for the PIOP for ZeroCheck", IACR
// ePrint 2024/108), which needs one evaluation point fewer per round and no eq folding.
// Otherwise the table is built from its point.
template <field::Field E>
struct Table {
  using B = typename E::Base;
  std::vector<E> ext;  // the values, when in E
  // The values, when in the base field (ext is then empty): the caller's,
  // read in the first round only, so they are never copied. They must
  // outlive the proof.
  std::span<const B> base;
  std::vector<E> eq_point;  // an eq table not built yet (ext and base empty)
  bool eq_kind = false;

  Table() = default;
  Table(std::vector<E> values) : ext(std::move(values)) {}  // NOLINT: implicit by design
  static Table in_base(std::span<const B> values) {
    Table t{std::vector<E>{}};
    t.base = values;
    return t;
  }
  static Table eq(std::vector<E> point) {
    Table t{std::vector<E>{}};
    t.eq_point = std::move(point);
    t.eq_kind = true;
    return t;
  }
  bool is_base() const { return ext.empty() && !base.empty(); }
  bool is_unbuilt_eq() const { return eq_kind && ext.empty(); }
  std::size_t size() const {
    if (is_unbuilt_eq()) return std::size_t{1} << eq_point.size();
    return is_base() ? base.size() : ext.size();
  }
};

// eq(r, x) for every x, as the tensor product of the tables of the two
// halves of r, so the 2^n products run in parallel.
template <field::Field E>
std::vector<E> eq_table_parallel(std::span<const E> r) {
  const std::size_t high_vars = r.size() / 2;
  const std::vector<E> high = poly::eq_table<E>(r.first(high_vars));
  const std::vector<E> low = poly::eq_table<E>(r.subspan(high_vars));
  const std::size_t low_bits = r.size() - high_vars;
  const std::size_t mask = low.size() - 1;
  std::vector<E> out(std::size_t{1} << r.size());
#pragma omp parallel for schedule(static) if (out.size() >= kParallelThreshold)
  for (std::size_t x = 0; x < out.size(); ++x) out[x] = high[x >> low_bits] * low[x & mask];
  return out;
}

namespace detail {

// Padded (non-public) factor positions of a term, as table indices, sorted.
template <field::Field E>
std::vector<std::size_t> padded_factors(const SumcheckShape<E>& shape, const ProductTerm<E>& t) {
  std::vector<std::size_t> out;
  for (std::size_t f : t.factors) {
    if (!shape.table_is_public[f]) out.push_back(f);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every sub-multiset (by position mask) of `factors`, as sorted index lists.
inline std::vector<std::vector<std::size_t>> subsets(const std::vector<std::size_t>& factors) {
  std::vector<std::vector<std::size_t>> out;
  for (unsigned mask = 1; mask < (1u << factors.size()); ++mask) {
    std::vector<std::size_t> s;
    for (unsigned i = 0; i < factors.size(); ++i) {
      if (mask >> i & 1) s.push_back(factors[i]);
    }
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.size() != b.size() ? a.size() < b.size() : a < b;
  });
  return out;
}

// 1 / prod_{j != k} (k - j) for the nodes 0..d: field inversions, so
// computed once per field and degree rather than in every round.
inline constexpr unsigned kMaxLagrangeDegree = 8;
template <field::Field E>
const std::vector<E>& lagrange_denominator_inverses(unsigned d) {
  static const std::vector<std::vector<E>> table = [] {
    std::vector<std::vector<E>> out(kMaxLagrangeDegree + 1);
    for (unsigned n = 0; n <= kMaxLagrangeDegree; ++n) {
      for (unsigned k = 0; k <= n; ++k) {
        E den = E::one();
        for (unsigned j = 0; j <= n; ++j) {
          if (j != k)
            den *= E::from_i64(static_cast<std::int64_t>(k) - static_cast<std::int64_t>(j));
        }
        out[n].push_back(den.inverse());
      }
    }
    return out;
  }();
  if (d > kMaxLagrangeDegree) fail("sumcheck: round polynomial degree above 8");
  return table[d];
}

// Lagrange basis L_k(r) over the nodes 0, 1, ..., d: L_k(r) = prod_{j<k} (r - j)
// * prod_{j>k} (r - j) / prod_{j != k} (k - j).
template <field::Field E>
std::vector<E> lagrange_at(unsigned d, const E& r) {
  const std::vector<E>& inverses = lagrange_denominator_inverses<E>(d);
  std::vector<E> above(d + 2, E::one());  // above[k] = prod_{j >= k} (r - j)
  for (unsigned k = d + 1; k-- > 0;) above[k] = above[k + 1] * (r - E::from_u64(k));
  std::vector<E> out(d + 1);
  E below = E::one();  // prod_{j < k} (r - j)
  for (unsigned k = 0; k <= d; ++k) {
    out[k] = below * above[k + 1] * inverses[k];
    below *= r - E::from_u64(k);
  }
  return out;
}

// Values of table `t` at the points 0..d of the current variable, at x.
template <class V>
void extend_line(const V* t, std::size_t x, std::size_t half, unsigned d, V* at) {
  const V lo = t[x];
  const V step = t[x + half] - lo;
  V v = lo;
  for (unsigned k = 0; k <= d; ++k) {
    at[k] = v;
    v += step;
  }
}

// The round polynomial's values at `points` (indexed by point), summed over
// the first `half` hypercube pairs. `evaluate(x, k, scratch)` must fill its
// per-thread scratch for x on its first call with k == points[0].
template <field::Field E, class Scratch, class Fill, class Evaluate>
std::vector<E> round_sums(std::size_t half, unsigned d, const std::vector<unsigned>& points,
                          const Fill& fill, const Evaluate& evaluate) {
  std::vector<E> evals(d + 1, E::zero());
#pragma omp parallel if (half >= kParallelThreshold)
  {
    std::vector<E> local(d + 1, E::zero());
    Scratch scratch;
#pragma omp for schedule(static) nowait
    for (std::size_t x = 0; x < half; ++x) {
      fill(x, scratch);
      for (unsigned k : points) local[k] += evaluate(scratch, x, k);
    }
#pragma omp critical
    for (unsigned k : points) evals[k] += local[k];
  }
  return evals;
}

// What packed_round_sums computes (packed_rounds.hpp), one pair at a time:
// the fallback, and the reference the packed loop is tested against.
template <field::Field E>
std::vector<E> scalar_round_sums(const MixedRoundTerms<E>& plan,
                                 std::span<const RoundTable<E>> tables, std::size_t half,
                                 unsigned degree, std::span<const unsigned> points,
                                 const E* weight) {
  using B = typename E::Base;
  struct Scratch {
    std::vector<B> base;
    std::vector<E> ext;
  };
  const std::size_t stride = degree + 1;
  return round_sums<E, Scratch>(
      half, degree, std::vector<unsigned>(points.begin(), points.end()),
      [&](std::size_t x, Scratch& at) {
        at.base.resize(tables.size() * stride);
        at.ext.resize(tables.size() * stride);
        for (std::size_t j = 0; j < tables.size(); ++j) {
          if (tables[j].base != nullptr) {
            extend_line(tables[j].base, x, half, degree, &at.base[j * stride]);
          } else if (tables[j].ext != nullptr) {
            extend_line(tables[j].ext, x, half, degree, &at.ext[j * stride]);
          }
        }
      },
      [&](const Scratch& at, std::size_t x, unsigned k) {
        const E value = plan.evaluate(at.base.data(), at.ext.data(), stride, k);
        return weight != nullptr ? value * weight[x] : value;
      });
}

// `preferred`: the factor to share if it is in every term (an eq table the
// prover can split off), before any other.
template <field::Field E>
RoundTerms<E> round_terms(const SumcheckShape<E>& shape,
                          std::optional<std::size_t> preferred = std::nullopt) {
  RoundTerms<E> plan;
  const auto in_every_term = [&](std::size_t f) {
    return std::all_of(shape.terms.begin(), shape.terms.end(), [&](const ProductTerm<E>& t) {
      return std::find(t.factors.begin(), t.factors.end(), f) != t.factors.end();
    });
  };
  if (preferred && !shape.terms.empty() && in_every_term(*preferred)) {
    plan.shared = preferred;
  } else if (!shape.terms.empty()) {
    for (std::size_t f : shape.terms[0].factors) {
      if (in_every_term(f)) {
        plan.shared = f;
        break;
      }
    }
  }
  for (const ProductTerm<E>& t : shape.terms) {
    typename RoundTerms<E>::Term term{t.coefficient, t.coefficient == E::one(), t.factors};
    if (plan.shared)
      term.factors.erase(std::find(term.factors.begin(), term.factors.end(), *plan.shared));
    plan.terms.push_back(std::move(term));
  }
  return plan;
}

}  // namespace detail

// Soundness error of one sumcheck (Lund-Fortnow-Karloff-Nisan; Thaler,
// "Proofs, Arguments, and Zero-Knowledge", Prop. 4.1): each round's
// polynomial has degree <= d, so a false claim survives a round with
// probability <= d/|E|; union bound over the rounds. Padding adds nothing:
// the verifier's checks become constraints that hold exactly iff the
// unpadded checks hold.
template <field::Field E>
double soundness_error(const SumcheckShape<E>& shape) {
  const double field_size =
      std::pow(static_cast<double>(E::Base::kModulus), static_cast<double>(E::kExtensionDegree));
  return static_cast<double>(shape.num_vars) * shape.degree() / field_size;
}

// Both sides: assign pad slots for `shape`.
template <field::Field E>
SumcheckPads<E> allocate_pads(WitnessLayout& layout, const SumcheckShape<E>& shape) {
  shape.validate();
  SumcheckPads<E> pads;
  const std::size_t sent = shape.sent_points().size();
  pads.rounds.resize(shape.num_vars);
  for (auto& round : pads.rounds) {
    for (std::size_t k = 0; k < sent; ++k) round.push_back(layout.allocate_ext<E>());
  }
  pads.finals.resize(shape.num_tables);
  for (std::size_t j = 0; j < shape.num_tables; ++j) {
    if (!shape.table_is_public[j]) pads.finals[j] = layout.allocate_ext<E>();
  }
  for (const auto& term : shape.terms) {
    for (const auto& subset : detail::subsets(detail::padded_factors(shape, term))) {
      if (pads.products.count(subset)) continue;
      if (subset.size() == 1) {
        pads.products[subset] = pads.finals[subset[0]];
        continue;
      }
      const std::vector<std::size_t> head(subset.begin(), subset.end() - 1);
      auto gadget =
          ExtProduct<E>::allocate(layout, pads.products.at(head), pads.finals[subset.back()]);
      pads.products[subset] = gadget.c;
      pads.product_gadgets.push_back(gadget);
    }
  }
  return pads;
}

// Prover: draw every pad from the CSPRNG and fill the pad products.
template <field::Field E>
void fill_pads(BaseWitness<E>& witness, const SumcheckShape<E>& shape,
               const SumcheckPads<E>& pads) {
  for (const auto& round : pads.rounds) {
    for (ExtSlots s : round) draw_pad<E>(witness, s);
  }
  for (std::size_t j = 0; j < shape.num_tables; ++j) {
    if (!shape.table_is_public[j]) draw_pad<E>(witness, pads.finals[j]);
  }
  for (const auto& gadget : pads.product_gadgets) gadget.fill(witness);
}

// Transcript steps of one sumcheck, under `prefix`.
template <field::Field E>
void append_schema(hash::TranscriptSchema& schema, const std::string& prefix,
                   const SumcheckShape<E>& shape) {
  for (unsigned i = 0; i < shape.num_vars; ++i) {
    schema.absorb(prefix + "round", hash::ValueType::field<E>());
    schema.squeeze(prefix + "challenge", hash::ValueType::field<E>());
  }
  schema.absorb(prefix + "final-evaluations", hash::ValueType::field<E>());
}

// What the prover sends (all values padded).
template <field::Field E>
struct SumcheckProof {
  std::vector<std::vector<E>> rounds;  // [round][sent point]
  std::vector<E> final_evaluations;    // one per non-public table, in table order

  void write(ByteWriter& w) const {
    for (const auto& round : rounds) {
      for (const E& v : round) v.write(w);
    }
    for (const E& v : final_evaluations) v.write(w);
  }
  static SumcheckProof read(ByteReader& r, const SumcheckShape<E>& shape) {
    SumcheckProof proof;
    const std::size_t sent = shape.sent_points().size();
    proof.rounds.assign(shape.num_vars, std::vector<E>(sent));
    for (auto& round : proof.rounds) {
      for (E& v : round) v = E::read(r);
    }
    for (std::size_t j = 0; j < shape.num_tables; ++j) {
      if (!shape.table_is_public[j]) proof.final_evaluations.push_back(E::read(r));
    }
    return proof;
  }
};

// Test-only: lets a cheating prover rewrite a round's evaluations (before
// padding) after seeing the transcript so far. Never set in production.
template <field::Field E>
using RoundTamper = std::function<void(unsigned round, std::vector<E>& evaluations)>;

template <field::Field E>
struct ProverOutput {
  SumcheckProof<E> proof;
  std::vector<E> point;              // r
  std::vector<E> table_evaluations;  // f_k(r) for every table (unpadded)
};

namespace detail {

// The eq factor of every term, never built (Table::eq): in round i the
// folded eq table is  scale * eq(point_i, X) * rest(x),  rest(x) =
// eq(point_{i+1..}, x). So p_i(X) = scale * eq(point_i, X) * q_i(X) with q_i
// of degree d - 1; q_i(1) follows from the running claim
// p_i(0) + p_i(1), and q_i(d) by interpolation.
template <field::Field E>
struct SplitEq {
  std::vector<E> point;
  std::vector<E> rest;
  E scale = E::one();
  std::optional<E> claim;  // unknown before the first round has been summed

  explicit SplitEq(std::vector<E> eq_point) : point(std::move(eq_point)) {
    if (!point.empty()) rest = eq_table_parallel<E>(std::span<const E>(point).subspan(1));
  }
  // eq(point_i, k) for the current round i.
  E linear(unsigned round, const E& k) const {
    const E& rho = point[round];
    return (E::one() - rho) * (E::one() - k) + rho * k;
  }
  // Points at which q_i must be summed: 0, 2, ..., d - 1, and 1 unless it
  // can be derived from the claim.
  std::vector<unsigned> summed_points(unsigned round, unsigned d) const {
    std::vector<unsigned> pts = {0};
    if (!claim || scale == E::zero() || point[round] == E::zero()) pts.push_back(1);
    for (unsigned k = 2; k < d; ++k) pts.push_back(k);
    return pts;
  }
  // p_i(0..d) from q_i at the `summed` points (summed_points(round, d)).
  std::vector<E> round_polynomial(unsigned round, unsigned d, const std::vector<unsigned>& summed,
                                  std::vector<E> q) const {
    if (std::find(summed.begin(), summed.end(), 1u) == summed.end()) {
      // claim = scale ((1 - rho) q(0) + rho q(1)), with one inversion.
      const E rho = point[round];
      q[1] = (*claim - scale * (E::one() - rho) * q[0]) * (scale * rho).inverse();
    }
    q.resize(d + 1);
    const std::vector<E> basis = lagrange_at<E>(d - 1, E::from_u64(d));
    q[d] = E::zero();
    for (unsigned k = 0; k < d; ++k) q[d] += basis[k] * q[k];
    std::vector<E> p(d + 1);
    for (unsigned k = 0; k <= d; ++k) p[k] = scale * linear(round, E::from_u64(k)) * q[k];
    return p;
  }
  void fold(unsigned round, const E& r, const std::vector<E>& p) {
    const std::vector<E> basis = lagrange_at<E>(static_cast<unsigned>(p.size() - 1), r);
    E next = E::zero();
    for (std::size_t k = 0; k < p.size(); ++k) next += basis[k] * p[k];
    claim = next;
    scale *= linear(round, r);
    // sum over the leading variable of rest: eq(rho, 0) + eq(rho, 1) = 1.
    const std::size_t half = rest.size() / 2;
#pragma omp parallel for schedule(static) if (half >= kParallelThreshold)
    for (std::size_t x = 0; x < half; ++x) rest[x] += rest[x + half];
    rest.resize(half);
  }
};

}  // namespace detail

// Prover. `tables` are consumed (folded in place); each has 2^num_vars entries.
template <field::Field E>
ProverOutput<E> prove(const SumcheckShape<E>& shape, std::vector<Table<E>> tables,
                      const SumcheckPads<E>& pads, const BaseWitness<E>& witness,
                      hash::Transcript& transcript, const std::string& prefix,
                      const RoundTamper<E>& tamper = {}) {
  shape.validate();
  if (tables.size() != shape.num_tables) fail("sumcheck prove: wrong number of tables");
  for (const auto& t : tables) {
    if (t.size() != (std::size_t{1} << shape.num_vars)) fail("sumcheck prove: wrong table size");
  }
  const unsigned d = shape.degree();
  const std::vector<unsigned> points = shape.sent_points();
  ProverOutput<E> out;

  std::optional<std::size_t> unbuilt_eq;
  for (std::size_t j = 0; j < tables.size() && !unbuilt_eq; ++j) {
    if (tables[j].is_unbuilt_eq()) unbuilt_eq = j;
  }
  detail::RoundTerms<E> plan = detail::round_terms(shape, unbuilt_eq);
  // The split-eq path needs the eq table to be the shared factor and to occur
  // once per term; any other unbuilt eq table is built here.
  std::optional<detail::SplitEq<E>> split;
  std::optional<std::size_t> split_table;
  const auto occurs_once_everywhere = [&](std::size_t f) {
    return std::all_of(shape.terms.begin(), shape.terms.end(), [&](const ProductTerm<E>& t) {
      return std::count(t.factors.begin(), t.factors.end(), f) == 1;
    });
  };
  if (plan.shared && tables[*plan.shared].is_unbuilt_eq() && occurs_once_everywhere(*plan.shared) &&
      shape.num_vars > 0 && d >= 2) {
    split_table = plan.shared;
    split.emplace(tables[*split_table].eq_point);
    plan.shared.reset();
  }
  for (std::size_t j = 0; j < tables.size(); ++j) {
    if (tables[j].is_unbuilt_eq() && j != split_table)
      tables[j].ext = eq_table_parallel<E>(tables[j].eq_point);
  }
  // With the split eq, round polynomials are summed without the eq factor,
  // one degree lower.
  const unsigned summed_degree = split ? d - 1 : d;

  std::size_t half = tables.empty() ? 0 : tables[0].size();
  std::vector<bool> is_base(tables.size());
  for (std::size_t j = 0; j < tables.size(); ++j) is_base[j] = tables[j].is_base();
  const detail::MixedRoundTerms<E> mixed_plan(plan, is_base);
  const detail::MixedRoundTerms<E> ext_plan(plan, std::vector<bool>(tables.size(), false));
  for (unsigned round = 0; round < shape.num_vars; ++round) {
    half /= 2;
    const bool mixed =
        round == 0 && std::find(is_base.begin(), is_base.end(), true) != is_base.end();
    const std::vector<unsigned> summed = split ? split->summed_points(round, d) : points;
    // Indexed by point; without the split eq, p(1) stays unset: the verifier
    // derives it.
    std::vector<E> evals;
    std::vector<detail::RoundTable<E>> views(tables.size());
    for (std::size_t j = 0; j < tables.size(); ++j) {
      if (j == split_table) continue;
      if (tables[j].is_base()) {
        views[j].base = tables[j].base.data();
      } else {
        views[j].ext = tables[j].ext.data();
      }
    }
    if (!detail::try_packed_round_sums<E>(mixed ? mixed_plan : ext_plan, views, half, summed_degree,
                                          summed, split ? split->rest.data() : nullptr, evals)) {
      evals =
          detail::scalar_round_sums<E>(mixed ? mixed_plan : ext_plan, views, half, summed_degree,
                                       summed, split ? split->rest.data() : nullptr);
    }
    if (split) evals = split->round_polynomial(round, d, summed, std::move(evals));
    const std::vector<E> honest = evals;
    if (tamper) tamper(round, evals);
    std::vector<E> sent;
    for (std::size_t i = 0; i < points.size(); ++i) {
      sent.push_back(evals[points[i]] + read_ext<E>(witness, pads.rounds[round][i]));
    }
    transcript.absorb_field<E>(prefix + "round", sent);
    out.proof.rounds.push_back(std::move(sent));
    const E r = transcript.challenge<E>(prefix + "challenge");
    out.point.push_back(r);
    if (split) split->fold(round, r, honest);
    for (std::size_t j = 0; j < tables.size(); ++j) {
      if (j == split_table) continue;
      Table<E>& t = tables[j];
      if (t.is_base()) {
        // The first challenge moves a base table into E.
        t.ext.resize(half);
        if (!detail::try_packed_fold_base(t.base, t.ext, half, r)) {
#pragma omp parallel for schedule(static) if (half >= kParallelThreshold)
          for (std::size_t x = 0; x < half; ++x)
            t.ext[x] = field::lift<E>(t.base[x]) + r * (t.base[x + half] - t.base[x]);
        }
        t.base = {};
        continue;
      }
      if (!detail::try_packed_fold(t.ext, half, r)) {
#pragma omp parallel for schedule(static) if (half >= kParallelThreshold)
        for (std::size_t x = 0; x < half; ++x) t.ext[x] += r * (t.ext[x + half] - t.ext[x]);
      }
      t.ext.resize(half);
    }
  }
  for (std::size_t j = 0; j < tables.size(); ++j) {
    E value;
    if (j == split_table) {
      value = split->scale;
    } else {
      value = tables[j].is_base() ? field::lift<E>(tables[j].base[0]) : tables[j].ext[0];
    }
    out.table_evaluations.push_back(value);
    if (!shape.table_is_public[j]) {
      out.proof.final_evaluations.push_back(value + read_ext<E>(witness, pads.finals[j]));
    }
  }
  transcript.absorb_field<E>(prefix + "final-evaluations", out.proof.final_evaluations);
  return out;
}

// Every table in E.
template <field::Field E>
ProverOutput<E> prove(const SumcheckShape<E>& shape, std::vector<std::vector<E>> tables,
                      const SumcheckPads<E>& pads, const BaseWitness<E>& witness,
                      hash::Transcript& transcript, const std::string& prefix,
                      const RoundTamper<E>& tamper = {}) {
  std::vector<Table<E>> wrapped(std::make_move_iterator(tables.begin()),
                                std::make_move_iterator(tables.end()));
  return prove(shape, std::move(wrapped), pads, witness, transcript, prefix, tamper);
}

template <field::Field E>
struct VerifierOutput {
  std::vector<E> point;
  // Linear form of f_k(r) for every non-public table k (public: constant).
  std::vector<LinearForm<E>> table_evaluations;
};

// Verifier. `claim` is the claimed sum (possibly itself padded). Public
// tables are evaluated at r by `public_evaluation(table, r)`. Appends the
// round-chain and final-product constraints to `cs`.
template <field::Field E>
VerifierOutput<E> verify(
    const SumcheckShape<E>& shape, const LinearForm<E>& claim, const SumcheckProof<E>& proof,
    const SumcheckPads<E>& pads,
    const std::function<E(std::size_t, const std::vector<E>&)>& public_evaluation,
    hash::Transcript& transcript, const std::string& prefix, ConstraintSystem<E>& cs) {
  shape.validate();
  const unsigned d = shape.degree();
  const std::vector<unsigned> points = shape.sent_points();
  if (proof.rounds.size() != shape.num_vars) fail("sumcheck proof: wrong number of rounds");
  VerifierOutput<E> out;
  std::vector<std::vector<E>> bases;  // Lagrange basis at each round's challenge
  for (unsigned round = 0; round < shape.num_vars; ++round) {
    const auto& sent = proof.rounds[round];
    if (sent.size() != points.size()) fail("sumcheck proof: wrong round size");
    transcript.absorb_field<E>(prefix + "round", sent);
    const E r = transcript.challenge<E>(prefix + "challenge");
    out.point.push_back(r);
    bases.push_back(detail::lagrange_at<E>(d, r));
  }
  // Round k's claim is c_{k+1} = p_k(r_k) = L_1 c_k + (L_0 - L_1) p_k(0) +
  // sum_{j >= 2} L_j p_k(j), since p_k(1) = c_k - p_k(0), where p_k(j) is the
  // sent value minus its pad. Unrolled from the last round, the claim enters
  // once, scaled by the product of every round's L_1, and each round's forms
  // once, scaled by the later rounds' L_1: linear in the number of rounds, where
  // carrying c_k round by round rescales every earlier term each round.
  LinearForm<E> current;
  E later_scale = E::one();
  for (unsigned round = shape.num_vars; round-- > 0;) {
    const std::vector<E>& basis = bases[round];
    for (std::size_t i = 0; i < points.size(); ++i) {
      const unsigned k = points[i];
      const E coeff = later_scale * (k == 0 ? basis[0] - basis[1] : basis[k]);
      current.constant += coeff * proof.rounds[round][i];
      current.add_ext(pads.rounds[round][i], -coeff);
    }
    later_scale *= basis[1];
  }
  current += claim.scaled(later_scale);

  std::size_t padded_count = 0;
  for (std::size_t j = 0; j < shape.num_tables; ++j)
    padded_count += shape.table_is_public[j] ? 0 : 1;
  if (proof.final_evaluations.size() != padded_count)
    fail("sumcheck proof: wrong number of evaluations");
  transcript.absorb_field<E>(prefix + "final-evaluations", proof.final_evaluations);

  std::vector<E> sent_value(shape.num_tables, E::zero());
  std::size_t next_padded = 0;
  for (std::size_t j = 0; j < shape.num_tables; ++j) {
    if (shape.table_is_public[j]) {
      sent_value[j] = public_evaluation(j, out.point);
      out.table_evaluations.push_back(LinearForm<E>::constant_value(sent_value[j]));
    } else {
      sent_value[j] = proof.final_evaluations[next_padded++];
      LinearForm<E> v = LinearForm<E>::constant_value(sent_value[j]);
      v.add_ext(pads.finals[j], -E::one());
      out.table_evaluations.push_back(std::move(v));
    }
  }

  // sum_t c_t prod_k (e_k - rho_k), expanded over subsets S of the padded
  // factors: prod_{k not in S} e_k * (-1)^|S| * rho_S, rho_S committed.
  LinearForm<E> expected;
  for (const auto& term : shape.terms) {
    E public_part = term.coefficient;
    for (std::size_t f : term.factors) {
      if (shape.table_is_public[f]) public_part *= sent_value[f];
    }
    const std::vector<std::size_t> padded = detail::padded_factors(shape, term);
    for (unsigned mask = 0; mask < (1u << padded.size()); ++mask) {
      E coeff = public_part;
      std::vector<std::size_t> chosen;
      for (unsigned i = 0; i < padded.size(); ++i) {
        if (mask >> i & 1) {
          chosen.push_back(padded[i]);
          coeff = -coeff;
        } else {
          coeff *= sent_value[padded[i]];
        }
      }
      if (chosen.empty()) {
        expected.constant += coeff;
      } else {
        expected.add_ext(pads.products.at(chosen), coeff);
      }
    }
  }
  cs.require_equal(current, std::move(expected));
  for (const auto& gadget : pads.product_gadgets) gadget.constrain(cs);
  return out;
}

}  // namespace zkinfer::sumcheck
