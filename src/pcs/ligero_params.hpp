// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "field/extension.hpp"

// Shape of a ZK-Ligero tableau and the soundness it gives. The construction,
// every formula and its source: docs/ligero.md.
namespace zkinfer::pcs {

// Opened columns per proof (NREQ). The smallest count for which
// ligero_security() reports at least 100 bits for every witness size up to
// 2^30 at the default rate, over GF(p^2) (tested).
inline constexpr std::size_t kDefaultLigeroQueries = 246;
// Codewords are 2 * BLOCK * 2^log_rate_inv long: inverse rate 4 for products
// of two rows (degree < 2 BLOCK), 8 for single rows (degree < BLOCK).
inline constexpr unsigned kDefaultLigeroLogRateInv = 2;

// log2 |GF(p^2)|, the field every Ligero challenge is drawn from.
double log2_challenge_field_size();

// The fields a tableau is built over, as far as its shape, size and
// soundness depend on them: the base field F (modulus, element bytes) and
// the challenge field E = F or GF(p^2) (degree [E : F]). The defaults are
// the production pair, Goldilocks and GF(p^2); `of<E>()` describes any
// challenge field ZK-Ligero is instantiated for (ligero.hpp).
struct LigeroFieldInfo {
  std::uint64_t modulus = field::Goldilocks::kModulus;
  unsigned degree = field::GoldilocksExt2::kExtensionDegree;
  std::size_t base_bytes = field::Goldilocks::kBytes;

  template <class E>
  static constexpr LigeroFieldInfo of() {
    return {E::Base::kModulus, E::kExtensionDegree, E::Base::kBytes};
  }
  std::size_t challenge_bytes() const { return degree * base_bytes; }
  double log2_challenge_size() const;
  // Codewords live on g * <w_N> (g a generator): N must divide p - 1 and the
  // coset must miss <w_N>, i.e. N < p - 1. So N <= 2^two-adicity, one less
  // power of two when p - 1 is itself a power of two (e.g. 257, 65537).
  unsigned max_log_columns() const;
  bool operator==(const LigeroFieldInfo&) const = default;
};

// Base-field rows of the tableau, in this order, for D = [E : F] (2 in
// production: LigeroRows). Each blinding row is an E polynomial committed as
// its D coordinate rows.
//   [0, D)    narrow LDT blinding row: degree < BLOCK
//   [D, 2D)   wide LDT blinding row:   degree < 2 BLOCK
//   [2D, 3D)  dot-test blinding row:   degree < 2 BLOCK, sums to 0 on witness positions
//   [3D, 4D)  quad-test blinding row:  degree < 2 BLOCK, 0 on witness positions
//   [4D, 4D + witness_rows)            witness rows: [NREQ random | WR witness]
//   then quadratic_triples() rows each of Qx, Qy, Qz: [NREQ random | WR copies]
//   then pad_rows() rows holding the row sumcheck's 2 D row_rounds() pad
//   coordinates: [NREQ random | WR pad coordinates] (the last zero-padded)
template <unsigned D>
struct BasicLigeroRows {
  static constexpr std::size_t kNarrowBlind = 0;
  static constexpr std::size_t kWideBlind = D;
  static constexpr std::size_t kDotBlind = 2 * D;
  static constexpr std::size_t kQuadBlind = 3 * D;
  static constexpr std::size_t kFirstData = 4 * D;
};
using LigeroRows = BasicLigeroRows<field::GoldilocksExt2::kExtensionDegree>;

struct LigeroParams {
  std::size_t n_witness = 0;    // NW: committed base-field slots
  std::size_t n_quadratic = 0;  // NQ: quadratic constraints of the layout
  std::size_t nreq = 0;         // opened columns = random symbols per data row
  std::size_t block = 0;        // BLOCK = NREQ + WR, a power of two
  unsigned log_rate_inv = 0;    // columns() = 2 * BLOCK * 2^log_rate_inv
  // Not written into the transcript: the instantiation fixes it, and every
  // transcript step carries its element width.
  LigeroFieldInfo field;

  // Validates explicit parameters (throws Error): n_witness >= 1,
  // 1 <= nreq < block, block a power of two, columns() <= 2^max_log_columns.
  static LigeroParams make(std::size_t n_witness, std::size_t n_quadratic, std::size_t nreq,
                           std::size_t block, unsigned log_rate_inv,
                           const LigeroFieldInfo& field = {});
  // The rule of docs/ligero.md: among powers of two BLOCK >= 2 * nreq (so
  // that a data row is at least half witness), the one with the smallest
  // proof_bytes_estimate(); ties go to the smaller BLOCK (less prover work).
  static LigeroParams choose(std::size_t n_witness, std::size_t n_quadratic,
                             std::size_t nreq = kDefaultLigeroQueries,
                             unsigned log_rate_inv = kDefaultLigeroLogRateInv,
                             const LigeroFieldInfo& field = {});

  std::size_t wr() const { return block - nreq; }
  std::size_t witness_rows() const { return (n_witness + wr() - 1) / wr(); }
  std::size_t quadratic_triples() const { return (n_quadratic + wr() - 1) / wr(); }
  // Rows holding witness values or copies of them: the rows the linear
  // forms constrain, which the row sumcheck of the linear test collapses.
  std::size_t constrained_rows() const { return witness_rows() + 3 * quadratic_triples(); }
  // Rounds of that sumcheck: one per variable of the row index.
  std::size_t row_rounds() const;
  // Rows holding the pads of the sumcheck's messages (one in production).
  std::size_t pad_rows() const { return (2 * field.degree * row_rounds() + wr() - 1) / wr(); }
  // The constrained rows and the pad rows: the rows the narrow low-degree
  // test combines.
  std::size_t data_rows() const { return constrained_rows() + pad_rows(); }
  // Four blinding polynomials of field.degree coordinate rows each.
  std::size_t blinding_rows() const { return 4 * field.degree; }
  std::size_t rows() const { return blinding_rows() + data_rows(); }
  std::size_t columns() const { return (2 * block) << log_rate_inv; }
  unsigned log_block() const;
  unsigned log_columns() const { return log_block() + 1 + log_rate_inv; }

  // Proof bytes, exact except for the Merkle siblings (their expected count
  // for uniformly random distinct queries).
  std::size_t proof_bytes_estimate() const;

  // Canonical encoding, bound into the transcript with the statement.
  void write(ByteWriter& w) const;
  bool operator==(const LigeroParams&) const = default;
};

// Soundness of one ZK-Ligero proof, as bits = -log2(error probability). The
// proximity parameter e is shared by both low-degree tests and chosen to
// maximise total_bits. Formulas and sources: docs/ligero.md.
struct LigeroSecurity {
  double log2_field_size = 0;          // log2 |E| the terms were computed for
  std::size_t e = 0;                   // proximity parameter (columns)
  double proximity_bits = 0;           // both low-degree tests, Ligero bound (e < d/3)
  double proximity_batching_bits = 0;  // their (e + 1)/|E| parts
  double proximity_query_bits = 0;     // their query parts
  double linear_bits = 0;              // linear test (row sumcheck + dot), given proximity
  double quadratic_bits = 0;           // quadratic test, given proximity
  double total_bits = 0;               // -log2 of the sum of every error term
  // For comparison only: t * log2(1 / (1 - delta)), delta = (1 - rho) / 2,
  // rho = BLOCK / columns: the unique-decoding-radius figure behind
  // Longfellow's "86+ bits" comment (docs/ligero.md); not a bound we claim.
  double unique_decoding_comparison_bits = 0;
};

// For challenges from params.field, or from a field of 2^log2_field_size.
LigeroSecurity ligero_security(const LigeroParams& params);
LigeroSecurity ligero_security(const LigeroParams& params, double log2_field_size);

// The error terms of docs/ligero.md at proximity parameter e, as
// probabilities, for one low-degree test, the quadratic and the linear test;
// ligero_security sums them over the tests and picks e. The soundness
// experiments (tests/pcs/ligero_tiny_field_test.cpp) compare measured
// cheating rates with them.
struct LigeroErrorTerms {
  double ldt_batching = 0;  // (e + 1) / |E|
  double ldt_queries = 0;   // C(n - e, t) / C(n, t)
  double ldt = 0;           // their sum
  double test = 0;          // 1 / |E| + C(2e + 2 BLOCK - 1, t) / C(n, t): the quadratic test
  double linear = 0;        // test + 2 row_rounds / |E| (the row sumcheck): the linear test
};
LigeroErrorTerms ligero_error_terms(const LigeroParams& params, std::size_t e,
                                    double log2_field_size);
// The largest proximity parameter the Ligero lemma allows for both codes:
// e < d / 3 with d = columns - 2 BLOCK + 1, the wide code's distance.
std::size_t ligero_max_proximity(const LigeroParams& params);

// The report `zkinfer params` prints: shape, proof size and every term.
std::string describe(const LigeroParams& params, const LigeroSecurity& security);

}  // namespace zkinfer::pcs
