// SPDX-License-Identifier: Apache-2.0
#pragma once

// Number-theoretic transforms over Goldilocks and the Reed–Solomon encoding
// (coset low-degree extension) built on them. Conventions, algorithm and
// measured speed: docs/ntt.md. The templates at the end run the same
// transforms over any 2-adic prime field (the tiny fields of soundness
// experiments) with a scalar radix-2 algorithm, and over Goldilocks with the
// fast paths below.
//
// Every array is in natural order, in and out. For a size n = 2^k
// (1 <= n <= 2^32) the transform uses w = Goldilocks::root_of_unity(k):
// ntt maps coefficients c to evaluations v[i] = sum_j c[j] * w^(i*j), and
// intt is its exact inverse (including the 1/n). Sizes that are not a power
// of two, or exceed 2^32, throw zkinfer::Error.
//
// The overloads taking an Isa run that code path (tests compare them; an Isa
// the CPU lacks throws); the others use best_isa(). Every path and every
// OpenMP thread count gives bit-identical results.

#include <algorithm>
#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "base/cpu_features.hpp"
#include "base/error.hpp"
#include "field/concepts.hpp"
#include "field/goldilocks.hpp"

namespace zkinfer::poly {

using field::Goldilocks;

// The coset that Reed–Solomon codewords are evaluated on: shift * <w>, with
// shift the multiplicative generator, so the coset never meets the subgroup
// the message was interpolated on.
inline constexpr Goldilocks kDefaultCosetShift = Goldilocks::from_u64(Goldilocks::kGenerator);

void ntt(std::span<Goldilocks> values, Isa isa);
void intt(std::span<Goldilocks> values, Isa isa);

inline void ntt(std::span<Goldilocks> values) {
  ntt(values, best_isa());
}
inline void intt(std::span<Goldilocks> values) {
  intt(values, best_isa());
}

// Evaluations of the polynomial with coefficients `coeffs` (n of them, a
// power of two) at shift * w_N^i for i = 0..N-1, where N = n * 2^log_blowup
// and w_N = root_of_unity(log2 N): the rate 2^-log_blowup Reed–Solomon
// codeword of the message, in natural order.
std::vector<Goldilocks> coset_lde(std::span<const Goldilocks> coeffs, unsigned log_blowup,
                                  Goldilocks shift, Isa isa);

inline std::vector<Goldilocks> coset_lde(std::span<const Goldilocks> coeffs, unsigned log_blowup,
                                         Goldilocks shift = kDefaultCosetShift) {
  return coset_lde(coeffs, log_blowup, shift, best_isa());
}

// The same codeword written into `codeword`, whose size n * 2^log_blowup
// fixes the blowup. `coeffs` may lie inside `codeword` (e.g. at its start, to
// encode in place): it is read completely before `codeword` is written.
// Encoding many messages into one preallocated matrix this way also avoids a
// fresh allocation (and its page faults) per codeword.
void coset_lde(std::span<const Goldilocks> coeffs, std::span<Goldilocks> codeword, Goldilocks shift,
               Isa isa);

inline void coset_lde(std::span<const Goldilocks> coeffs, std::span<Goldilocks> codeword,
                      Goldilocks shift = kDefaultCosetShift) {
  coset_lde(coeffs, codeword, shift, best_isa());
}

// The same codeword from the message given as its n evaluations on the
// subgroup <w_n> (natural order) instead of its coefficients.
std::vector<Goldilocks> rs_encode_evals(std::span<const Goldilocks> evals, unsigned log_blowup,
                                        Goldilocks shift = kDefaultCosetShift);

// ---- Any 2-adic prime field -------------------------------------------------

// What the transforms need of a field: subgroups of order 2^k for
// k <= kTwoAdicity with roots w_{2n}^2 = w_n, and a multiplicative generator
// for the coset shift. Goldilocks and field::SmallPrime qualify.
template <class F>
concept TwoAdicField = field::Field<F> && requires(unsigned log_n) {
  { F::kTwoAdicity } -> std::convertible_to<unsigned>;
  { F::kGenerator } -> std::convertible_to<std::uint64_t>;
  { F::root_of_unity(log_n) } -> std::same_as<F>;
};

template <TwoAdicField F>
constexpr F default_coset_shift() {
  return F::from_u64(F::kGenerator);
}

namespace detail {

template <TwoAdicField F>
unsigned two_adic_log_size(std::size_t n, const char* what) {
  if (!std::has_single_bit(n) || n > (std::size_t{1} << F::kTwoAdicity)) {
    fail(std::string(what) + ": size " + std::to_string(n) + " is not a power of two in [1, 2^" +
         std::to_string(F::kTwoAdicity) + "]");
  }
  return static_cast<unsigned>(std::countr_zero(n));
}

// v[i] = sum_j v[j] * root^(ij) in place, root a primitive n-th root of
// unity: textbook decimation in time after a bit-reversal permutation.
template <TwoAdicField F>
void radix2_transform(std::span<F> v, F root) {
  const std::size_t n = v.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j |= bit;
    if (i < j) std::swap(v[i], v[j]);
  }
  for (std::size_t len = 2; len <= n; len *= 2) {
    const F step = root.pow(n / len);
    for (std::size_t first = 0; first < n; first += len) {
      F w = F::one();
      for (std::size_t i = first; i < first + len / 2; ++i, w *= step) {
        const F x = v[i], y = v[i + len / 2] * w;
        v[i] = x + y;
        v[i + len / 2] = x - y;
      }
    }
  }
}

}  // namespace detail

// ntt, intt and coset_lde with the conventions above, for any 2-adic field;
// sizes up to 2^kTwoAdicity. Goldilocks takes the fast paths (best_isa()).
// Call with the field named (poly::ntt<F>(v)) so that vectors convert.
template <TwoAdicField F>
void ntt(std::span<F> values) {
  if constexpr (std::is_same_v<F, Goldilocks>) {
    ntt(values, best_isa());
  } else {
    const unsigned log_n = detail::two_adic_log_size<F>(values.size(), "ntt");
    detail::radix2_transform(values, F::root_of_unity(log_n));
  }
}

template <TwoAdicField F>
void intt(std::span<F> values) {
  if constexpr (std::is_same_v<F, Goldilocks>) {
    intt(values, best_isa());
  } else {
    const unsigned log_n = detail::two_adic_log_size<F>(values.size(), "intt");
    detail::radix2_transform(values, F::root_of_unity(log_n).inverse());
    const F n_inv = F::from_u64(values.size()).inverse();
    for (F& v : values) v *= n_inv;
  }
}

// `coeffs` may lie inside `codeword`, as for the Goldilocks overload.
template <TwoAdicField F>
void coset_lde(std::span<const F> coeffs, std::span<F> codeword,
               F shift = default_coset_shift<F>()) {
  if constexpr (std::is_same_v<F, Goldilocks>) {
    coset_lde(coeffs, codeword, shift, best_isa());
  } else {
    const unsigned log_n = detail::two_adic_log_size<F>(coeffs.size(), "coset_lde message");
    const unsigned log_size = detail::two_adic_log_size<F>(codeword.size(), "coset_lde codeword");
    if (log_size < log_n) {
      fail("coset_lde: codeword of " + std::to_string(codeword.size()) +
           " symbols is shorter than the message of " + std::to_string(coeffs.size()));
    }
    std::vector<F> scaled(coeffs.begin(), coeffs.end());
    F power = F::one();
    for (F& c : scaled) {
      c *= power;
      power *= shift;
    }
    std::copy(scaled.begin(), scaled.end(), codeword.begin());
    std::fill(codeword.begin() + static_cast<std::ptrdiff_t>(scaled.size()), codeword.end(),
              F::zero());
    detail::radix2_transform(codeword, F::root_of_unity(log_size));
  }
}

}  // namespace zkinfer::poly
