// SPDX-License-Identifier: Apache-2.0
#include "pcs/ligero_params.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "base/error.hpp"
#include "field/extension.hpp"
#include "hash/merkle.hpp"

namespace zkinfer::pcs {
namespace {

using field::Goldilocks;

constexpr double kMinusInfinity = -std::numeric_limits<double>::infinity();

// log2 of C(n - m, t) / C(n, t): the probability that t distinct uniform
// columns out of n all miss a fixed set of m columns (-inf if they cannot).
double log2_all_miss(std::size_t n, std::size_t m, std::size_t t) {
  if (m > n || t > n - m) return kMinusInfinity;
  double acc = 0;
  for (std::size_t i = 0; i < t; ++i) {
    acc += std::log1p(-static_cast<double>(m) / static_cast<double>(n - i)) / std::log(2.0);
  }
  return acc;
}

// log2 of C(a, t) / C(n, t): all t queries land in a fixed set of a columns.
double log2_all_inside(std::size_t n, std::size_t a, std::size_t t) {
  return log2_all_miss(n, n - std::min(a, n), t);
}

// log2(2^x + 2^y) without leaving the log domain.
double log2_add(double x, double y) {
  if (x < y) std::swap(x, y);
  if (y == kMinusInfinity) return x;
  return x + std::log2(1.0 + std::exp2(y - x));
}

double bits(double log2_error) {
  return -log2_error;
}

// Error terms for proximity parameter e (log2 of probabilities).
struct Terms {
  double batching;  // one low-degree test: (e + 1) / |E|
  double queries;   // one low-degree test: C(n - e, t) / C(n, t)
  double test;      // the quadratic test
  double linear;    // the linear test: the quadratic test's terms and the row sumcheck's
  // Both low-degree tests, the linear and the quadratic test (union bound).
  double total() const {
    return log2_add(1.0 + log2_add(batching, queries), log2_add(linear, test));
  }
};

Terms terms_for(const LigeroParams& p, std::size_t e, double log2_field) {
  const std::size_t n = p.columns(), t = p.nreq;
  Terms terms;
  terms.batching = std::log2(static_cast<double>(e) + 1.0) - log2_field;
  terms.queries = log2_all_miss(n, e, t);
  // A response of degree < 2 BLOCK that differs from the honest one agrees
  // with it on < 2 BLOCK columns; errors of either tested row group add e each.
  terms.test = log2_add(-log2_field, log2_all_inside(n, 2 * e + 2 * p.block - 1, t));
  // Each round of the row sumcheck sends a polynomial of degree 2: a false
  // one survives a uniform challenge with probability 2/|E|.
  const double rounds = static_cast<double>(p.row_rounds());
  terms.linear =
      rounds == 0 ? terms.test : log2_add(terms.test, std::log2(2.0 * rounds) - log2_field);
  return terms;
}

// Expected number of sibling digests in a compressed Merkle opening of t
// distinct uniform leaves out of n = 2^L (docs/ligero.md): at each level, a
// pair of nodes with exactly one node above a query contributes one sibling.
double expected_merkle_siblings(std::size_t n, std::size_t t) {
  double expected = 0;
  for (std::size_t span = 1; span < n; span *= 2) {
    const double miss_one = std::exp2(log2_all_miss(n, span, t));
    const double miss_pair = std::exp2(log2_all_miss(n, 2 * span, t));
    expected += static_cast<double>(n / (2 * span)) * 2.0 * (miss_one - miss_pair);
  }
  return expected;
}

}  // namespace

double log2_challenge_field_size() {
  return LigeroFieldInfo{}.log2_challenge_size();
}

double LigeroFieldInfo::log2_challenge_size() const {
  return degree * std::log2(static_cast<double>(modulus));
}

unsigned LigeroFieldInfo::max_log_columns() const {
  const std::uint64_t order = modulus - 1;
  const auto two_adicity = static_cast<unsigned>(std::countr_zero(order));
  return std::has_single_bit(order) ? two_adicity - 1 : two_adicity;
}

std::size_t LigeroParams::row_rounds() const {
  const std::size_t r = constrained_rows();
  return r <= 1 ? 0 : static_cast<std::size_t>(std::bit_width(r - 1));
}

unsigned LigeroParams::log_block() const {
  return static_cast<unsigned>(std::countr_zero(block));
}

LigeroParams LigeroParams::make(std::size_t n_witness, std::size_t n_quadratic, std::size_t nreq,
                                std::size_t block, unsigned log_rate_inv,
                                const LigeroFieldInfo& field) {
  require(n_witness >= 1, "Ligero: the witness must have at least one slot");
  require(nreq >= 1, "Ligero: at least one column must be opened");
  require(std::has_single_bit(block) && block > nreq,
          "Ligero: BLOCK must be a power of two above NREQ");
  const unsigned max_log = field.max_log_columns();
  if (std::countr_zero(block) + 1 + log_rate_inv > max_log) {
    fail("Ligero: more than 2^" + std::to_string(max_log) + " columns, the field's limit");
  }
  LigeroParams p;
  p.n_witness = n_witness;
  p.n_quadratic = n_quadratic;
  p.nreq = nreq;
  p.block = block;
  p.log_rate_inv = log_rate_inv;
  p.field = field;
  return p;
}

LigeroParams LigeroParams::choose(std::size_t n_witness, std::size_t n_quadratic, std::size_t nreq,
                                  unsigned log_rate_inv, const LigeroFieldInfo& field) {
  require(nreq >= 1, "Ligero: at least one column must be opened");
  LigeroParams best;
  std::size_t best_bytes = std::numeric_limits<std::size_t>::max();
  for (std::size_t block = std::bit_ceil(2 * nreq);
       std::countr_zero(block) + 1 + log_rate_inv <= field.max_log_columns(); block *= 2) {
    const LigeroParams p = make(n_witness, n_quadratic, nreq, block, log_rate_inv, field);
    const std::size_t bytes = p.proof_bytes_estimate();
    if (bytes < best_bytes) {
      best = p;
      best_bytes = bytes;
    }
    // Past one row per group every doubling only lengthens the responses.
    if (p.witness_rows() == 1 && p.quadratic_triples() <= 1) break;
  }
  require(best_bytes != std::numeric_limits<std::size_t>::max(),
          "Ligero: no BLOCK fits these parameters");
  return best;
}

std::size_t LigeroParams::proof_bytes_estimate() const {
  // ldt (BLOCK), wide ldt and dot (2 BLOCK each), quad (2 BLOCK minus the
  // witness positions, which are zero by construction and not sent), two
  // elements per round of the row sumcheck.
  const std::size_t responses =
      field.challenge_bytes() * (block + 2 * (2 * block) + (2 * block - wr()) + 2 * row_rounds());
  const std::size_t columns_bytes = nreq * (rows() * field.base_bytes + hash::kSaltBytes);
  const double siblings = expected_merkle_siblings(columns(), nreq);
  return responses + columns_bytes + 4 +
         static_cast<std::size_t>(std::ceil(siblings)) * sizeof(hash::Digest);
}

void LigeroParams::write(ByteWriter& w) const {
  w.u64(n_witness);
  w.u64(n_quadratic);
  w.u64(nreq);
  w.u64(block);
  w.u32(log_rate_inv);
}

LigeroErrorTerms ligero_error_terms(const LigeroParams& p, std::size_t e, double log2_field_size) {
  const Terms t = terms_for(p, e, log2_field_size);
  LigeroErrorTerms out;
  out.ldt_batching = std::exp2(t.batching);
  out.ldt_queries = std::exp2(t.queries);
  out.ldt = std::exp2(log2_add(t.batching, t.queries));
  out.test = std::exp2(t.test);
  out.linear = std::exp2(t.linear);
  return out;
}

std::size_t ligero_max_proximity(const LigeroParams& p) {
  // e < (n - 2k + 1) / 3, i.e. 3e <= n - 2k.
  return (p.columns() - 2 * p.block) / 3;
}

LigeroSecurity ligero_security(const LigeroParams& p) {
  return ligero_security(p, p.field.log2_challenge_size());
}

LigeroSecurity ligero_security(const LigeroParams& p, double log2_field_size) {
  const std::size_t k = p.block;
  const auto total = [&](std::size_t e) { return terms_for(p, e, log2_field_size).total(); };
  // The total is convex in e (query terms move in opposite directions), so
  // a ternary search over the integers finds its minimum.
  std::size_t lo = 0, hi = ligero_max_proximity(p);
  while (hi - lo > 2) {
    const std::size_t m1 = lo + (hi - lo) / 3, m2 = hi - (hi - lo) / 3;
    if (total(m1) <= total(m2)) {
      hi = m2;
    } else {
      lo = m1;
    }
  }
  std::size_t e = lo;
  for (std::size_t c = lo + 1; c <= hi; ++c) {
    if (total(c) < total(e)) e = c;
  }
  const Terms t = terms_for(p, e, log2_field_size);
  LigeroSecurity s;
  s.log2_field_size = log2_field_size;
  s.e = e;
  // Both low-degree tests: twice each term.
  s.proximity_batching_bits = bits(1.0 + t.batching);
  s.proximity_query_bits = bits(1.0 + t.queries);
  s.proximity_bits = bits(1.0 + log2_add(t.batching, t.queries));
  s.linear_bits = bits(t.linear);
  s.quadratic_bits = bits(t.test);
  s.total_bits = bits(t.total());
  const double delta = (1.0 - static_cast<double>(k) / static_cast<double>(p.columns())) / 2.0;
  s.unique_decoding_comparison_bits = -static_cast<double>(p.nreq) * std::log2(1.0 - delta);
  return s;
}

std::string describe(const LigeroParams& p, const LigeroSecurity& s) {
  char buf[2048];
  std::snprintf(
      buf, sizeof buf,
      "ZK-Ligero\n"
      "  witness slots NW              %zu\n"
      "  quadratic constraints NQ      %zu\n"
      "  opened columns NREQ           %zu\n"
      "  BLOCK = NREQ + WR             %zu = %zu + %zu\n"
      "  rows (%zu blinding + data)      %zu\n"
      "  columns N                     %zu (inverse rate %zu for products, %zu for rows)\n"
      "  proof bytes (estimate)        %zu\n"
      "soundness, bits = -log2(error), challenges in a field of 2^%.2f\n"
      "  low-degree tests, Ligero e < d/3, e = %zu\n"
      "    batching (e+1)/|E|, x2      %.1f\n"
      "    queries C(n-e,t)/C(n,t), x2 %.1f\n"
      "    together                    %.1f\n"
      "  linear test                   %.1f\n"
      "  quadratic test                %.1f\n"
      "  total                         %.1f\n"
      "  for comparison, unique-decoding figure t*log2(1/(1-(1-rho)/2)): %.1f\n",
      p.n_witness, p.n_quadratic, p.nreq, p.block, p.nreq, p.wr(), p.blinding_rows(), p.rows(),
      p.columns(), std::size_t{1} << p.log_rate_inv, std::size_t{2} << p.log_rate_inv,
      p.proof_bytes_estimate(), s.log2_field_size, s.e, s.proximity_batching_bits,
      s.proximity_query_bits, s.proximity_bits, s.linear_bits, s.quadratic_bits, s.total_bits,
      s.unique_decoding_comparison_bits);
  return buf;
}

}  // namespace zkinfer::pcs
