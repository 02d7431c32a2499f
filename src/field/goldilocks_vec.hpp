// SPDX-License-Identifier: Apache-2.0
#pragma once

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

}  // namespace zkinfer::field::vec
