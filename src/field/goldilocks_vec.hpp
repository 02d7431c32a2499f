// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <span>

#include "base/cpu_features.hpp"
#include "field/extension.hpp"
#include "field/goldilocks.hpp"

// Element-wise Goldilocks kernels over arrays with scalar, AVX2 and AVX-512
// implementations. The Isa argument selects one explicitly (tests compare
// every path against the scalar one); the overloads without it use
// best_isa(). `out` may alias `a` or `b`.
namespace zkinfer::field::vec {

void add(Isa isa, std::span<Goldilocks> out, std::span<const Goldilocks> a,
         std::span<const Goldilocks> b);
void sub(Isa isa, std::span<Goldilocks> out, std::span<const Goldilocks> a,
         std::span<const Goldilocks> b);
void mul(Isa isa, std::span<Goldilocks> out, std::span<const Goldilocks> a,
         std::span<const Goldilocks> b);
void scale(Isa isa, std::span<Goldilocks> out, std::span<const Goldilocks> a, Goldilocks c);
// GF(p^2) by base field (only a scalar and an AVX-512 path; avx2 runs the
// scalar one): out[i] += c * a[i], and sum_i w[i] * a[i].
void axpy(Isa isa, std::span<GoldilocksExt2> out, GoldilocksExt2 c, std::span<const Goldilocks> a);
GoldilocksExt2 dot(Isa isa, std::span<const GoldilocksExt2> w, std::span<const Goldilocks> a);

// One row pair of a degree-2 sumcheck round over the product of two tables,
// a in GF(p^2) and w in F_p or GF(p^2), each extended linearly from its lo
// row (X = 0) to its hi row (X = 1): the round polynomial's values at 0 and
// 2, {sum_i a_lo w_lo, sum_i (2 a_hi - a_lo)(2 w_hi - w_lo)}. Only a scalar
// and an AVX-512 path, as for axpy and dot.
using PairSums = std::array<GoldilocksExt2, 2>;
PairSums pair_sums(Isa isa, std::span<const GoldilocksExt2> a_lo,
                   std::span<const GoldilocksExt2> a_hi, std::span<const Goldilocks> w_lo,
                   std::span<const Goldilocks> w_hi);
PairSums pair_sums(Isa isa, std::span<const GoldilocksExt2> a_lo,
                   std::span<const GoldilocksExt2> a_hi, std::span<const GoldilocksExt2> w_lo,
                   std::span<const GoldilocksExt2> w_hi);
// The fold that binds X to r: out[i] = lo[i] + r (hi[i] - lo[i]). `out` may
// alias `lo` (GF(p^2) rows).
void fold(Isa isa, std::span<GoldilocksExt2> out, std::span<const GoldilocksExt2> lo,
          std::span<const GoldilocksExt2> hi, GoldilocksExt2 r);
void fold(Isa isa, std::span<GoldilocksExt2> out, std::span<const Goldilocks> lo,
          std::span<const Goldilocks> hi, GoldilocksExt2 r);

inline void add(std::span<Goldilocks> out, std::span<const Goldilocks> a,
                std::span<const Goldilocks> b) {
  add(best_isa(), out, a, b);
}
inline void sub(std::span<Goldilocks> out, std::span<const Goldilocks> a,
                std::span<const Goldilocks> b) {
  sub(best_isa(), out, a, b);
}
inline void mul(std::span<Goldilocks> out, std::span<const Goldilocks> a,
                std::span<const Goldilocks> b) {
  mul(best_isa(), out, a, b);
}
inline void scale(std::span<Goldilocks> out, std::span<const Goldilocks> a, Goldilocks c) {
  scale(best_isa(), out, a, c);
}

inline void axpy(std::span<GoldilocksExt2> out, GoldilocksExt2 c, std::span<const Goldilocks> a) {
  axpy(best_isa(), out, c, a);
}
inline GoldilocksExt2 dot(std::span<const GoldilocksExt2> w, std::span<const Goldilocks> a) {
  return dot(best_isa(), w, a);
}
template <class W>
PairSums pair_sums(std::span<const GoldilocksExt2> a_lo, std::span<const GoldilocksExt2> a_hi,
                   std::span<const W> w_lo, std::span<const W> w_hi) {
  return pair_sums(best_isa(), a_lo, a_hi, w_lo, w_hi);
}
template <class W>
void fold(std::span<GoldilocksExt2> out, std::span<const W> lo, std::span<const W> hi,
          GoldilocksExt2 r) {
  fold(best_isa(), out, lo, hi, r);
}

}  // namespace zkinfer::field::vec
