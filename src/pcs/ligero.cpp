// SPDX-License-Identifier: Apache-2.0
#include "pcs/ligero.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdlib>
#include <functional>
#include <limits>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "base/big_array.hpp"
#include "base/error.hpp"
#include "base/os_random.hpp"
#include "field/goldilocks_vec.hpp"
#include "pcs/coordinates.hpp"
#include "poly/multilinear.hpp"
#include "poly/ntt.hpp"

namespace zkinfer::pcs {
namespace {

using hash::Digest;
using hash::Salt;
using sumcheck::QuadraticConstraint;

// Every template below is over the challenge field E; rows, codewords and
// opened columns are over its base field F = E::Base, and an E value that
// the prover computes row-wise is kept as D = [E : F] coordinate vectors.
template <class E>
using BaseOf = typename E::Base;
template <class E>
constexpr std::size_t kDegree = E::kExtensionDegree;
template <class E>
using RowsOf = BasicLigeroRows<E::kExtensionDegree>;
// D base-field vectors (or spans), one per coordinate.
template <class E, class V>
using PerCoordinate = std::array<V, kDegree<E>>;

// ---- Fiat–Shamir -------------------------------------------------------------

constexpr const char* kCommitmentLabel = "ligero/commitment";
constexpr const char* kParamsLabel = "ligero/params";
constexpr const char* kStatementLabel = "ligero/statement";
constexpr const char* kLdtChallengesLabel = "ligero/ldt-challenges";
constexpr const char* kLdtLabel = "ligero/ldt";
constexpr const char* kWideLdtLabel = "ligero/wide-ldt";
constexpr const char* kAlphaLabel = "ligero/alpha";
constexpr const char* kRowRoundLabel = "ligero/row-sumcheck";
constexpr const char* kRowChallengeLabel = "ligero/row-challenge";
constexpr const char* kDotLabel = "ligero/dot";
constexpr const char* kQuadChallengesLabel = "ligero/quad-challenges";
constexpr const char* kQuadLabel = "ligero/quad";
constexpr const char* kQueriesLabel = "ligero/queries";
constexpr const char* kOpeningsLabel = "ligero/openings";

// The wide low-degree test combines the coordinate rows of the dot and quad
// blinding polynomials (its own blinding row enters with coefficient 1).
template <class E>
constexpr std::size_t kWideTestedRows = 2 * kDegree<E>;

// The proof's transcript steps with their counts. Prover and verifier both
// go through this class, in the order schema_proof declares.
template <class E>
class ProofTranscript {
 public:
  ProofTranscript(hash::Transcript& t, const LigeroParams& p) : t_(t), p_(p) {}

  // The tableau shape, then the constraints: fixed before any challenge.
  void statement(const Digest& digest) {
    ByteWriter params;
    p_.write(params);
    t_.absorb_bytes(kParamsLabel, params.bytes());
    t_.absorb_digest(kStatementLabel, digest);
  }
  // One challenge per data row (narrow test), then one per wide-tested row.
  std::vector<E> ldt_challenges() {
    return t_.challenges<E>(kLdtChallengesLabel, p_.data_rows() + kWideTestedRows<E>);
  }
  void ldt(std::span<const E> narrow, std::span<const E> wide) {
    t_.absorb_field<E>(kLdtLabel, narrow);
    t_.absorb_field<E>(kWideLdtLabel, wide);
  }
  // One per linear constraint, then three per quadratic constraint (its copy
  // constraints).
  std::vector<E> alpha(std::size_t n_linear) {
    return t_.challenges<E>(kAlphaLabel, n_linear + 3 * p_.n_quadratic);
  }
  // One round of the row sumcheck: its two padded values, then its challenge.
  E row_round(std::span<const E> message) {
    t_.absorb_field<E>(kRowRoundLabel, message);
    return t_.challenge<E>(kRowChallengeLabel);
  }
  void dot(std::span<const E> response) { t_.absorb_field<E>(kDotLabel, response); }
  std::vector<E> quad_challenges() {
    return t_.challenges<E>(kQuadChallengesLabel, p_.quadratic_triples());
  }
  void quad(std::span<const E> response) { t_.absorb_field<E>(kQuadLabel, response); }
  // Distinct and uniform; sorted for the Merkle opening.
  std::vector<std::size_t> queries() {
    std::vector<std::size_t> q = t_.query_indices(kQueriesLabel, p_.nreq, p_.columns());
    std::sort(q.begin(), q.end());
    return q;
  }
  void openings(ByteSpan bytes) { t_.absorb_bytes(kOpeningsLabel, bytes); }

 private:
  hash::Transcript& t_;
  const LigeroParams& p_;
};

// ---- Storage -----------------------------------------------------------------

// Row-major, uninitialised like BigArray.
template <class F>
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) : cols_(cols), data_(rows * cols) {}
  std::span<F> row(std::size_t r) { return data_.span().subspan(r * cols_, cols_); }
  std::span<const F> row(std::size_t r) const { return data_.span().subspan(r * cols_, cols_); }

 private:
  std::size_t cols_ = 0;
  BigArray<F> data_;
};

template <class E>
class LigeroProverData final : public ProverData {
 public:
  using F = BaseOf<E>;
  LigeroParams params;
  WitnessLayout layout;
  Matrix<F> data_coeffs;    // data_rows() x BLOCK: coefficients of the data rows
  Matrix<F> blind_coeffs;   // 4D x 2 BLOCK: coefficients of the blinding rows
  Matrix<F> codewords;      // rows() x N: the tableau
  std::vector<E> row_pads;  // 2 row_rounds(): the pads of the row sumcheck's messages
  std::vector<Salt> salts;
  std::optional<hash::MerkleTree> tree;
};

// ---- Small helpers -----------------------------------------------------------

std::uint64_t load_le(const std::uint8_t* b) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(b[i]) << (8 * i);
  return v;
}

// The canonical encoding of an element: its value in F::kBytes little-endian bytes.
template <class F>
void store_le(std::uint8_t* b, F x) {
  const std::uint64_t v = x.value();
  for (std::size_t i = 0; i < F::kBytes; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Uniform elements by F::sample on 64-bit words: one word per element from a
// single draw, a fresh word from `random` for each rejection (for
// Goldilocks a word >= p has probability 2^-32).
template <class F>
void fill_uniform(std::span<F> out, const RandomBytes& random) {
  std::vector<std::uint8_t> bytes(out.size() * 8);
  random(bytes);
  for (std::size_t i = 0; i < out.size(); ++i) {
    bool first = true;
    out[i] = F::sample([&] {
      if (first) {
        first = false;
        return load_le(bytes.data() + 8 * i);
      }
      std::array<std::uint8_t, 8> word;
      random(word);
      return load_le(word.data());
    });
  }
}

// Element-wise kernels: the SIMD ones for Goldilocks, plain loops otherwise.
// `out` may alias an input.
template <class F>
struct Vec {
  static void add(std::span<F> out, std::span<const F> a, std::span<const F> b) {
    if constexpr (std::is_same_v<F, Goldilocks>) {
      field::vec::add(out, a, b);
    } else {
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[i] + b[i];
    }
  }
  static void sub(std::span<F> out, std::span<const F> a, std::span<const F> b) {
    if constexpr (std::is_same_v<F, Goldilocks>) {
      field::vec::sub(out, a, b);
    } else {
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[i] - b[i];
    }
  }
  static void mul(std::span<F> out, std::span<const F> a, std::span<const F> b) {
    if constexpr (std::is_same_v<F, Goldilocks>) {
      field::vec::mul(out, a, b);
    } else {
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[i] * b[i];
    }
  }
  static void scale(std::span<F> out, std::span<const F> a, F c) {
    if constexpr (std::is_same_v<F, Goldilocks>) {
      field::vec::scale(out, a, c);
    } else {
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[i] * c;
    }
  }
};

// Witness positions inside H2 = <w_2BLOCK>: the even indices 2c (c in
// [NREQ, BLOCK)), i.e. the points of H that carry witness symbols.
bool is_witness_position(const LigeroParams& p, std::size_t h2_index) {
  return h2_index % 2 == 0 && h2_index / 2 >= p.nreq;
}

// Loops over fewer elements than this run on the calling thread: waking a
// team costs microseconds (far more on an oversubscribed machine), which
// small commitments would pay many times over.
constexpr std::size_t kParallelMinWork = std::size_t{1} << 16;

// body(i) for every row i < n, spread over threads when the n rows hold at
// least kParallelMinWork elements of work in all.
void parallel_rows(std::size_t n, std::size_t work, const std::function<void(std::size_t)>& body) {
#pragma omp parallel for schedule(dynamic, 1) if (work >= kParallelMinWork)
  for (std::ptrdiff_t i = 0; i < static_cast<std::ptrdiff_t>(n); ++i) {
    body(static_cast<std::size_t>(i));
  }
}

// acc += s * x, coordinate-wise for an E scalar s and a base-field vector x,
// with acc kept as its coordinate vectors.
template <class E>
void axpy(const PerCoordinate<E, std::span<BaseOf<E>>>& acc, const E& s,
          std::span<const BaseOf<E>> x, std::span<BaseOf<E>> tmp) {
  using V = Vec<BaseOf<E>>;
  const Coordinates<E> c = coordinates_of(s);
  for (std::size_t d = 0; d < kDegree<E>; ++d) {
    V::scale(tmp, x, c[d]);
    V::add(acc[d], acc[d], tmp);
  }
}

// Spans over the coordinate vectors.
template <class E>
PerCoordinate<E, std::span<BaseOf<E>>> spans(PerCoordinate<E, std::vector<BaseOf<E>>>& v) {
  PerCoordinate<E, std::span<BaseOf<E>>> out;
  for (std::size_t d = 0; d < kDegree<E>; ++d) out[d] = v[d];
  return out;
}

// Element j of the E vector whose coordinate vectors are v.
template <class E, class V>
E element_at(const PerCoordinate<E, V>& v, std::size_t j) {
  Coordinates<E> c;
  for (std::size_t d = 0; d < kDegree<E>; ++d) c[d] = v[d][j];
  return from_coordinates<E>(c);
}

// Per-thread accumulators of the coordinate vectors, summed at the end.
// Field addition is exact, so the sum does not depend on how rows were split.
template <class E>
class CoordinateSum {
 public:
  using F = BaseOf<E>;
  explicit CoordinateSum(std::size_t len)
      : len_(len), parts_(static_cast<std::size_t>(omp_get_max_threads())) {}
  PerCoordinate<E, std::span<F>> mine() {
    auto& part = parts_[static_cast<std::size_t>(omp_get_thread_num())];
    if (part.empty()) part.assign(kDegree<E> * len_, F::zero());
    PerCoordinate<E, std::span<F>> out;
    for (std::size_t d = 0; d < kDegree<E>; ++d) out[d] = std::span(part).subspan(d * len_, len_);
    return out;
  }
  // The sum over threads, as elements of E.
  std::vector<E> total() const {
    PerCoordinate<E, std::vector<F>> sum;
    for (auto& s : sum) s.assign(len_, F::zero());
    for (const auto& part : parts_) {
      if (part.empty()) continue;
      for (std::size_t d = 0; d < kDegree<E>; ++d) {
        Vec<F>::add(sum[d], sum[d], std::span(part).subspan(d * len_, len_));
      }
    }
    std::vector<E> out(len_);
    for (std::size_t i = 0; i < len_; ++i) out[i] = element_at<E>(sum, i);
    return out;
  }

 private:
  std::size_t len_;
  std::vector<std::vector<F>> parts_;
};

// ---- Constraints -------------------------------------------------------------

// Where each quadratic constraint's copies live: constraint l sits in triple
// l / WR at position l % WR of the Qx, Qy and Qz rows.
struct CopySlots {
  std::size_t x, y, z;  // indices into the data-row positions (row * WR + pos)
};

CopySlots copy_slots(const LigeroParams& p, std::size_t l) {
  const std::size_t wr = p.wr(), triples = p.quadratic_triples();
  const std::size_t triple = l / wr, pos = l % wr;
  const std::size_t qx_row = p.witness_rows() + triple;
  return {qx_row * wr + pos, (qx_row + triples) * wr + pos, (qx_row + 2 * triples) * wr + pos};
}

// The WR witness symbols of data row i: witness values (zero past the end)
// or, for a quadratic row, the copies it holds (zero past the last triple).
template <class F>
void fill_data_row(const LigeroParams& p, std::span<const F> witness,
                   const std::vector<QuadraticConstraint>& quadratic, std::size_t i,
                   std::span<F> out) {
  const std::size_t wr = p.wr();
  if (i < p.witness_rows()) {
    const std::size_t begin = i * wr, len = std::min(wr, witness.size() - begin);
    const auto it =
        std::copy_n(witness.begin() + static_cast<std::ptrdiff_t>(begin), len, out.begin());
    std::fill(it, out.end(), F::zero());
    return;
  }
  const std::size_t triples = p.quadratic_triples(), j = i - p.witness_rows();
  const std::size_t which = j / triples, first = (j % triples) * wr;  // which: 0 x, 1 y, 2 z
  for (std::size_t pos = 0; pos < wr; ++pos) {
    if (first + pos >= quadratic.size()) {
      out[pos] = F::zero();
      continue;
    }
    const QuadraticConstraint& q = quadratic[first + pos];
    out[pos] = witness[which == 0 ? q.x : which == 1 ? q.y : q.z];
  }
}

// A over the constrained rows' positions (row * WR + position, witness slot
// s at index s):
// sum_c alpha_c * (form c's coefficients), plus the copy constraints
// Qx - w[x], Qy - w[y], Qz - w[z] with three challenges each. Slots are
// known to be in range (statement_digest checked them).
template <class E>
struct Combined {
  BigArray<E> a;
  E target;  // sum_c alpha_c * (-constant_c): what A . w must equal
};

template <class E>
Combined<E> combine(const LigeroParams& p, const WitnessLayout& layout,
                    const sumcheck::ConstraintSystem<E>& cs, std::span<const E> alpha) {
  const std::size_t n = p.constrained_rows() * p.wr();
  Combined<E> out{BigArray<E>(n), E::zero()};
  std::size_t terms = 3 * layout.quadratic().size();
  for (std::size_t c = 0; c < cs.linear.size(); ++c) {
    out.target -= alpha[c] * cs.linear[c].constant;
    terms += cs.linear[c].terms.size();
  }
  // Each thread owns a contiguous range of A and applies, in order, the
  // terms that land in it: no two threads write one entry, and every entry
  // sees the same updates in the same order for any thread count.
  const std::span<E> a = out.a.span();
#pragma omp parallel if (n + terms >= kParallelMinWork)
  {
    const auto threads = static_cast<std::size_t>(omp_get_num_threads());
    const auto me = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t lo = n * me / threads, hi = n * (me + 1) / threads;
    const auto add = [&](std::size_t i, const E& v) {
      if (i - lo < hi - lo) a[i] += v;
    };
    std::fill(a.begin() + static_cast<std::ptrdiff_t>(lo),
              a.begin() + static_cast<std::ptrdiff_t>(hi), E::zero());
    for (std::size_t c = 0; c < cs.linear.size(); ++c) {
      for (const auto& [slot, coeff] : cs.linear[c].terms) {
        if (slot - lo < hi - lo) a[slot] += alpha[c] * coeff;
      }
    }
    const auto& quadratic = layout.quadratic();
    for (std::size_t l = 0; l < quadratic.size(); ++l) {
      const QuadraticConstraint& q = quadratic[l];
      const CopySlots copies = copy_slots(p, l);
      const E* r = &alpha[cs.linear.size() + 3 * l];
      add(copies.x, r[0]);
      add(q.x, -r[0]);
      add(copies.y, r[1]);
      add(q.y, -r[1]);
      add(copies.z, r[2]);
      add(q.z, -r[2]);
    }
  }
  return out;
}

// ---- The row sumcheck --------------------------------------------------------
//
// The linear test's claim  sum_i sum_j A_i[j] W_i[j] = target  runs over the
// constrained rows i (zero-padded to 2^m rows, m = row_rounds()) and their
// witness positions j. A sumcheck over the row index, round r binding bit r,
// reduces it to a claim on one row, sum_j A_rho[j] W_rho[j], with X_rho =
// sum_i eq(rho, i) X_i: the verifier then evaluates one coefficient row at
// the queries where the plain Ligero test needs every row's. Round r sends
// g_r(0) and g_r(2) (g_r(1) is the previous claim minus g_r(0)), each minus a
// pad committed in the pad rows, so what is sent is uniform; the final claim
// is affine in the pads, and the dot test proves
//   sum_j A_rho[j] W_rho[j] - sum_l beta_l pad_l = constant
// over the combined row and the pad rows (docs/ligero.md).

// The final claim as constant + sum_l beta_l * pad_l.
template <class E>
struct RowClaim {
  E constant;
  std::vector<E> pad_coefficients;  // beta: one per pad, two per round
};

template <class E>
RowClaim<E> row_claim(const E& target, std::span<const E> sent, std::span<const E> point) {
  RowClaim<E> claim{target, std::vector<E>(2 * point.size(), E::zero())};
  const E one = E::one(), two = one + one, half = two.inverse();
  for (std::size_t r = 0; r < point.size(); ++r) {
    const E x = point[r];
    // The Lagrange basis on {0, 1, 2}: g(x) = l0 g(0) + l1 g(1) + l2 g(2),
    // with g(1) = claim - g(0) and g(0), g(2) each sent value plus its pad.
    const E l0 = (x - one) * (x - two) * half, l1 = -(x * (x - two)), l2 = x * (x - one) * half;
    claim.constant *= l1;
    for (E& beta : claim.pad_coefficients) beta *= l1;
    claim.constant += (l0 - l1) * sent[2 * r] + l2 * sent[2 * r + 1];
    claim.pad_coefficients[2 * r] += l0 - l1;
    claim.pad_coefficients[2 * r + 1] += l2;
  }
  return claim;
}

// The pad rows' witness positions, concatenated, hold the pads'
// coordinates, pad l at positions l D .. l D + D - 1: the coefficient of
// each position in -sum_l beta_l pad_l.
template <class E>
std::vector<E> pad_position_coefficients(std::span<const E> beta) {
  std::vector<E> out;
  out.reserve(beta.size() * kDegree<E>);
  for (const E& b : beta) {
    for (std::size_t d = 0; d < kDegree<E>; ++d) {
      Coordinates<E> unit{};
      unit[d] = BaseOf<E>::one();
      out.push_back(-(b * from_coordinates<E>(unit)));
    }
  }
  return out;
}

// The part of a vector over the pad rows' witness positions (pad
// coordinates, or their coefficients) that pad row r holds.
template <class T>
std::span<const T> pad_row_part(const LigeroParams& p, std::span<const T> v, std::size_t r) {
  const std::size_t first = r * p.wr();
  return v.subspan(first, std::min(p.wr(), v.size() - first));
}

// The kernels of one row pair: the SIMD ones over GF(p^2), plain loops
// otherwise (field/goldilocks_vec.hpp states what they compute).
template <class E, class W>
std::array<E, 2> pair_sums(std::span<const E> a_lo, std::span<const E> a_hi,
                           std::span<const W> w_lo, std::span<const W> w_hi) {
  if constexpr (std::is_same_v<E, field::GoldilocksExt2>) {
    return field::vec::pair_sums<W>(a_lo, a_hi, w_lo, w_hi);
  } else {
    std::array<E, 2> sums{E::zero(), E::zero()};
    for (std::size_t i = 0; i < a_lo.size(); ++i) {
      sums[0] += a_lo[i] * w_lo[i];
      sums[1] += (a_hi[i] + a_hi[i] - a_lo[i]) * (w_hi[i] + w_hi[i] - w_lo[i]);
    }
    return sums;
  }
}

template <class E, class W>
void fold_pair(std::span<E> out, std::span<const W> lo, std::span<const W> hi, const E& r) {
  if constexpr (std::is_same_v<E, field::GoldilocksExt2>) {
    field::vec::fold<W>(out, lo, hi, r);
  } else {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = E(lo[i]) + r * (hi[i] - lo[i]);
  }
}

// A table of `rows` rows of `width` as the row sumcheck reads it: rows 2a
// and 2a + 1 form pair a (the row index's lowest remaining bit is the
// round's variable), and the hi row of an odd count's last pair is zero.
template <class T>
struct RowPairs {
  std::span<const T> table;
  std::size_t rows, width;
  std::span<const T> zero;  // a zero row of `width`

  std::size_t pairs() const { return (rows + 1) / 2; }
  std::span<const T> lo(std::size_t a) const { return table.subspan(2 * a * width, width); }
  std::span<const T> hi(std::size_t a) const {
    return 2 * a + 1 < rows ? table.subspan((2 * a + 1) * width, width) : zero;
  }
};

// Binds the round's variable to r: row a of `out` = lo + r (hi - lo).
template <class E, class W>
void fold_pairs(const RowPairs<W>& in, const E& r, std::span<E> out) {
  parallel_rows(in.pairs(), in.pairs() * in.width, [&](std::size_t a) {
    fold_pair<E, W>(out.subspan(a * in.width, in.width), in.lo(a), in.hi(a), r);
  });
}

// A table folded by every row challenge, one round at a time, into its
// single combined row sum_i eq(rho, i) X_i (rows zero-padded to 2^m).
template <class E>
std::vector<E> combine_rows(std::span<const E> table, std::size_t rows, std::size_t width,
                            std::span<const E> point) {
  BigArray<E> current;
  const std::vector<E> zero(width, E::zero());
  for (const E& rho : point) {
    const RowPairs<E> pairs{current.span().empty() ? table : current.span(), rows, width, zero};
    BigArray<E> next(pairs.pairs() * width);
    fold_pairs<E, E>(pairs, rho, next.span());
    current = std::move(next);
    rows = pairs.pairs();
  }
  const std::span<const E> combined = current.span().empty() ? table : current.span();
  return {combined.begin(), combined.begin() + static_cast<std::ptrdiff_t>(width)};
}

// eq(rho, i) for the rows i, in the sumcheck's variable order (round r binds
// bit r of the row index); poly::eq_table puts variable 0 on the top bit.
template <class E>
std::vector<E> row_weights(std::span<const E> point) {
  const std::vector<E> reversed(point.rbegin(), point.rend());
  return poly::eq_table<E>(reversed);
}

// The prover's side: A (over the constrained rows' witness positions) and
// the rows' values on H, folded round by round.
template <class E>
class RowSumcheckProver {
 public:
  using F = BaseOf<E>;
  RowSumcheckProver(const LigeroProverData<E>& d, BigArray<E> a)
      : p_(d.params),
        rows_(p_.constrained_rows()),
        combination_(std::move(a)),
        values_(rows_ * p_.block),
        zero_(p_.block, E::zero()),
        zero_base_(p_.block, F::zero()) {
    const std::size_t k = p_.block;
    parallel_rows(rows_, rows_ * k, [&](std::size_t i) {
      const std::span<F> v = values_.span().subspan(i * k, k);
      const std::span<const F> coeffs = d.data_coeffs.row(i);
      std::copy(coeffs.begin(), coeffs.end(), v.begin());
      poly::ntt<F>(v);
    });
  }

  // g(0) and g(2) of the current round.
  std::array<E, 2> sums() const {
    return folded() ? sums_over<E>(w_.span(), zero_) : sums_over<F>(values_.span(), zero_base_);
  }

  void bind(const E& rho) {
    const std::size_t k = p_.block, wr = p_.wr();
    const std::size_t pairs = (rows_ + 1) / 2;
    BigArray<E> w_next(pairs * k), a_next(pairs * wr);
    if (folded()) {
      fold_pairs<E, E>({w_.span(), rows_, k, zero_}, rho, w_next.span());
    } else {
      fold_pairs<E, F>({values_.span(), rows_, k, zero_base_}, rho, w_next.span());
      values_ = BigArray<F>();
    }
    fold_pairs<E, E>({a(), rows_, wr, std::span(zero_).first(wr)}, rho, a_next.span());
    w_ = std::move(w_next);
    a_ = std::move(a_next);
    combination_ = BigArray<E>();
    rows_ = pairs;
  }

  // After the last round: A_rho on the witness positions, W_rho on H.
  std::span<const E> a_row() const { return a().first(p_.wr()); }
  std::vector<E> w_row() const {
    const std::size_t k = p_.block;
    if (folded()) return {w_.span().begin(), w_.span().begin() + static_cast<std::ptrdiff_t>(k)};
    std::vector<E> out(k);
    for (std::size_t j = 0; j < k; ++j) out[j] = E(values_.span()[j]);
    return out;
  }

 private:
  // Over every row pair: the witness positions of A and of W's rows.
  template <class W>
  std::array<E, 2> sums_over(std::span<const W> w, std::span<const W> zero) const {
    const std::size_t k = p_.block, wr = p_.wr(), nreq = p_.nreq;
    const RowPairs<E> a{this->a(), rows_, wr, std::span(zero_).first(wr)};
    const RowPairs<W> rows{w, rows_, k, zero};
    std::vector<std::array<E, 2>> parts(static_cast<std::size_t>(omp_get_max_threads()),
                                        {E::zero(), E::zero()});
    parallel_rows(a.pairs(), a.pairs() * wr, [&](std::size_t i) {
      const std::array<E, 2> s =
          pair_sums<E, W>(a.lo(i), a.hi(i), rows.lo(i).subspan(nreq), rows.hi(i).subspan(nreq));
      auto& part = parts[static_cast<std::size_t>(omp_get_thread_num())];
      part[0] += s[0];
      part[1] += s[1];
    });
    std::array<E, 2> out{E::zero(), E::zero()};
    for (const auto& part : parts) {
      out[0] += part[0];
      out[1] += part[1];
    }
    return out;
  }

  bool folded() const { return !w_.span().empty(); }
  // The combination A, rows_ x WR: as built, then folded.
  std::span<const E> a() const { return folded() ? a_.span() : combination_.span(); }

  const LigeroParams& p_;
  std::size_t rows_;
  BigArray<E> combination_;  // before the first round: A as combine built it
  BigArray<E> a_;            // after: A folded
  BigArray<F> values_;       // before the first round: the rows' values on H
  BigArray<E> w_;            // after: the folded rows, rows_ x BLOCK
  std::vector<E> zero_;      // a zero row (BLOCK)
  std::vector<F> zero_base_;
};

// Values on H (BLOCK of them) of a coefficient row of the linear test: 0 on
// the random positions, `part` then zeros on the witness ones.
template <class E>
std::vector<E> coefficient_row(const LigeroParams& p, std::span<const E> part) {
  std::vector<E> out(p.block, E::zero());
  std::copy(part.begin(), part.end(), out.begin() + static_cast<std::ptrdiff_t>(p.nreq));
  return out;
}

// Values on H2 of a polynomial given by coefficients (BLOCK or 2 BLOCK).
template <class F>
void on_h2(std::span<const F> coeffs, std::span<F> out) {
  poly::coset_lde<F>(coeffs, out, F::one());
}

// Values on H2, as coordinate vectors, of the polynomial with values `on_h`
// on H.
template <class E>
PerCoordinate<E, std::vector<BaseOf<E>>> extend_to_h2(std::span<const E> on_h) {
  using F = BaseOf<E>;
  PerCoordinate<E, std::vector<F>> out;
  std::vector<F> coeffs(on_h.size());
  for (std::size_t d = 0; d < kDegree<E>; ++d) {
    for (std::size_t j = 0; j < on_h.size(); ++j) coeffs[j] = coordinates_of(on_h[j])[d];
    poly::intt<F>(coeffs);
    out[d].resize(2 * on_h.size());
    on_h2<F>(coeffs, out[d]);
  }
  return out;
}

// ---- Prover ------------------------------------------------------------------

template <class E>
std::vector<E> narrow_ldt(const LigeroProverData<E>& d, std::span<const E> u) {
  using F = BaseOf<E>;
  const LigeroParams& p = d.params;
  const std::size_t k = p.block;
  PerCoordinate<E, std::vector<F>> acc;
  for (std::size_t c = 0; c < kDegree<E>; ++c) {
    const auto blind = d.blind_coeffs.row(RowsOf<E>::kNarrowBlind + c).first(k);
    acc[c].assign(blind.begin(), blind.end());
  }
  // Split the coefficient positions among threads; each thread runs over all
  // rows for its slice, so no reduction is needed.
  constexpr std::size_t kSlice = 1024;
  const std::size_t slices = (k + kSlice - 1) / kSlice;
#pragma omp parallel if (p.data_rows() * k >= kParallelMinWork)
  {
    std::vector<F> tmp(kSlice);
#pragma omp for schedule(static)
    for (std::ptrdiff_t s = 0; s < static_cast<std::ptrdiff_t>(slices); ++s) {
      const std::size_t begin = static_cast<std::size_t>(s) * kSlice;
      const std::size_t len = std::min(kSlice, k - begin);
      PerCoordinate<E, std::span<F>> slice;
      for (std::size_t c = 0; c < kDegree<E>; ++c) slice[c] = std::span(acc[c]).subspan(begin, len);
      for (std::size_t r = 0; r < p.data_rows(); ++r) {
        axpy<E>(slice, u[r], d.data_coeffs.row(r).subspan(begin, len), std::span(tmp).first(len));
      }
    }
  }
  for (auto& coordinate : acc) poly::ntt<F>(coordinate);
  std::vector<E> out(k);
  for (std::size_t j = 0; j < k; ++j) out[j] = element_at<E>(acc, j);
  return out;
}

template <class E>
std::vector<E> wide_ldt(const LigeroProverData<E>& d, std::span<const E> u) {
  using F = BaseOf<E>;
  const std::size_t k2 = 2 * d.params.block;
  PerCoordinate<E, std::vector<F>> acc;
  for (std::size_t c = 0; c < kDegree<E>; ++c) {
    const auto blind = d.blind_coeffs.row(RowsOf<E>::kWideBlind + c);
    acc[c].assign(blind.begin(), blind.end());
  }
  std::vector<F> tmp(k2);
  for (std::size_t r = 0; r < kWideTestedRows<E>; ++r) {
    axpy<E>(spans<E>(acc), u[d.params.data_rows() + r],
            d.blind_coeffs.row(RowsOf<E>::kDotBlind + r), tmp);
  }
  for (auto& coordinate : acc) poly::ntt<F>(coordinate);
  std::vector<E> out(k2);
  for (std::size_t j = 0; j < k2; ++j) out[j] = element_at<E>(acc, j);
  return out;
}

// Values on H2 of the blinding polynomial whose coordinate rows start at
// `first`.
template <class E>
PerCoordinate<E, std::vector<BaseOf<E>>> blind_on_h2(const LigeroProverData<E>& d,
                                                     std::size_t first) {
  using F = BaseOf<E>;
  PerCoordinate<E, std::vector<F>> out;
  for (std::size_t c = 0; c < kDegree<E>; ++c) {
    out[c].resize(2 * d.params.block);
    on_h2<F>(d.blind_coeffs.row(first + c), out[c]);
  }
  return out;
}

// The linear-test response on H2: Z + Af_rho W_rho + sum_r Bf_r P_r, where
// Af_rho and Bf_r are the coefficient rows of the combined row and of pad
// row P_r, and W_rho = sum_i eq(rho, i) W_i. Degree < 2 BLOCK; on the
// witness positions it sums to the row sumcheck's final constant.
template <class E>
std::vector<E> dot_response(const LigeroProverData<E>& d, std::span<const E> a_rho,
                            std::span<const E> w_rho, std::span<const E> pad_coefficients) {
  using F = BaseOf<E>;
  const LigeroParams& p = d.params;
  const std::size_t k2 = 2 * p.block;
  const auto af = extend_to_h2<E>(std::span<const E>(coefficient_row<E>(p, a_rho)));
  const auto w = extend_to_h2<E>(w_rho);
  const auto z = blind_on_h2(d, RowsOf<E>::kDotBlind);
  std::vector<E> out(k2);
  for (std::size_t i = 0; i < k2; ++i) {
    out[i] = element_at<E>(z, i) + element_at<E>(af, i) * element_at<E>(w, i);
  }
  std::vector<F> pad(k2);
  for (std::size_t r = 0; r < p.pad_rows(); ++r) {
    const auto bf = extend_to_h2<E>(
        std::span<const E>(coefficient_row<E>(p, pad_row_part(p, pad_coefficients, r))));
    on_h2<F>(d.data_coeffs.row(p.constrained_rows() + r), pad);
    for (std::size_t i = 0; i < k2; ++i) out[i] += element_at<E>(bf, i) * pad[i];
  }
  return out;
}

// y = ZQ + sum_t uq_t (Qz_t - Qx_t Qy_t) on H2, without the witness positions
// (where every term vanishes for an honest prover, so they are not sent).
template <class E>
std::vector<E> quad_response(const LigeroProverData<E>& d, std::span<const E> uq) {
  using F = BaseOf<E>;
  using V = Vec<F>;
  const LigeroParams& p = d.params;
  const std::size_t k2 = 2 * p.block, triples = p.quadratic_triples();
  CoordinateSum<E> sum(k2);
#pragma omp parallel if (triples * k2 >= kParallelMinWork)
  {
    std::vector<F> x(k2), y(k2), z(k2), tmp(k2);
    const PerCoordinate<E, std::span<F>> acc = sum.mine();
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t ti = 0; ti < static_cast<std::ptrdiff_t>(triples); ++ti) {
      const auto t = static_cast<std::size_t>(ti);
      const std::size_t qx = p.witness_rows() + t;
      on_h2<F>(d.data_coeffs.row(qx), x);
      on_h2<F>(d.data_coeffs.row(qx + triples), y);
      on_h2<F>(d.data_coeffs.row(qx + 2 * triples), z);
      V::mul(x, x, y);
      V::sub(z, z, x);
      axpy<E>(acc, uq[t], z, tmp);
    }
  }
  const auto zq = blind_on_h2(d, RowsOf<E>::kQuadBlind);
  const std::vector<E> s = sum.total();
  std::vector<E> sent;
  sent.reserve(k2 - p.wr());
  for (std::size_t i = 0; i < k2; ++i) {
    if (!is_witness_position(p, i)) sent.push_back(element_at<E>(zq, i) + s[i]);
  }
  return sent;
}

// ---- Verifier ----------------------------------------------------------------

// Evaluates polynomials, given by their values on <w_m> (m = BLOCK or
// 2 BLOCK), at the queried coset points: interpolate, one coset LDE per
// coordinate, gather. Owns its scratch, reused polynomial after polynomial.
template <class E>
class QueryEvaluator {
 public:
  using F = BaseOf<E>;
  QueryEvaluator(const LigeroParams& p, std::span<const std::size_t> queries)
      : queries_(queries), codeword_(p.columns()) {
    for (auto& c : coeffs_) c.resize(2 * p.block);
    for (auto& g : gathered_) g.resize(queries.size());
  }

  std::vector<E> values_at_queries(std::span<const E> values) {
    const std::size_t m = values.size();
    std::vector<E> out(queries_.size());
    for (std::size_t d = 0; d < kDegree<E>; ++d) {
      const std::span<F> coordinate = std::span(coeffs_[d]).first(m);
      for (std::size_t j = 0; j < m; ++j) coordinate[j] = coordinates_of(values[j])[d];
      poly::intt<F>(coordinate);
      poly::coset_lde<F>(coordinate, codeword_);
      for (std::size_t i = 0; i < queries_.size(); ++i) gathered_[d][i] = codeword_[queries_[i]];
    }
    for (std::size_t i = 0; i < queries_.size(); ++i) out[i] = element_at<E>(gathered_, i);
    return out;
  }

 private:
  std::span<const std::size_t> queries_;
  PerCoordinate<E, std::vector<F>> coeffs_, gathered_;
  std::vector<F> codeword_;
};

// The opened columns as a (query, row) table.
template <class E>
class Opened {
 public:
  using F = BaseOf<E>;
  Opened(const LigeroParams& p, std::span<const F> columns) : rows_(p.rows()), columns_(columns) {}
  F at(std::size_t query, std::size_t row) const { return columns_[query * rows_ + row]; }
  // The E value whose coordinate rows start at `first_row`.
  E element(std::size_t query, std::size_t first_row) const {
    Coordinates<E> c;
    for (std::size_t d = 0; d < kDegree<E>; ++d) c[d] = at(query, first_row + d);
    return from_coordinates<E>(c);
  }

 private:
  std::size_t rows_;
  std::span<const F> columns_;
};

template <class E>
bool equal(std::span<const E> a, std::span<const E> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// Z + Af_rho W_rho + sum_r Bf_r P_r at every query, W_rho from the opened
// constrained rows weighted by eq(rho, i).
template <class E>
std::vector<E> dot_at_queries(const LigeroParams& p, std::span<const E> a_rho,
                              std::span<const E> row_eq, std::span<const E> pad_coefficients,
                              QueryEvaluator<E>& eval, const Opened<E>& opened) {
  using Rows = RowsOf<E>;
  const std::vector<E> af = eval.values_at_queries(coefficient_row<E>(p, a_rho));
  const std::size_t t = af.size(), rows = p.constrained_rows();
  std::vector<E> out(t);
  for (std::size_t q = 0; q < t; ++q) {
    E w = E::zero();
    for (std::size_t i = 0; i < rows; ++i) w += row_eq[i] * opened.at(q, Rows::kFirstData + i);
    out[q] = opened.element(q, Rows::kDotBlind) + af[q] * w;
  }
  for (std::size_t r = 0; r < p.pad_rows(); ++r) {
    const std::vector<E> bf =
        eval.values_at_queries(coefficient_row<E>(p, pad_row_part(p, pad_coefficients, r)));
    for (std::size_t q = 0; q < t; ++q) out[q] += bf[q] * opened.at(q, Rows::kFirstData + rows + r);
  }
  return out;
}

template <class E>
Bytes serialize(const BasicLigeroProof<E>& proof) {
  ByteWriter w;
  proof.write(w);
  return w.take();
}

}  // namespace

// ---- Proof encoding ----------------------------------------------------------

template <LigeroChallengeField E>
void BasicLigeroProof<E>::write(ByteWriter& w) const {
  for (const auto* v : {&ldt, &wide_ldt, &row_sumcheck, &dot, &quad}) {
    for (const E& e : *v) e.write(w);
  }
  write_openings(w);
}

template <LigeroChallengeField E>
void BasicLigeroProof<E>::write_openings(ByteWriter& w) const {
  for (const F& g : columns) g.write(w);
  for (const Salt& s : salts) w.raw(s);
  merkle.write(w);
}

template <LigeroChallengeField E>
BasicLigeroProof<E> BasicLigeroProof<E>::read(ByteReader& r, const LigeroParams& p) {
  const auto read_elements = [&r](std::vector<E>& out, std::size_t n) {
    out.resize(n);
    for (E& e : out) e = E::read(r);
  };
  BasicLigeroProof proof;
  read_elements(proof.ldt, p.block);
  read_elements(proof.wide_ldt, 2 * p.block);
  read_elements(proof.row_sumcheck, 2 * p.row_rounds());
  read_elements(proof.dot, 2 * p.block);
  read_elements(proof.quad, 2 * p.block - p.wr());
  proof.columns.resize(p.nreq * p.rows());
  for (F& g : proof.columns) g = F::read(r);
  proof.salts.resize(p.nreq);
  for (Salt& s : proof.salts) {
    const ByteSpan bytes = r.raw(s.size(), "Ligero column salt");
    std::copy(bytes.begin(), bytes.end(), s.begin());
  }
  proof.merkle =
      hash::MerkleMultiProof::read(r, hash::MerkleTree::max_proof_digests(p.columns(), p.nreq));
  return proof;
}

template <LigeroChallengeField E>
BasicLigeroProof<E> BasicLigeroProof<E>::parse(ByteSpan bytes, const LigeroParams& params) {
  ByteReader r(bytes);
  BasicLigeroProof proof = read(r, params);
  r.expect_end("Ligero proof");
  return proof;
}

// ---- Ligero ------------------------------------------------------------------

template <LigeroChallengeField E>
LigeroParams BasicLigero<E>::params_for(const WitnessLayout& layout) const {
  const std::size_t nw = layout.size(), nq = layout.quadratic().size();
  const LigeroFieldInfo field = LigeroFieldInfo::of<E>();
  if (options_.block != 0) {
    return LigeroParams::make(nw, nq, options_.queries, options_.block, options_.log_rate_inv,
                              field);
  }
  // choose() sums thousands of logarithms for its proof-size estimates (about
  // a millisecond), and a proof asks for one layout's parameters several
  // times (schema, commit, verify): the last answer is kept, per thread.
  struct Chosen {
    std::size_t nw, nq, queries;
    unsigned log_rate_inv;
    LigeroParams params;
  };
  thread_local std::optional<Chosen> last;
  if (!last || last->nw != nw || last->nq != nq || last->queries != options_.queries ||
      last->log_rate_inv != options_.log_rate_inv) {
    last = Chosen{nw, nq, options_.queries, options_.log_rate_inv,
                  LigeroParams::choose(nw, nq, options_.queries, options_.log_rate_inv, field)};
  }
  return last->params;
}

template <LigeroChallengeField E>
void BasicLigero<E>::schema_commitment(hash::TranscriptSchema& schema) const {
  schema.absorb(kCommitmentLabel, hash::ValueType::digest());
}

template <LigeroChallengeField E>
void BasicLigero<E>::schema_proof(hash::TranscriptSchema& schema,
                                  const WitnessLayout& layout) const {
  using hash::ValueType;
  const ValueType e = ValueType::field<E>();
  schema.absorb(kParamsLabel, ValueType::bytes())
      .absorb(kStatementLabel, ValueType::digest())
      .squeeze(kLdtChallengesLabel, e)
      .absorb(kLdtLabel, e)
      .absorb(kWideLdtLabel, e)
      .squeeze(kAlphaLabel, e);
  for (std::size_t r = 0; r < params_for(layout).row_rounds(); ++r) {
    schema.absorb(kRowRoundLabel, e).squeeze(kRowChallengeLabel, e);
  }
  schema.absorb(kDotLabel, e)
      .squeeze(kQuadChallengesLabel, e)
      .absorb(kQuadLabel, e)
      .squeeze(kQueriesLabel, ValueType::indices())
      .absorb(kOpeningsLabel, ValueType::bytes());
}

template <LigeroChallengeField E>
void BasicLigero<E>::absorb_commitment(const Commitment& commitment,
                                       hash::Transcript& transcript) const {
  transcript.absorb_digest(kCommitmentLabel, commitment.root);
}

template <LigeroChallengeField E>
CommitResult BasicLigero<E>::commit(std::span<const F> witness, const WitnessLayout& layout) const {
  return commit_with_randomness(witness, layout,
                                [](std::span<std::uint8_t> out) { os_random_bytes(out); });
}

template <LigeroChallengeField E>
CommitResult BasicLigero<E>::commit_with_randomness(std::span<const F> witness,
                                                    const WitnessLayout& layout,
                                                    const RandomBytes& random,
                                                    const CodewordTamper& tamper) const {
  using Rows = RowsOf<E>;
  require(witness.size() == layout.size(), "Ligero: witness size differs from the layout");
  for (const QuadraticConstraint& q : layout.quadratic()) {
    require(q.x < layout.size() && q.y < layout.size() && q.z < layout.size(),
            "Ligero: quadratic constraint names a slot outside the layout");
  }
  auto d = std::make_unique<LigeroProverData<E>>();
  d->params = params_for(layout);
  d->layout = layout;
  const LigeroParams& p = d->params;
  const std::size_t k = p.block, k2 = 2 * k, n = p.columns();

  // Blinding rows, as messages: the narrow one on H (BLOCK symbols), the
  // others on H2 (2 BLOCK symbols), each coordinate row uniform subject to
  // its test's constraint on the witness positions.
  d->blind_coeffs = Matrix<F>(Rows::kFirstData, k2);
  for (std::size_t r = 0; r < Rows::kFirstData; ++r) {
    const std::span<F> row = d->blind_coeffs.row(r);
    if (r < Rows::kWideBlind) {
      fill_uniform(row.first(k), random);
      std::fill(row.begin() + static_cast<std::ptrdiff_t>(k), row.end(), F::zero());
      continue;
    }
    fill_uniform(row, random);
    if (r >= Rows::kQuadBlind) {
      for (std::size_t c = p.nreq; c < k; ++c) row[2 * c] = F::zero();
    } else if (r >= Rows::kDotBlind) {
      F others = F::zero();
      for (std::size_t c = p.nreq; c + 1 < k; ++c) others += row[2 * c];
      row[2 * (k - 1)] = -others;
    }
  }
  // The NREQ random symbols that open every data row, and the row
  // sumcheck's pads (uniform, D coordinates each). A layout with one
  // constrained row has no pads, and then no draw is made at all, so the
  // sequence of draws stays one per kind of randomness (the zero-knowledge
  // test names its draws by size and order).
  std::vector<F> random_symbols(p.data_rows() * p.nreq);
  fill_uniform<F>(random_symbols, random);
  std::vector<F> row_pads(2 * p.row_rounds() * kDegree<E>);
  if (!row_pads.empty()) fill_uniform<F>(row_pads, random);
  for (std::size_t l = 0; l < 2 * p.row_rounds(); ++l) {
    Coordinates<E> c;
    for (std::size_t i = 0; i < kDegree<E>; ++i) c[i] = row_pads[l * kDegree<E> + i];
    d->row_pads.push_back(from_coordinates<E>(c));
  }

  // Lay out and encode every row: interpolate on its message domain, then
  // evaluate on the coset. Rows are independent, so any thread count gives
  // these bytes.
  d->data_coeffs = Matrix<F>(p.data_rows(), k);
  d->codewords = Matrix<F>(p.rows(), n);
  parallel_rows(p.rows(), p.rows() * n, [&](std::size_t r) {
    std::span<F> message;
    if (r < Rows::kFirstData) {
      message = d->blind_coeffs.row(r);
      if (r < Rows::kWideBlind) message = message.first(k);
    } else {
      const std::size_t i = r - Rows::kFirstData;
      message = d->data_coeffs.row(i);
      std::copy_n(random_symbols.begin() + static_cast<std::ptrdiff_t>(i * p.nreq), p.nreq,
                  message.begin());
      if (i < p.constrained_rows()) {
        fill_data_row<F>(p, witness, layout.quadratic(), i, message.subspan(p.nreq));
      } else {
        const std::span<const F> held = pad_row_part<F>(p, row_pads, i - p.constrained_rows());
        const auto rest = std::copy(held.begin(), held.end(),
                                    message.begin() + static_cast<std::ptrdiff_t>(p.nreq));
        std::fill(rest, message.end(), F::zero());
      }
    }
    poly::intt<F>(message);
    poly::coset_lde<F>(message, d->codewords.row(r));
  });
  if (tamper) {
    for (std::size_t r = 0; r < p.rows(); ++r) tamper(r, d->codewords.row(r));
  }

  // One salted leaf per column. Leaves are written column by column from
  // the row-major tableau, a few columns (one cache line per row) at a time.
  d->salts.resize(n);
  random(std::span(reinterpret_cast<std::uint8_t*>(d->salts.data()), n * hash::kSaltBytes));
  const std::size_t rows = p.rows();
  std::vector<Digest> leaves(n);
  hash::hash_leaves(
      d->salts, rows * F::kBytes,
      [&](std::size_t first, std::size_t count, ByteWriter& w) {
        thread_local std::vector<std::uint8_t> bytes;
        bytes.resize(count * rows * F::kBytes);
        for (std::size_t r = 0; r < rows; ++r) {
          const std::span<const F> src = d->codewords.row(r).subspan(first, count);
          for (std::size_t c = 0; c < count; ++c) {
            store_le(bytes.data() + (c * rows + r) * F::kBytes, src[c]);
          }
        }
        w.raw(bytes);
      },
      leaves);
  d->tree.emplace(leaves);
  const Commitment commitment{d->tree->root()};
  return {commitment, std::move(d)};
}

template <LigeroChallengeField E>
Bytes BasicLigero<E>::prove(std::unique_ptr<ProverData> prover_data,
                            const sumcheck::ConstraintSystem<E>& constraints,
                            hash::Transcript& transcript) const {
  return prove_tampered(std::move(prover_data), constraints, transcript, Tamper{});
}

template <LigeroChallengeField E>
Bytes BasicLigero<E>::prove_tampered(std::unique_ptr<ProverData> prover_data,
                                     const sumcheck::ConstraintSystem<E>& constraints,
                                     hash::Transcript& transcript, const Tamper& tamper) const {
  const auto* d = dynamic_cast<const LigeroProverData<E>*>(prover_data.get());
  require(d != nullptr, "Ligero: prover data does not come from Ligero::commit");
  const LigeroParams& p = d->params;
  const auto apply = [](const auto& hook, auto& message, const auto& challenges) {
    if (hook) hook(message, challenges);
  };
  ProofTranscript<E> fs(transcript, p);
  fs.statement(statement_digest(d->layout, constraints));

  Proof proof;
  const std::vector<E> u = fs.ldt_challenges();
  proof.ldt = narrow_ldt<E>(*d, u);
  proof.wide_ldt = wide_ldt<E>(*d, u);
  apply(tamper.ldt, proof.ldt, std::span<const E>(u));
  apply(tamper.wide_ldt, proof.wide_ldt, std::span<const E>(u));
  fs.ldt(proof.ldt, proof.wide_ldt);

  const std::vector<E> alpha = fs.alpha(constraints.linear.size());
  Combined<E> combined = combine<E>(p, d->layout, constraints, alpha);
  const E target = combined.target;
  RowSumcheckProver<E> rows(*d, std::move(combined.a));
  std::vector<E> point;
  for (std::size_t r = 0; r < p.row_rounds(); ++r) {
    const std::array<E, 2> g = rows.sums();
    std::vector<E> message{g[0] - d->row_pads[2 * r], g[1] - d->row_pads[2 * r + 1]};
    apply(tamper.row_round, message, std::span<const E>(point));
    proof.row_sumcheck.insert(proof.row_sumcheck.end(), message.begin(), message.end());
    point.push_back(fs.row_round(message));
    rows.bind(point.back());
  }
  const RowClaim<E> claim = row_claim<E>(target, proof.row_sumcheck, point);
  proof.dot = dot_response<E>(*d, rows.a_row(), rows.w_row(),
                              pad_position_coefficients<E>(claim.pad_coefficients));
  if (tamper.dot) tamper.dot(proof.dot, {alpha, point, claim.constant});
  fs.dot(proof.dot);

  const std::vector<E> uq = fs.quad_challenges();
  proof.quad = quad_response<E>(*d, uq);
  apply(tamper.quad, proof.quad, std::span<const E>(uq));
  fs.quad(proof.quad);

  const std::vector<std::size_t> queries = fs.queries();
  proof.columns.resize(queries.size() * p.rows());
  for (std::size_t q = 0; q < queries.size(); ++q) {
    for (std::size_t r = 0; r < p.rows(); ++r) {
      proof.columns[q * p.rows() + r] = d->codewords.row(r)[queries[q]];
    }
    proof.salts.push_back(d->salts[queries[q]]);
  }
  proof.merkle = d->tree->open(queries);
  apply(tamper.columns, proof.columns, std::span<const std::size_t>(queries));
  ByteWriter openings;
  proof.write_openings(openings);
  fs.openings(openings.bytes());
  return serialize(proof);
}

template <LigeroChallengeField E>
bool BasicLigero<E>::verify(const Commitment& commitment, const WitnessLayout& layout,
                            const sumcheck::ConstraintSystem<E>& constraints, ByteSpan proof_bytes,
                            hash::Transcript& transcript) const {
  using Rows = RowsOf<E>;
  const LigeroParams p = params_for(layout);
  const Proof proof = Proof::parse(proof_bytes, p);

  ProofTranscript<E> fs(transcript, p);
  fs.statement(statement_digest(layout, constraints));
  const std::vector<E> u = fs.ldt_challenges();
  fs.ldt(proof.ldt, proof.wide_ldt);
  const std::vector<E> alpha = fs.alpha(constraints.linear.size());
  std::vector<E> point;
  for (std::size_t r = 0; r < p.row_rounds(); ++r) {
    point.push_back(fs.row_round(std::span(proof.row_sumcheck).subspan(2 * r, 2)));
  }
  fs.dot(proof.dot);
  const std::vector<E> uq = fs.quad_challenges();
  fs.quad(proof.quad);
  const std::vector<std::size_t> queries = fs.queries();
  ByteWriter openings;
  proof.write_openings(openings);
  fs.openings(openings.bytes());

  // The opened columns are the committed ones.
  const std::size_t t = queries.size(), rows = p.rows();
  std::vector<Digest> leaves(t);
  for (std::size_t q = 0; q < t; ++q) {
    leaves[q] =
        hash::hash_field_leaf<F>(proof.salts[q], std::span(proof.columns).subspan(q * rows, rows));
  }
  if (!hash::MerkleTree::verify(commitment.root, p.columns(), queries, leaves, proof.merkle)) {
    return false;
  }

  const Opened<E> opened(p, proof.columns);
  QueryEvaluator<E> eval(p, queries);
  const std::size_t data = p.data_rows(), triples = p.quadratic_triples();

  // Low-degree tests: each response, extended, matches the same combination
  // of the opened columns.
  std::vector<E> narrow(t), wide(t);
  for (std::size_t q = 0; q < t; ++q) {
    narrow[q] = opened.element(q, Rows::kNarrowBlind);
    for (std::size_t r = 0; r < data; ++r) {
      narrow[q] += u[r] * opened.at(q, Rows::kFirstData + r);
    }
    wide[q] = opened.element(q, Rows::kWideBlind);
    for (std::size_t r = 0; r < kWideTestedRows<E>; ++r) {
      wide[q] += u[data + r] * opened.at(q, Rows::kDotBlind + r);
    }
  }
  if (!equal<E>(narrow, eval.values_at_queries(proof.ldt)) ||
      !equal<E>(wide, eval.values_at_queries(proof.wide_ldt))) {
    return false;
  }

  // Linear test: the row sumcheck's final claim is what the response sums
  // to on the witness positions, and the response matches the combined row
  // and the pad rows at the queries.
  Combined<E> combined = combine<E>(p, layout, constraints, alpha);
  const RowClaim<E> claim = row_claim<E>(combined.target, proof.row_sumcheck, point);
  E sum = E::zero();
  for (std::size_t c = p.nreq; c < p.block; ++c) sum += proof.dot[2 * c];
  if (!(sum == claim.constant)) return false;
  const std::vector<E> a_rho =
      combine_rows<E>(combined.a.span(), p.constrained_rows(), p.wr(), point);
  if (!equal<E>(
          dot_at_queries<E>(p, a_rho, row_weights<E>(point),
                            pad_position_coefficients<E>(claim.pad_coefficients), eval, opened),
          eval.values_at_queries(proof.dot))) {
    return false;
  }

  // Quadratic test: the response, zero on the witness positions by
  // construction, matches the combination at the queries.
  std::vector<E> quad_full(2 * p.block, E::zero());
  for (std::size_t i = 0, sent = 0; i < quad_full.size(); ++i) {
    if (!is_witness_position(p, i)) quad_full[i] = proof.quad[sent++];
  }
  std::vector<E> quad(t);
  for (std::size_t q = 0; q < t; ++q) {
    quad[q] = opened.element(q, Rows::kQuadBlind);
    for (std::size_t tr = 0; tr < triples; ++tr) {
      const std::size_t qx = Rows::kFirstData + p.witness_rows() + tr;
      const F x = opened.at(q, qx), y = opened.at(q, qx + triples);
      const F z = opened.at(q, qx + 2 * triples);
      quad[q] += uq[tr] * (z - x * y);
    }
  }
  return equal<E>(quad, eval.values_at_queries(quad_full));
}

template struct BasicLigeroProof<Challenge>;
template struct BasicLigeroProof<TinyChallenge>;
template class BasicLigero<Challenge>;
template class BasicLigero<TinyChallenge>;

}  // namespace zkinfer::pcs
