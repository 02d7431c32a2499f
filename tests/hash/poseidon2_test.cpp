// SPDX-License-Identifier: Apache-2.0
#include "hash/poseidon2.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "base/error.hpp"

namespace zkinfer::hash {
namespace {

using field::Goldilocks;
using Matrix = std::vector<std::vector<Goldilocks>>;
using Poly = std::vector<Goldilocks>;  // coefficients, lowest degree first

constexpr std::uint64_t kP = Goldilocks::kModulus;

template <std::size_t W>
std::array<Goldilocks, W> elements(const std::array<std::uint64_t, W>& values) {
  std::array<Goldilocks, W> out;
  for (std::size_t i = 0; i < W; ++i) out[i] = Goldilocks::from_u64(values[i]);
  return out;
}

template <std::size_t W>
std::array<Goldilocks, W> iota_state() {
  std::array<Goldilocks, W> out;
  for (std::size_t i = 0; i < W; ++i) out[i] = Goldilocks::from_u64(i);
  return out;
}

std::vector<Goldilocks> iota(std::size_t n) {
  std::vector<Goldilocks> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = Goldilocks::from_u64(i);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Published test vectors.

// HorizenLabs/poseidon2 plain_implementations/src/poseidon2/poseidon2.rs, test
// poseidon2_tests_goldilocks::kats (commit bb476b9ca38198cf5092487283c8b8c5d4317c4e).
TEST(Poseidon2Permutation, Width12ReferenceVector) {
  auto state = iota_state<12>();
  poseidon2_permute(state);
  EXPECT_EQ(state, elements<12>({0x01eaef96bdf1c0c1, 0x1f0d2cc525b2540c, 0x6282c1dfe1e0358d,
                                 0xe780d721f698e1e6, 0x280c0b6f753d833b, 0x1b942dd5023156ab,
                                 0x43f0df3fcccb8398, 0xe8e8190585489025, 0x56bdbf72f77ada22,
                                 0x7911c32bf9dcd705, 0xec467926508fbe67, 0x6a50450ddf85a6ed}));
}

// The HorizenLabs repository has no width-8 vector; these are from Plonky3/Plonky3
// goldilocks/src/poseidon2.rs (tests test_poseidon2_width_8_range and _zeroes of its
// re-creation of the HorizenLabs width-8 instance, same constants and matrices as here).
TEST(Poseidon2Permutation, Width8ReferenceVectors) {
  auto range = iota_state<8>();
  poseidon2_permute(range);
  EXPECT_EQ(range,
            elements<8>({14266028122062624699ULL, 5353147180106052723ULL, 15203350112844181434ULL,
                         17630919042639565165ULL, 16601551015858213987ULL, 10184091939013874068ULL,
                         16774100645754596496ULL, 12047415603622314780ULL}));

  std::array<Goldilocks, 8> zeros{};
  poseidon2_permute(zeros);
  EXPECT_EQ(zeros,
            elements<8>({4214787979728720400ULL, 12324939279576102560ULL, 10353596058419792404ULL,
                         15456793487362310586ULL, 10065219879212154722ULL, 16227496357546636742ULL,
                         2959271128466640042ULL, 14285409611125725709ULL}));
}

// ---------------------------------------------------------------------------------------------
// Regeneration of the constants by the published procedure (poseidon2_rust_params.sage).

// The Grain LFSR of the Poseidon paper (eprint 2019/458) exactly as the reference script
// runs it.
class GrainLfsr {
 public:
  GrainLfsr(unsigned field_bits, unsigned width, unsigned full_rounds, unsigned partial_rounds) {
    // 80 initial bits, most significant first: field type (2 bits, 1 = prime field), S-box type
    // (4 bits, 0 = x^alpha), field size (12), t (12), R_F (10), R_P (10), then 30 ones.
    push(1, 2);
    push(0, 4);
    push(field_bits, 12);
    push(width, 12);
    push(full_rounds, 10);
    push(partial_rounds, 10);
    push((1U << 30) - 1, 30);
    EXPECT_EQ(filled_, kBits);
    for (int i = 0; i < 160; ++i) clock();
  }

  // Bits are drawn in pairs; the second is output only when the first is 1.
  unsigned bit() {
    for (;;) {
      const unsigned first = clock();
      const unsigned second = clock();
      if (first == 1) return second;
    }
  }

  // n output bits as an integer, first bit most significant.
  std::uint64_t bits(unsigned n) {
    std::uint64_t v = 0;
    for (unsigned i = 0; i < n; ++i) v = (v << 1) | bit();
    return v;
  }

 private:
  static constexpr std::size_t kBits = 80;

  void push(std::uint64_t value, unsigned width) {
    for (unsigned i = width; i-- > 0;)
      state_[filled_++] = static_cast<std::uint8_t>((value >> i) & 1);
  }
  unsigned at(std::size_t i) const { return state_[(head_ + i) % kBits]; }
  // b_{i+80} = b_{i+62} + b_{i+51} + b_{i+38} + b_{i+23} + b_{i+13} + b_i; the oldest bit's slot
  // receives the new one.
  unsigned clock() {
    const unsigned b = at(62) ^ at(51) ^ at(38) ^ at(23) ^ at(13) ^ at(0);
    state_[head_] = static_cast<std::uint8_t>(b);
    head_ = (head_ + 1) % kBits;
    return b;
  }

  std::array<std::uint8_t, kBits> state_{};
  std::size_t filled_ = 0;
  std::size_t head_ = 0;
};

void trim(Poly& a) {
  while (!a.empty() && a.back().is_zero()) a.pop_back();
}

// a mod b for any nonzero b.
Poly rem(Poly a, const Poly& b) {
  const Goldilocks lead_inv = b.back().inverse();
  trim(a);
  while (a.size() >= b.size()) {
    const Goldilocks q = a.back() * lead_inv;
    const std::size_t shift = a.size() - b.size();
    for (std::size_t i = 0; i < b.size(); ++i) a[shift + i] -= q * b[i];
    trim(a);
  }
  return a;
}

Poly mul_mod(const Poly& a, const Poly& b, const Poly& f) {
  if (a.empty() || b.empty()) return {};
  Poly out(a.size() + b.size() - 1);
  for (std::size_t i = 0; i < a.size(); ++i) {
    for (std::size_t j = 0; j < b.size(); ++j) out[i + j] += a[i] * b[j];
  }
  return rem(std::move(out), f);
}

Poly pow_mod(Poly base, std::uint64_t e, const Poly& f) {
  Poly acc{Goldilocks::one()};
  for (; e != 0; e >>= 1) {
    if (e & 1) acc = mul_mod(acc, base, f);
    base = mul_mod(base, base, f);
  }
  return acc;
}

Poly gcd(Poly a, Poly b) {
  trim(a);
  trim(b);
  while (!b.empty()) {
    Poly r = rem(a, b);
    a = std::move(b);
    b = std::move(r);
  }
  return a;
}

Poly minus_x(Poly a) {
  if (a.size() < 2) a.resize(2);
  a[1] -= Goldilocks::one();
  trim(a);
  return a;
}

// Rabin's test: a monic f of degree n is irreducible over F_p iff x^(p^n) = x mod f and
// gcd(x^(p^(n/q)) - x, f) = 1 for every prime q dividing n.
bool is_irreducible(const Poly& f) {
  const std::size_t n = f.size() - 1;
  std::vector<Poly> frobenius(n + 1);  // frobenius[k] = x^(p^k) mod f
  frobenius[0] = rem(Poly{Goldilocks::zero(), Goldilocks::one()}, f);
  for (std::size_t k = 1; k <= n; ++k) frobenius[k] = pow_mod(frobenius[k - 1], kP, f);
  if (!minus_x(frobenius[n]).empty()) return false;
  for (std::size_t q = 2; q <= n; ++q) {
    bool prime = true;
    for (std::size_t d = 2; d * d <= q; ++d) prime = prime && q % d != 0;
    if (!prime || n % q != 0) continue;
    if (gcd(f, minus_x(frobenius[n / q])).size() != 1) return false;
  }
  return true;
}

Matrix multiply(const Matrix& a, const Matrix& b) {
  const std::size_t n = a.size();
  Matrix out(n, std::vector<Goldilocks>(n));
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < n; ++k) {
      for (std::size_t j = 0; j < n; ++j) out[i][j] += a[i][k] * b[k][j];
    }
  }
  return out;
}

// Characteristic polynomial (monic) by Faddeev-LeVerrier; the divisions by k <= n are fine in
// a field of characteristic p > n.
Poly charpoly(const Matrix& a) {
  const std::size_t n = a.size();
  Poly c(n + 1);
  c[n] = Goldilocks::one();
  Matrix m(n, std::vector<Goldilocks>(n));
  for (std::size_t k = 1; k <= n; ++k) {
    m = multiply(a, m);
    for (std::size_t i = 0; i < n; ++i) m[i][i] += c[n - k + 1];
    const Matrix am = multiply(a, m);
    Goldilocks trace;
    for (std::size_t i = 0; i < n; ++i) trace += am[i][i];
    c[n - k] = -trace * Goldilocks::from_u64(k).inverse();
  }
  return c;
}

// check_minpoly_condition of the reference script: for k = 1..2t the minimal polynomial of M^k
// has degree t and is irreducible. Equivalently the characteristic polynomial of M^k is
// irreducible (the minimal polynomial divides it and shares its irreducible factors). This is the
// Poseidon2 paper's sufficient condition against invariant-subspace trails in the internal rounds.
bool minpoly_condition(const Matrix& m) {
  Matrix power = m;
  for (std::size_t k = 1; k <= 2 * m.size(); ++k) {
    if (!is_irreducible(charpoly(power))) return false;
    power = multiply(m, power);
  }
  return true;
}

Goldilocks determinant(Matrix a) {
  const std::size_t n = a.size();
  Goldilocks det = Goldilocks::one();
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    while (pivot < n && a[pivot][col].is_zero()) ++pivot;
    if (pivot == n) return Goldilocks::zero();
    if (pivot != col) {
      std::swap(a[pivot], a[col]);
      det = -det;
    }
    det *= a[col][col];
    const Goldilocks inv = a[col][col].inverse();
    for (std::size_t r = col + 1; r < n; ++r) {
      const Goldilocks factor = a[r][col] * inv;
      for (std::size_t j = col; j < n; ++j) a[r][j] -= factor * a[col][j];
    }
  }
  return det;
}

// Regenerates round constants and internal diagonal for width W and compares them with the
// table. Returns how many diagonal candidates were drawn.
template <std::size_t W>
std::size_t regenerate_and_compare() {
  const Poseidon2Constants<W>& table = poseidon2_constants<W>();
  GrainLfsr grain(64, W, kPoseidon2ExternalRounds, kPoseidon2InternalRounds);

  // The script draws R_F * t + R_P constants, rejecting draws >= p, in execution order: t per
  // initial external round, one per internal round, t per terminal external round.
  auto draw_constant = [&grain] {
    std::uint64_t v = grain.bits(64);
    while (v >= kP) v = grain.bits(64);
    return v;
  };
  constexpr std::size_t kHalf = kPoseidon2ExternalRounds / 2;
  for (std::size_t r = 0; r < kHalf; ++r) {
    for (std::size_t i = 0; i < W; ++i) EXPECT_EQ(draw_constant(), table.external[r][i]);
  }
  for (std::size_t r = 0; r < kPoseidon2InternalRounds; ++r) {
    EXPECT_EQ(draw_constant(), table.internal[r]);
  }
  for (std::size_t r = kHalf; r < kPoseidon2ExternalRounds; ++r) {
    for (std::size_t i = 0; i < W; ++i) EXPECT_EQ(draw_constant(), table.external[r][i]);
  }

  // generate_matrix_partial continues the same stream: the diagonal of M_I = (J - I) + diag(d)
  // is drawn as t values reduced mod p (no rejection), redrawn until the minimal-polynomial
  // condition holds. The table stores d - 1.
  for (std::size_t candidates = 1;; ++candidates) {
    Matrix m(W, std::vector<Goldilocks>(W, Goldilocks::one()));
    for (std::size_t i = 0; i < W; ++i) m[i][i] = Goldilocks::from_u64(grain.bits(64));
    if (!minpoly_condition(m)) continue;
    for (std::size_t i = 0; i < W; ++i) {
      EXPECT_EQ((m[i][i] - Goldilocks::one()).value(), table.internal_diag_m1[i]) << "lane " << i;
    }
    return candidates;
  }
}

TEST(Poseidon2Constants, GrainRegeneratesWidth8) {
  // The first three diagonal candidates fail the condition in the reference run too.
  EXPECT_EQ(regenerate_and_compare<8>(), 4U);
}

TEST(Poseidon2Constants, GrainRegeneratesWidth12) {
  EXPECT_EQ(regenerate_and_compare<12>(), 9U);
}

// ---------------------------------------------------------------------------------------------
// Linear layers.

template <std::size_t W>
Matrix layer_matrix(void (*layer)(std::array<Goldilocks, W>&)) {
  Matrix m(W, std::vector<Goldilocks>(W));
  for (std::size_t j = 0; j < W; ++j) {
    std::array<Goldilocks, W> e{};
    e[j] = Goldilocks::one();
    layer(e);
    for (std::size_t i = 0; i < W; ++i) m[i][j] = e[i];
  }
  return m;
}

template <std::size_t W>
void expect_internal_matrix(std::uint64_t first_diagonal, std::uint64_t last_diagonal) {
  const Matrix m = layer_matrix<W>(&poseidon2_internal_layer<W>);
  const auto& diag_m1 = poseidon2_constants<W>().internal_diag_m1;
  for (std::size_t i = 0; i < W; ++i) {
    for (std::size_t j = 0; j < W; ++j) {
      const std::uint64_t expected = i == j ? diag_m1[i] + 1 : 1;
      EXPECT_EQ(m[i][j].value(), expected) << i << "," << j;
    }
  }
  // Diagonal entries of the reference MAT_INTERNAL{t} (first and last row).
  EXPECT_EQ(m[0][0].value(), first_diagonal);
  EXPECT_EQ(m[W - 1][W - 1].value(), last_diagonal);
  EXPECT_FALSE(determinant(m).is_zero());
  EXPECT_TRUE(minpoly_condition(m));
}

TEST(Poseidon2LinearLayers, InternalMatrixIsTheReferenceOne) {
  expect_internal_matrix<8>(0xa98811a1fed4e3a6, 0x3f7af9125da962ff);
  expect_internal_matrix<12>(0xc3b6c08e23ba9301, 0xd27dbb6944917b61);
}

template <std::size_t W>
void expect_external_matrix() {
  constexpr std::uint64_t kM4[4][4] = {{5, 7, 1, 3}, {4, 6, 1, 1}, {1, 3, 5, 7}, {1, 1, 4, 6}};
  const Matrix m = layer_matrix<W>(&poseidon2_external_layer<W>);
  for (std::size_t i = 0; i < W; ++i) {
    for (std::size_t j = 0; j < W; ++j) {
      const std::uint64_t block = i / 4 == j / 4 ? 2 : 1;
      EXPECT_EQ(m[i][j].value(), block * kM4[i % 4][j % 4]) << i << "," << j;
    }
  }
  EXPECT_FALSE(determinant(m).is_zero());
}

TEST(Poseidon2LinearLayers, ExternalMatrixIsBlockCirculantOfM4) {
  expect_external_matrix<8>();
  expect_external_matrix<12>();
}

// The layers reduce lazily; compare them with plain matrix-vector products at the largest
// lane values and on random states.
template <std::size_t W>
void expect_layers_match_matrices() {
  const Matrix external = layer_matrix<W>(&poseidon2_external_layer<W>);
  const Matrix internal = layer_matrix<W>(&poseidon2_internal_layer<W>);
  auto apply = [](const Matrix& m, const std::array<Goldilocks, W>& x) {
    std::array<Goldilocks, W> y{};
    for (std::size_t i = 0; i < W; ++i) {
      for (std::size_t j = 0; j < W; ++j) y[i] += m[i][j] * x[j];
    }
    return y;
  };
  std::mt19937_64 rng(W);
  for (int trial = 0; trial < 100; ++trial) {
    std::array<Goldilocks, W> x;
    for (auto& v : x)
      v = trial == 0 ? Goldilocks::from_canonical(kP - 1) : Goldilocks::from_u64(rng());
    auto e = x;
    poseidon2_external_layer(e);
    EXPECT_EQ(e, apply(external, x));
    auto n = x;
    poseidon2_internal_layer(n);
    EXPECT_EQ(n, apply(internal, x));
  }
}

TEST(Poseidon2LinearLayers, LazyReductionMatchesPlainArithmetic) {
  expect_layers_match_matrices<8>();
  expect_layers_match_matrices<12>();
}

// ---------------------------------------------------------------------------------------------
// Sponge.

TEST(Poseidon2Sponge, MatchesSpecificationOnPermutation) {
  // 11 elements with tag 5: block 1 = x0..x7; block 2 = x8, x9, x10, pad 1, zeros.
  const std::vector<Goldilocks> input = iota(11);
  std::array<Goldilocks, 12> state{};
  state[8] = Goldilocks::from_u64(5);
  for (std::size_t i = 0; i < 8; ++i) state[i] += input[i];
  poseidon2_permute(state);
  for (std::size_t i = 0; i < 3; ++i) state[i] += input[8 + i];
  state[3] += Goldilocks::one();
  poseidon2_permute(state);
  const Poseidon2Digest expected{state[0], state[1], state[2], state[3]};
  EXPECT_EQ(poseidon2_hash(input, 5), expected);

  // Exactly one block of input: the pad occupies a block of its own.
  const std::vector<Goldilocks> block = iota(8);
  std::array<Goldilocks, 12> s{};
  for (std::size_t i = 0; i < 8; ++i) s[i] = block[i];
  poseidon2_permute(s);
  s[0] += Goldilocks::one();
  poseidon2_permute(s);
  EXPECT_EQ(poseidon2_hash(block, 0), (Poseidon2Digest{s[0], s[1], s[2], s[3]}));
}

TEST(Poseidon2Sponge, LengthsAndTrailingZerosNeverCollide) {
  std::set<std::array<std::uint64_t, 4>> seen;
  for (std::size_t n = 0; n <= 33; ++n) {
    for (std::uint64_t fill : {0ULL, 1ULL}) {
      if (n == 0 && fill == 1) continue;  // the empty input again
      const std::vector<Goldilocks> input(n, Goldilocks::from_u64(fill));
      const Poseidon2Digest d = poseidon2_hash(input, 0);
      EXPECT_TRUE(seen.insert({d[0].value(), d[1].value(), d[2].value(), d[3].value()}).second)
          << "n = " << n << ", fill = " << fill;
    }
  }
  // A message equal to another one's padding: m vs m || 1 vs m || 1 || 0.
  std::vector<Goldilocks> m = iota(7);
  const Poseidon2Digest d7 = poseidon2_hash(m, 0);
  m.push_back(Goldilocks::one());
  const Poseidon2Digest d8 = poseidon2_hash(m, 0);
  m.push_back(Goldilocks::zero());
  const Poseidon2Digest d9 = poseidon2_hash(m, 0);
  EXPECT_NE(d7, d8);
  EXPECT_NE(d8, d9);
  EXPECT_NE(d7, d9);
}

TEST(Poseidon2Sponge, DomainTagsSeparate) {
  const std::vector<Goldilocks> input = iota(5);
  EXPECT_NE(poseidon2_hash(input, 0), poseidon2_hash(input, 1));
  EXPECT_NE(poseidon2_hash({}, 0), poseidon2_hash({}, 1));
  EXPECT_NE(poseidon2_hash(input, 7), poseidon2_hash(input, kP - 1));
  EXPECT_THROW(Poseidon2Sponge{kP}, Error);
  EXPECT_THROW(poseidon2_hash(input, kP + 7), Error);
}

TEST(Poseidon2Sponge, IncrementalEqualsOneShot) {
  std::mt19937_64 rng(12);
  constexpr std::size_t kLengths[] = {0, 1, 7, 8, 9, 16, 17, 40};
  for (std::size_t n : kLengths) {
    std::vector<Goldilocks> input(n);
    for (auto& x : input) x = Goldilocks::from_u64(rng());
    const Poseidon2Digest one_shot = poseidon2_hash(input, 3);
    for (int split = 0; split < 5; ++split) {
      Poseidon2Sponge sponge(3);
      std::size_t at = 0;
      while (at < n) {
        const std::size_t take = std::min<std::size_t>(n - at, rng() % 6);
        if (take == 1) {
          sponge.absorb(input[at]);
        } else {
          sponge.absorb(std::span<const Goldilocks>(input).subspan(at, take));
        }
        at += take;
      }
      Poseidon2Digest d;
      sponge.squeeze(std::span<Goldilocks>(d));
      EXPECT_EQ(d, one_shot) << "n = " << n;
    }
  }
}

TEST(Poseidon2Sponge, SqueezesConcatenate) {
  const std::vector<Goldilocks> input = iota(10);
  Poseidon2Sponge all(9);
  all.absorb(input);
  const std::vector<Goldilocks> whole = all.squeeze(21);

  Poseidon2Sponge parts(9);
  parts.absorb(input);
  std::vector<Goldilocks> joined;
  constexpr std::size_t kParts[] = {3, 5, 0, 8, 5};
  for (std::size_t n : kParts) {
    const std::vector<Goldilocks> part = parts.squeeze(n);
    joined.insert(joined.end(), part.begin(), part.end());
  }
  EXPECT_EQ(joined, whole);
  const Poseidon2Digest digest = poseidon2_hash(input, 9);
  EXPECT_TRUE(std::equal(digest.begin(), digest.end(), whole.begin()));
}

TEST(Poseidon2SpongeDeathTest, AbsorbAfterSqueezeAborts) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  Poseidon2Sponge sponge(0);
  sponge.squeeze(1);
  EXPECT_DEATH(sponge.absorb(Goldilocks::one()), "absorb after squeeze");
}

// Regression vector computed once with this implementation (not an external vector): it pins the
// sponge specification of docs/poseidon2.md.
TEST(Poseidon2Sponge, RegressionVector) {
  const Poseidon2Digest d = poseidon2_hash(iota(20), 0);
  EXPECT_EQ(d, elements<4>({0x0541ad338cd76c20, 0xf635624689e147cf, 0xc79d936da6bede97,
                            0xb693144da0c5670c}));
}

TEST(Poseidon2Digest, SerializesAsCanonicalLittleEndian) {
  const Poseidon2Digest d = elements<4>({0x0102030405060708, 1, kP - 1, 0});
  ByteWriter w;
  write_poseidon2_digest(w, d);
  const Bytes bytes = w.take();
  ASSERT_EQ(bytes.size(), kPoseidon2DigestBytes);
  EXPECT_EQ(bytes[0], 0x08);
  EXPECT_EQ(bytes[7], 0x01);
  EXPECT_EQ(bytes[8], 0x01);
  ByteReader r(bytes);
  EXPECT_EQ(read_poseidon2_digest(r), d);
  r.expect_end("digest");

  Bytes bad = bytes;
  for (std::size_t i = 24; i < 32; ++i) bad[i] = 0xff;  // element 3 = 2^64 - 1 >= p
  ByteReader rb(bad);
  EXPECT_THROW(read_poseidon2_digest(rb), Error);
  ByteReader rt(ByteSpan(bytes).first(31));
  EXPECT_THROW(read_poseidon2_digest(rt), Error);
}

// ---------------------------------------------------------------------------------------------
// Compression.

TEST(Poseidon2Compress, FeedForwardTruncationOfWidth8) {
  const Poseidon2Digest left = elements<4>({1, 2, 3, 4});
  const Poseidon2Digest right = elements<4>({5, 6, 7, kP - 1});
  std::array<Goldilocks, 8> state;
  for (std::size_t i = 0; i < 4; ++i) {
    state[i] = left[i];
    state[4 + i] = right[i];
  }
  poseidon2_permute(state);
  const Poseidon2Digest expected{state[0] + left[0], state[1] + left[1], state[2] + left[2],
                                 state[3] + left[3]};
  EXPECT_EQ(poseidon2_compress(left, right), expected);
  EXPECT_NE(poseidon2_compress(left, right), poseidon2_compress(right, left));
}

}  // namespace
}  // namespace zkinfer::hash
