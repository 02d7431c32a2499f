// SPDX-License-Identifier: Apache-2.0
#include "pcs/ligero.hpp"

#include <omp.h>
#if defined(__linux__)
#endif

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
#include "poly/ntt.hpp"

namespace zkinfer::pcs {
namespace {

using hash::Digest;
using hash::Salt;
using sumcheck::QuadraticConstraint;

// ---- Fiat–Shamir -------------------------------------------------------------

constexpr const char* kCommitmentLabel = "ligero/commitment";
constexpr const char* kParamsLabel = "ligero/params";
constexpr const char* kStatementLabel = "ligero/statement";
constexpr const char* kLdtChallengesLabel = "ligero/ldt-challenges";
constexpr const char* kLdtLabel = "ligero/ldt";
constexpr const char* kWideLdtLabel = "ligero/wide-ldt";
constexpr const char* kAlphaLabel = "ligero/alpha";
constexpr const char* kDotLabel = "ligero/dot";
constexpr const char* kQuadChallengesLabel = "ligero/quad-challenges";
constexpr const char* kQuadLabel = "ligero/quad";
constexpr const char* kQueriesLabel = "ligero/queries";
constexpr const char* kOpeningsLabel = "ligero/openings";

// The wide low-degree test combines the coordinate rows of the dot and quad
// blinding polynomials (its own blinding row enters with coefficient 1).
constexpr std::size_t kWideTestedRows = 4;

// The proof's transcript steps with their counts. Prover and verifier both
// go through this class, in the order schema_proof declares.
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
  std::vector<Challenge> ldt_challenges() {
    return t_.challenges<Challenge>(kLdtChallengesLabel, p_.data_rows() + kWideTestedRows);
  }
  void ldt(std::span<const Challenge> narrow, std::span<const Challenge> wide) {
    t_.absorb_field<Challenge>(kLdtLabel, narrow);
    t_.absorb_field<Challenge>(kWideLdtLabel, wide);
  }
  // One per linear constraint, then three per quadratic constraint (its copy
  // constraints).
  std::vector<Challenge> alpha(std::size_t n_linear) {
    return t_.challenges<Challenge>(kAlphaLabel, n_linear + 3 * p_.n_quadratic);
  }
  void dot(std::span<const Challenge> response) { t_.absorb_field<Challenge>(kDotLabel, response); }
  std::vector<Challenge> quad_challenges() {
    return t_.challenges<Challenge>(kQuadChallengesLabel, p_.quadratic_triples());
  }
  void quad(std::span<const Challenge> response) {
    t_.absorb_field<Challenge>(kQuadLabel, response);
  }
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
class Matrix {
 public:
  Matrix() = default;
  Matrix(std::size_t rows, std::size_t cols) : cols_(cols), data_(rows * cols) {}
  std::span<Goldilocks> row(std::size_t r) { return data_.span().subspan(r * cols_, cols_); }
  std::span<const Goldilocks> row(std::size_t r) const {
    return data_.span().subspan(r * cols_, cols_);
  }

 private:
  std::size_t cols_ = 0;
  BigArray<Goldilocks> data_;
};

class LigeroProverData final : public ProverData {
 public:
  LigeroParams params;
  WitnessLayout layout;
  Matrix data_coeffs;   // data_rows() x BLOCK: coefficients of the data rows
  Matrix blind_coeffs;  // 8 x 2 BLOCK: coefficients of the blinding rows
  Matrix codewords;     // rows() x N: the tableau
  std::vector<Salt> salts;
  std::optional<hash::MerkleTree> tree;
};

// ---- Small helpers -----------------------------------------------------------

std::uint64_t load_le(const std::uint8_t* b) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(b[i]) << (8 * i);
  return v;
}

void store_le(std::uint8_t* b, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) b[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Uniform elements by rejection on 64-bit words (a word >= p has probability
// 2^-32 and is redrawn).
void fill_uniform(std::span<Goldilocks> out, const RandomBytes& random) {
  std::vector<std::uint8_t> bytes(out.size() * 8);
  random(bytes);
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint64_t v = load_le(bytes.data() + 8 * i);
    while (v >= Goldilocks::kModulus) {
      std::array<std::uint8_t, 8> word;
      random(word);
      v = load_le(word.data());
    }
    out[i] = Goldilocks::from_canonical(v);
  }
}

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
// with acc kept as its two coordinate vectors.
void axpy(std::span<Goldilocks> acc0, std::span<Goldilocks> acc1, const Challenge& s,
          std::span<const Goldilocks> x, std::span<Goldilocks> tmp) {
  field::vec::scale(tmp, x, s.c0());
  field::vec::add(acc0, acc0, tmp);
  field::vec::scale(tmp, x, s.c1());
  field::vec::add(acc1, acc1, tmp);
}

// Per-thread accumulators of two coordinate vectors, summed at the end. Field
// addition is exact, so the sum does not depend on how rows were split.
class CoordinateSum {
 public:
  explicit CoordinateSum(std::size_t len)
      : len_(len), parts_(static_cast<std::size_t>(omp_get_max_threads())) {}
  std::pair<std::span<Goldilocks>, std::span<Goldilocks>> mine() {
    auto& part = parts_[static_cast<std::size_t>(omp_get_thread_num())];
    if (part.empty()) part.assign(2 * len_, Goldilocks::zero());
    return {std::span(part).first(len_), std::span(part).subspan(len_)};
  }
  // The sum over threads, as elements of E.
  std::vector<Challenge> total() const {
    std::vector<Goldilocks> s0(len_, Goldilocks::zero()), s1(len_, Goldilocks::zero());
    for (const auto& part : parts_) {
      if (part.empty()) continue;
      field::vec::add(s0, s0, std::span(part).first(len_));
      field::vec::add(s1, s1, std::span(part).subspan(len_));
    }
    std::vector<Challenge> out(len_);
    for (std::size_t i = 0; i < len_; ++i) out[i] = Challenge(s0[i], s1[i]);
    return out;
  }

 private:
  std::size_t len_;
  std::vector<std::vector<Goldilocks>> parts_;
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
void fill_data_row(const LigeroParams& p, std::span<const Goldilocks> witness,
                   const std::vector<QuadraticConstraint>& quadratic, std::size_t i,
                   std::span<Goldilocks> out) {
  const std::size_t wr = p.wr();
  if (i < p.witness_rows()) {
    const std::size_t begin = i * wr, len = std::min(wr, witness.size() - begin);
    const auto it =
        std::copy_n(witness.begin() + static_cast<std::ptrdiff_t>(begin), len, out.begin());
    std::fill(it, out.end(), Goldilocks::zero());
    return;
  }
  const std::size_t triples = p.quadratic_triples(), j = i - p.witness_rows();
  const std::size_t which = j / triples, first = (j % triples) * wr;  // which: 0 x, 1 y, 2 z
  for (std::size_t pos = 0; pos < wr; ++pos) {
    if (first + pos >= quadratic.size()) {
      out[pos] = Goldilocks::zero();
      continue;
    }
    const QuadraticConstraint& q = quadratic[first + pos];
    out[pos] = witness[which == 0 ? q.x : which == 1 ? q.y : q.z];
  }
}

// A over the data positions (row * WR + position, witness slot s at index s):
// sum_c alpha_c * (form c's coefficients), plus the copy constraints
// Qx - w[x], Qy - w[y], Qz - w[z] with three challenges each. Slots are
// known to be in range (statement_digest checked them).
struct Combined {
  BigArray<Challenge> a;
  Challenge target;  // sum_c alpha_c * (-constant_c): what A . w must equal
};

Combined combine(const LigeroParams& p, const WitnessLayout& layout, const Constraints& cs,
                 std::span<const Challenge> alpha) {
  const std::size_t n = p.data_rows() * p.wr();
  Combined out{BigArray<Challenge>(n), Challenge::zero()};
  std::size_t terms = 3 * layout.quadratic().size();
  for (std::size_t c = 0; c < cs.linear.size(); ++c) {
    out.target -= alpha[c] * cs.linear[c].constant;
    terms += cs.linear[c].terms.size();
  }
  // Each thread owns a contiguous range of A and applies, in order, the
  // terms that land in it: no two threads write one entry, and every entry
  // sees the same updates in the same order for any thread count.
  const std::span<Challenge> a = out.a.span();
#pragma omp parallel if (n + terms >= kParallelMinWork)
  {
    const auto threads = static_cast<std::size_t>(omp_get_num_threads());
    const auto me = static_cast<std::size_t>(omp_get_thread_num());
    const std::size_t lo = n * me / threads, hi = n * (me + 1) / threads;
    const auto add = [&](std::size_t i, const Challenge& v) {
      if (i - lo < hi - lo) a[i] += v;
    };
    std::fill(a.begin() + static_cast<std::ptrdiff_t>(lo),
              a.begin() + static_cast<std::ptrdiff_t>(hi), Challenge::zero());
    for (std::size_t c = 0; c < cs.linear.size(); ++c) {
      for (const auto& [slot, coeff] : cs.linear[c].terms) {
        if (slot - lo < hi - lo) a[slot] += alpha[c] * coeff;
      }
    }
    const auto& quadratic = layout.quadratic();
    for (std::size_t l = 0; l < quadratic.size(); ++l) {
      const QuadraticConstraint& q = quadratic[l];
      const CopySlots copies = copy_slots(p, l);
      const Challenge* r = &alpha[cs.linear.size() + 3 * l];
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

// The values on H (two coordinate vectors of BLOCK) of Af for data row
// `row`: 0 on the NREQ random positions, A's part of the row on the witness
// ones. Returns false when that part is zero (the row adds nothing).
bool a_row_values(const LigeroParams& p, std::span<const Challenge> a, std::size_t row,
                  std::span<Goldilocks> v0, std::span<Goldilocks> v1) {
  const std::span<const Challenge> values = a.subspan(row * p.wr(), p.wr());
  if (std::all_of(values.begin(), values.end(), [](const Challenge& v) { return v.is_zero(); })) {
    return false;
  }
  std::fill(v0.begin(), v0.begin() + static_cast<std::ptrdiff_t>(p.nreq), Goldilocks::zero());
  std::fill(v1.begin(), v1.begin() + static_cast<std::ptrdiff_t>(p.nreq), Goldilocks::zero());
  for (std::size_t j = 0; j < p.wr(); ++j) {
    v0[p.nreq + j] = values[j].c0();
    v1[p.nreq + j] = values[j].c1();
  }
  return true;
}

// acc += x * y element-wise, through a scratch vector.
void mul_add(std::span<Goldilocks> acc, std::span<const Goldilocks> x,
             std::span<const Goldilocks> y, std::span<Goldilocks> tmp) {
  field::vec::mul(tmp, x, y);
  field::vec::add(acc, acc, tmp);
}

// Values on H2 of a polynomial given by coefficients (BLOCK or 2 BLOCK).
void on_h2(std::span<const Goldilocks> coeffs, std::span<Goldilocks> out) {
  poly::coset_lde(coeffs, out, Goldilocks::one());
}

// ---- Prover ------------------------------------------------------------------

std::vector<Challenge> narrow_ldt(const LigeroProverData& d, std::span<const Challenge> u) {
  const LigeroParams& p = d.params;
  const std::size_t k = p.block;
  std::vector<Goldilocks> acc0(d.blind_coeffs.row(LigeroRows::kNarrowBlind).first(k).begin(),
                               d.blind_coeffs.row(LigeroRows::kNarrowBlind).first(k).end());
  std::vector<Goldilocks> acc1(d.blind_coeffs.row(LigeroRows::kNarrowBlind + 1).first(k).begin(),
                               d.blind_coeffs.row(LigeroRows::kNarrowBlind + 1).first(k).end());
  // Split the coefficient positions among threads; each thread runs over all
  // rows for its slice, so no reduction is needed.
  constexpr std::size_t kSlice = 1024;
  const std::size_t slices = (k + kSlice - 1) / kSlice;
#pragma omp parallel if (p.data_rows() * k >= kParallelMinWork)
  {
    std::vector<Goldilocks> tmp(kSlice);
#pragma omp for schedule(static)
    for (std::ptrdiff_t s = 0; s < static_cast<std::ptrdiff_t>(slices); ++s) {
      const std::size_t begin = static_cast<std::size_t>(s) * kSlice;
      const std::size_t len = std::min(kSlice, k - begin);
      const auto a0 = std::span(acc0).subspan(begin, len);
      const auto a1 = std::span(acc1).subspan(begin, len);
      for (std::size_t r = 0; r < p.data_rows(); ++r) {
        axpy(a0, a1, u[r], d.data_coeffs.row(r).subspan(begin, len), std::span(tmp).first(len));
      }
    }
  }
  poly::ntt(acc0);
  poly::ntt(acc1);
  std::vector<Challenge> out(k);
  for (std::size_t j = 0; j < k; ++j) out[j] = Challenge(acc0[j], acc1[j]);
  return out;
}

std::vector<Challenge> wide_ldt(const LigeroProverData& d, std::span<const Challenge> u) {
  const std::size_t k2 = 2 * d.params.block;
  const auto blind0 = d.blind_coeffs.row(LigeroRows::kWideBlind);
  const auto blind1 = d.blind_coeffs.row(LigeroRows::kWideBlind + 1);
  std::vector<Goldilocks> acc0(blind0.begin(), blind0.end()), acc1(blind1.begin(), blind1.end());
  std::vector<Goldilocks> tmp(k2);
  for (std::size_t r = 0; r < kWideTestedRows; ++r) {
    axpy(acc0, acc1, u[d.params.data_rows() + r], d.blind_coeffs.row(LigeroRows::kDotBlind + r),
         tmp);
  }
  poly::ntt(acc0);
  poly::ntt(acc1);
  std::vector<Challenge> out(k2);
  for (std::size_t j = 0; j < k2; ++j) out[j] = Challenge(acc0[j], acc1[j]);
  return out;
}

// Values on H2 of blinding rows `first` and `first + 1` (an E polynomial).
std::pair<std::vector<Goldilocks>, std::vector<Goldilocks>> blind_on_h2(const LigeroProverData& d,
                                                                        std::size_t first) {
  const std::size_t k2 = 2 * d.params.block;
  std::vector<Goldilocks> v0(k2), v1(k2);
  on_h2(d.blind_coeffs.row(first), v0);
  on_h2(d.blind_coeffs.row(first + 1), v1);
  return {std::move(v0), std::move(v1)};
}

// p = Z + sum_i Af_i * W_i on H2: degree < 2 BLOCK, and on the witness
// positions of H it sums to A . w. On H (the even indices of H2) Af_i is A's
// row itself and W_i its message, so only the odd indices, the coset
// w_2BLOCK * H, need interpolation and evaluation: six size-BLOCK transforms
// per row where evaluating on all of H2 would take eight.
std::vector<Challenge> dot_response(const LigeroProverData& d, std::span<const Challenge> a) {
  const LigeroParams& p = d.params;
  const std::size_t k = p.block;
  const Goldilocks odd = Goldilocks::root_of_unity(p.log_block() + 1);
  CoordinateSum sum(2 * k);  // each coordinate: [even indices | odd indices]
#pragma omp parallel if (p.data_rows() * 2 * k >= kParallelMinWork)
  {
    std::vector<Goldilocks> v0(k), v1(k), c0(k), c1(k), w(k), tmp(k);
    // Not a structured binding: clang 14 cannot capture those into the
    // OpenMP worksharing region below.
    const auto mine = sum.mine();
    const std::span<Goldilocks> acc0 = mine.first, acc1 = mine.second;
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t ri = 0; ri < static_cast<std::ptrdiff_t>(p.data_rows()); ++ri) {
      const auto r = static_cast<std::size_t>(ri);
      if (!a_row_values(p, a, r, v0, v1)) continue;
      const std::span<const Goldilocks> coeffs = d.data_coeffs.row(r);
      std::copy(coeffs.begin(), coeffs.end(), w.begin());
      poly::ntt(w);
      mul_add(acc0.first(k), v0, w, tmp);
      mul_add(acc1.first(k), v1, w, tmp);
      std::copy(v0.begin(), v0.end(), c0.begin());
      std::copy(v1.begin(), v1.end(), c1.begin());
      poly::intt(c0);
      poly::intt(c1);
      poly::coset_lde(c0, v0, odd);
      poly::coset_lde(c1, v1, odd);
      poly::coset_lde(coeffs, w, odd);
      mul_add(acc0.subspan(k), v0, w, tmp);
      mul_add(acc1.subspan(k), v1, w, tmp);
    }
  }
  const auto [z0, z1] = blind_on_h2(d, LigeroRows::kDotBlind);
  const std::vector<Challenge> s = sum.total();
  std::vector<Challenge> out(2 * k);
  for (std::size_t i = 0; i < 2 * k; ++i) {
    out[i] = Challenge(z0[i], z1[i]) + s[(i % 2) * k + i / 2];
  }
  return out;
}

// y = ZQ + sum_t uq_t (Qz_t - Qx_t Qy_t) on H2, without the witness positions
// (where every term vanishes for an honest prover, so they are not sent).
std::vector<Challenge> quad_response(const LigeroProverData& d, std::span<const Challenge> uq) {
  const LigeroParams& p = d.params;
  const std::size_t k2 = 2 * p.block, triples = p.quadratic_triples();
  CoordinateSum sum(k2);
#pragma omp parallel if (triples * k2 >= kParallelMinWork)
  {
    std::vector<Goldilocks> x(k2), y(k2), z(k2), tmp(k2);
    // Not a structured binding: clang 14 cannot capture those into the
    // OpenMP worksharing region below.
    const auto mine = sum.mine();
    const std::span<Goldilocks> acc0 = mine.first, acc1 = mine.second;
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t ti = 0; ti < static_cast<std::ptrdiff_t>(triples); ++ti) {
      const auto t = static_cast<std::size_t>(ti);
      const std::size_t qx = p.witness_rows() + t;
      on_h2(d.data_coeffs.row(qx), x);
      on_h2(d.data_coeffs.row(qx + triples), y);
      on_h2(d.data_coeffs.row(qx + 2 * triples), z);
      field::vec::mul(x, x, y);
      field::vec::sub(z, z, x);
      axpy(acc0, acc1, uq[t], z, tmp);
    }
  }
  const auto [zq0, zq1] = blind_on_h2(d, LigeroRows::kQuadBlind);
  const std::vector<Challenge> s = sum.total();
  std::vector<Challenge> sent;
  sent.reserve(k2 - p.wr());
  for (std::size_t i = 0; i < k2; ++i) {
    if (!is_witness_position(p, i)) sent.push_back(Challenge(zq0[i], zq1[i]) + s[i]);
  }
  return sent;
}

// ---- Verifier ----------------------------------------------------------------

// Evaluates polynomials, given by their values on <w_m> (m = BLOCK or
// 2 BLOCK), at the queried coset points: interpolate, one coset LDE per
// coordinate, gather. Owns its scratch so a thread reuses it row after row.
class QueryEvaluator {
 public:
  QueryEvaluator(const LigeroParams& p, std::span<const std::size_t> queries)
      : queries_(queries),
        coeffs0_(2 * p.block),
        coeffs1_(2 * p.block),
        codeword_(p.columns()),
        gathered0_(queries.size()) {}

  // out[i] = f(point of queries[i]) for f with coordinate coefficient
  // vectors c0, c1 (of equal length m).
  void at_queries(std::span<const Goldilocks> c0, std::span<const Goldilocks> c1,
                  std::span<Challenge> out) {
    poly::coset_lde(c0, codeword_);
    for (std::size_t i = 0; i < queries_.size(); ++i) gathered0_[i] = codeword_[queries_[i]];
    poly::coset_lde(c1, codeword_);
    for (std::size_t i = 0; i < queries_.size(); ++i) {
      out[i] = Challenge(gathered0_[i], codeword_[queries_[i]]);
    }
  }

  std::vector<Challenge> values_at_queries(std::span<const Challenge> values) {
    const std::size_t m = values.size();
    const auto c0 = std::span(coeffs0_).first(m), c1 = std::span(coeffs1_).first(m);
    for (std::size_t j = 0; j < m; ++j) {
      c0[j] = values[j].c0();
      c1[j] = values[j].c1();
    }
    poly::intt(c0);
    poly::intt(c1);
    std::vector<Challenge> out(queries_.size());
    at_queries(c0, c1, out);
    return out;
  }

 private:
  std::span<const std::size_t> queries_;
  std::vector<Goldilocks> coeffs0_, coeffs1_, codeword_, gathered0_;
};

// The opened columns as a (query, row) table.
class Opened {
 public:
  Opened(const LigeroParams& p, std::span<const Goldilocks> columns)
      : rows_(p.rows()), columns_(columns) {}
  Goldilocks at(std::size_t query, std::size_t row) const { return columns_[query * rows_ + row]; }
  Challenge pair(std::size_t query, std::size_t first_row) const {
    return Challenge(at(query, first_row), at(query, first_row + 1));
  }

 private:
  std::size_t rows_;
  std::span<const Goldilocks> columns_;
};

bool equal(std::span<const Challenge> a, std::span<const Challenge> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

// sum_i Af_i(x_q) W_i(x_q) + Z(x_q) at every query.
std::vector<Challenge> dot_at_queries(const LigeroParams& p, std::span<const Challenge> a,
                                      std::span<const std::size_t> queries, const Opened& opened) {
  const std::size_t t = queries.size(), k = p.block;
  std::vector<std::vector<Challenge>> parts(static_cast<std::size_t>(omp_get_max_threads()));
#pragma omp parallel if (p.data_rows() * p.columns() >= kParallelMinWork)
  {
    QueryEvaluator eval(p, queries);
    std::vector<Goldilocks> c0(k), c1(k);
    std::vector<Challenge> af(t);
    auto& acc = parts[static_cast<std::size_t>(omp_get_thread_num())];
    acc.assign(t, Challenge::zero());
#pragma omp for schedule(dynamic, 1)
    for (std::ptrdiff_t ri = 0; ri < static_cast<std::ptrdiff_t>(p.data_rows()); ++ri) {
      const auto r = static_cast<std::size_t>(ri);
      if (!a_row_values(p, a, r, c0, c1)) continue;
      poly::intt(c0);
      poly::intt(c1);
      eval.at_queries(c0, c1, af);
      for (std::size_t q = 0; q < t; ++q) {
        acc[q] += af[q] * opened.at(q, LigeroRows::kFirstData + r);
      }
    }
  }
  std::vector<Challenge> out(t);
  for (std::size_t q = 0; q < t; ++q) {
    out[q] = opened.pair(q, LigeroRows::kDotBlind);
    for (const auto& part : parts) {
      if (!part.empty()) out[q] += part[q];
    }
  }
  return out;
}

Bytes serialize(const LigeroProof& proof) {
  ByteWriter w;
  proof.write(w);
  return w.take();
}

}  // namespace

// ---- Proof encoding ----------------------------------------------------------

void LigeroProof::write(ByteWriter& w) const {
  for (const auto* v : {&ldt, &wide_ldt, &dot, &quad}) {
    for (const Challenge& e : *v) e.write(w);
  }
  write_openings(w);
}

void LigeroProof::write_openings(ByteWriter& w) const {
  for (const Goldilocks& g : columns) g.write(w);
  for (const Salt& s : salts) w.raw(s);
  merkle.write(w);
}

LigeroProof LigeroProof::read(ByteReader& r, const LigeroParams& p) {
  const auto read_elements = [&r](std::vector<Challenge>& out, std::size_t n) {
    out.resize(n);
    for (Challenge& e : out) e = Challenge::read(r);
  };
  LigeroProof proof;
  read_elements(proof.ldt, p.block);
  read_elements(proof.wide_ldt, 2 * p.block);
  read_elements(proof.dot, 2 * p.block);
  read_elements(proof.quad, 2 * p.block - p.wr());
  proof.columns.resize(p.nreq * p.rows());
  for (Goldilocks& g : proof.columns) g = Goldilocks::read(r);
  proof.salts.resize(p.nreq);
  for (Salt& s : proof.salts) {
    const ByteSpan bytes = r.raw(s.size(), "Ligero column salt");
    std::copy(bytes.begin(), bytes.end(), s.begin());
  }
  proof.merkle =
      hash::MerkleMultiProof::read(r, hash::MerkleTree::max_proof_digests(p.columns(), p.nreq));
  return proof;
}

LigeroProof LigeroProof::parse(ByteSpan bytes, const LigeroParams& params) {
  ByteReader r(bytes);
  LigeroProof proof = read(r, params);
  r.expect_end("Ligero proof");
  return proof;
}

// ---- Ligero ------------------------------------------------------------------

LigeroParams Ligero::params_for(const WitnessLayout& layout) const {
  const std::size_t nw = layout.size(), nq = layout.quadratic().size();
  if (options_.block == 0) {
    return LigeroParams::choose(nw, nq, options_.queries, options_.log_rate_inv);
  }
  return LigeroParams::make(nw, nq, options_.queries, options_.block, options_.log_rate_inv);
}

void Ligero::schema_commitment(hash::TranscriptSchema& schema) const {
  schema.absorb(kCommitmentLabel, hash::ValueType::digest());
}

void Ligero::schema_proof(hash::TranscriptSchema& schema) const {
  using hash::ValueType;
  const ValueType e = ValueType::field<Challenge>();
  schema.absorb(kParamsLabel, ValueType::bytes())
      .absorb(kStatementLabel, ValueType::digest())
      .squeeze(kLdtChallengesLabel, e)
      .absorb(kLdtLabel, e)
      .absorb(kWideLdtLabel, e)
      .squeeze(kAlphaLabel, e)
      .absorb(kDotLabel, e)
      .squeeze(kQuadChallengesLabel, e)
      .absorb(kQuadLabel, e)
      .squeeze(kQueriesLabel, ValueType::indices())
      .absorb(kOpeningsLabel, ValueType::bytes());
}

void Ligero::absorb_commitment(const Commitment& commitment, hash::Transcript& transcript) const {
  transcript.absorb_digest(kCommitmentLabel, commitment.root);
}

CommitResult Ligero::commit(std::span<const Goldilocks> witness,
                            const WitnessLayout& layout) const {
  return commit_with_randomness(witness, layout,
                                [](std::span<std::uint8_t> out) { os_random_bytes(out); });
}

CommitResult Ligero::commit_with_randomness(std::span<const Goldilocks> witness,
                                            const WitnessLayout& layout,
                                            const RandomBytes& random) const {
  require(witness.size() == layout.size(), "Ligero: witness size differs from the layout");
  for (const QuadraticConstraint& q : layout.quadratic()) {
    require(q.x < layout.size() && q.y < layout.size() && q.z < layout.size(),
            "Ligero: quadratic constraint names a slot outside the layout");
  }
  auto d = std::make_unique<LigeroProverData>();
  d->params = params_for(layout);
  d->layout = layout;
  const LigeroParams& p = d->params;
  const std::size_t k = p.block, k2 = 2 * k, n = p.columns();

  // Blinding rows, as messages: the narrow one on H (BLOCK symbols), the
  // others on H2 (2 BLOCK symbols), each coordinate row uniform subject to
  // its test's constraint on the witness positions.
  d->blind_coeffs = Matrix(LigeroRows::kFirstData, k2);
  for (std::size_t r = 0; r < LigeroRows::kFirstData; ++r) {
    const std::span<Goldilocks> row = d->blind_coeffs.row(r);
    if (r < LigeroRows::kWideBlind) {
      fill_uniform(row.first(k), random);
      std::fill(row.begin() + static_cast<std::ptrdiff_t>(k), row.end(), Goldilocks::zero());
      continue;
    }
    fill_uniform(row, random);
    if (r >= LigeroRows::kQuadBlind) {
      for (std::size_t c = p.nreq; c < k; ++c) row[2 * c] = Goldilocks::zero();
    } else if (r >= LigeroRows::kDotBlind) {
      Goldilocks others = Goldilocks::zero();
      for (std::size_t c = p.nreq; c + 1 < k; ++c) others += row[2 * c];
      row[2 * (k - 1)] = -others;
    }
  }
  // The NREQ random symbols that open every data row.
  std::vector<Goldilocks> pads(p.data_rows() * p.nreq);
  fill_uniform(pads, random);

  // Lay out and encode every row: interpolate on its message domain, then
  // evaluate on the coset. Rows are independent, so any thread count gives
  // these bytes.
  d->data_coeffs = Matrix(p.data_rows(), k);
  d->codewords = Matrix(p.rows(), n);
  parallel_rows(p.rows(), p.rows() * n, [&](std::size_t r) {
    std::span<Goldilocks> message;
    if (r < LigeroRows::kFirstData) {
      message = d->blind_coeffs.row(r);
      if (r < LigeroRows::kWideBlind) message = message.first(k);
    } else {
      const std::size_t i = r - LigeroRows::kFirstData;
      message = d->data_coeffs.row(i);
      std::copy_n(pads.begin() + static_cast<std::ptrdiff_t>(i * p.nreq), p.nreq, message.begin());
      fill_data_row(p, witness, layout.quadratic(), i, message.subspan(p.nreq));
    }
    poly::intt(message);
    poly::coset_lde(message, d->codewords.row(r));
  });

  // One salted leaf per column. Leaves are written column by column from
  // the row-major tableau, a few columns (one cache line per row) at a time.
  d->salts.resize(n);
  random(std::span(reinterpret_cast<std::uint8_t*>(d->salts.data()), n * hash::kSaltBytes));
  const std::size_t rows = p.rows();
  std::vector<Digest> leaves(n);
  hash::hash_leaves(
      d->salts, rows * Goldilocks::kBytes,
      [&](std::size_t first, std::size_t count, ByteWriter& w) {
        thread_local std::vector<std::uint8_t> bytes;
        bytes.resize(count * rows * Goldilocks::kBytes);
        for (std::size_t r = 0; r < rows; ++r) {
          const std::span<const Goldilocks> src = d->codewords.row(r).subspan(first, count);
          for (std::size_t c = 0; c < count; ++c) {
            store_le(bytes.data() + (c * rows + r) * Goldilocks::kBytes, src[c].value());
          }
        }
        w.raw(bytes);
      },
      leaves);
  d->tree.emplace(leaves);
  const Commitment commitment{d->tree->root()};
  return {commitment, std::move(d)};
}

Bytes Ligero::prove(std::unique_ptr<ProverData> prover_data, const Constraints& constraints,
                    hash::Transcript& transcript) const {
  return prove_tampered(std::move(prover_data), constraints, transcript, LigeroTamper{});
}

Bytes Ligero::prove_tampered(std::unique_ptr<ProverData> prover_data,
                             const Constraints& constraints, hash::Transcript& transcript,
                             const LigeroTamper& tamper) const {
  const auto* d = dynamic_cast<const LigeroProverData*>(prover_data.get());
  require(d != nullptr, "Ligero: prover data does not come from Ligero::commit");
  const LigeroParams& p = d->params;
  const auto apply = [](const auto& hook, auto& message) {
    if (hook) hook(message);
  };
  ProofTranscript fs(transcript, p);
  fs.statement(statement_digest(d->layout, constraints));

  LigeroProof proof;
  const std::vector<Challenge> u = fs.ldt_challenges();
  proof.ldt = narrow_ldt(*d, u);
  proof.wide_ldt = wide_ldt(*d, u);
  apply(tamper.ldt, proof.ldt);
  apply(tamper.wide_ldt, proof.wide_ldt);
  fs.ldt(proof.ldt, proof.wide_ldt);

  const std::vector<Challenge> alpha = fs.alpha(constraints.linear.size());
  proof.dot = dot_response(*d, combine(p, d->layout, constraints, alpha).a.span());
  apply(tamper.dot, proof.dot);
  fs.dot(proof.dot);

  proof.quad = quad_response(*d, fs.quad_challenges());
  apply(tamper.quad, proof.quad);
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
  apply(tamper.columns, proof.columns);
  ByteWriter openings;
  proof.write_openings(openings);
  fs.openings(openings.bytes());
  return serialize(proof);
}

bool Ligero::verify(const Commitment& commitment, const WitnessLayout& layout,
                    const Constraints& constraints, ByteSpan proof_bytes,
                    hash::Transcript& transcript) const {
  const LigeroParams p = params_for(layout);
  const LigeroProof proof = LigeroProof::parse(proof_bytes, p);

  ProofTranscript fs(transcript, p);
  fs.statement(statement_digest(layout, constraints));
  const std::vector<Challenge> u = fs.ldt_challenges();
  fs.ldt(proof.ldt, proof.wide_ldt);
  const std::vector<Challenge> alpha = fs.alpha(constraints.linear.size());
  fs.dot(proof.dot);
  const std::vector<Challenge> uq = fs.quad_challenges();
  fs.quad(proof.quad);
  const std::vector<std::size_t> queries = fs.queries();
  ByteWriter openings;
  proof.write_openings(openings);
  fs.openings(openings.bytes());

  // The opened columns are the committed ones.
  const std::size_t t = queries.size(), rows = p.rows();
  std::vector<Digest> leaves(t);
  for (std::size_t q = 0; q < t; ++q) {
    leaves[q] = hash::hash_field_leaf<Goldilocks>(proof.salts[q],
                                                  std::span(proof.columns).subspan(q * rows, rows));
  }
  if (!hash::MerkleTree::verify(commitment.root, p.columns(), queries, leaves, proof.merkle)) {
    return false;
  }

  const Opened opened(p, proof.columns);
  QueryEvaluator eval(p, queries);
  const std::size_t data = p.data_rows(), triples = p.quadratic_triples();

  // Low-degree tests: each response, extended, matches the same combination
  // of the opened columns.
  std::vector<Challenge> narrow(t), wide(t);
  for (std::size_t q = 0; q < t; ++q) {
    narrow[q] = opened.pair(q, LigeroRows::kNarrowBlind);
    for (std::size_t r = 0; r < data; ++r) {
      narrow[q] += u[r] * opened.at(q, LigeroRows::kFirstData + r);
    }
    wide[q] = opened.pair(q, LigeroRows::kWideBlind);
    for (std::size_t r = 0; r < kWideTestedRows; ++r) {
      wide[q] += u[data + r] * opened.at(q, LigeroRows::kDotBlind + r);
    }
  }
  if (!equal(narrow, eval.values_at_queries(proof.ldt)) ||
      !equal(wide, eval.values_at_queries(proof.wide_ldt))) {
    return false;
  }

  // Linear test: the response sums to the combined right-hand side on the
  // witness positions and matches the combination at the queries.
  const Combined combined = combine(p, layout, constraints, alpha);
  Challenge sum = Challenge::zero();
  for (std::size_t c = p.nreq; c < p.block; ++c) sum += proof.dot[2 * c];
  if (!(sum == combined.target)) return false;
  if (!equal(dot_at_queries(p, combined.a.span(), queries, opened),
             eval.values_at_queries(proof.dot))) {
    return false;
  }

  // Quadratic test: the response, zero on the witness positions by
  // construction, matches the combination at the queries.
  std::vector<Challenge> quad_full(2 * p.block, Challenge::zero());
  for (std::size_t i = 0, sent = 0; i < quad_full.size(); ++i) {
    if (!is_witness_position(p, i)) quad_full[i] = proof.quad[sent++];
  }
  std::vector<Challenge> quad(t);
  for (std::size_t q = 0; q < t; ++q) {
    quad[q] = opened.pair(q, LigeroRows::kQuadBlind);
    for (std::size_t tr = 0; tr < triples; ++tr) {
      const std::size_t qx = LigeroRows::kFirstData + p.witness_rows() + tr;
      const Goldilocks x = opened.at(q, qx), y = opened.at(q, qx + triples);
      const Goldilocks z = opened.at(q, qx + 2 * triples);
      quad[q] += uq[tr] * (z - x * y);
    }
  }
  return equal(quad, eval.values_at_queries(quad_full));
}

}  // namespace zkinfer::pcs
