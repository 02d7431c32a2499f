// SPDX-License-Identifier: Apache-2.0
#pragma once

// Number-theoretic transforms over Goldilocks and the Reed–Solomon encoding
// (coset low-degree extension) built on them. Conventions, algorithm and
// measured speed: docs/ntt.md.
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

#include <span>
#include <vector>

#include "base/cpu_features.hpp"
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

}  // namespace zkinfer::poly
