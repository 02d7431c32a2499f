// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <bit>
#include <span>
#include <vector>

#include "base/error.hpp"
#include "field/concepts.hpp"
#include "field/lift.hpp"

// Multilinear extensions over the boolean hypercube.
//
// Convention: a table of size 2^n holds f(b_0, ..., b_{n-1}) at index
// sum_j b_j * 2^(n-1-j): variable 0 is the most significant index bit. Binding
// variable 0 then combines the two contiguous halves of the table, which is
// the memory-friendly order for sumcheck folding.
namespace zkinfer::poly {

inline unsigned log2_exact(std::size_t n) {
  if (n == 0 || !std::has_single_bit(n)) fail("multilinear table size must be a power of two");
  return static_cast<unsigned>(std::countr_zero(n));
}

// The number of variables of a table of n entries zero-padded to a power of
// two (0 for n <= 1).
inline unsigned log2_ceil(std::size_t n) {
  return n <= 1 ? 0u : static_cast<unsigned>(std::bit_width(n - 1));
}

// eq(r, x) for every x in {0,1}^n, in table order; O(2^n) field products.
template <field::Field F>
std::vector<F> eq_table(std::span<const F> r) {
  std::vector<F> table(std::size_t{1} << r.size());
  table[0] = F::one();
  std::size_t filled = 1;
  // Each variable doubles the filled prefix and enters as the new least
  // significant bit, so variable 0 ends up the most significant.
  for (std::size_t j = 0; j < r.size(); ++j) {
    const F rj = r[j];
    for (std::size_t i = filled; i-- > 0;) {
      const F v = table[i];
      const F hi = v * rj;
      table[2 * i + 1] = hi;
      table[2 * i] = v - hi;
    }
    filled *= 2;
  }
  return table;
}

// f(r_0, ..., r_{n-1}) = sum_x eq(r, x) f(x).
template <field::Field F, class V>
F evaluate_mle(std::span<const V> table, std::span<const F> r) {
  if (table.size() != (std::size_t{1} << r.size()))
    fail("MLE point has the wrong number of variables");
  std::vector<F> current(table.size());
  for (std::size_t i = 0; i < table.size(); ++i) current[i] = field::lift<F>(table[i]);
  std::size_t half = table.size();
  for (const F& rj : r) {
    half /= 2;
    for (std::size_t i = 0; i < half; ++i) current[i] += rj * (current[half + i] - current[i]);
  }
  return current[0];
}

// Binds variable 0 to `r`: out[i] = t[i] + r (t[half + i] - t[i]).
template <field::Field F, class V>
std::vector<F> fold_first(std::span<const V> table, const F& r) {
  const std::size_t half = table.size() / 2;
  std::vector<F> out(half);
  for (std::size_t i = 0; i < half; ++i) {
    const F lo = field::lift<F>(table[i]);
    out[i] = lo + r * (field::lift<F>(table[half + i]) - lo);
  }
  return out;
}

}  // namespace zkinfer::poly
