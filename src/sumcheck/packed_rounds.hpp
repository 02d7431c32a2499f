// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <span>
#include <type_traits>
#include <vector>

#include "field/extension.hpp"
#include "sumcheck/round_terms.hpp"

// The sumcheck prover's two hot loops, round sums and folds, for challenges
// in GF(p^2) over Goldilocks, eight hypercube pairs per AVX-512 instruction.
// They compute exactly what the scalar loops in sumcheck.hpp compute (field
// arithmetic is exact, so the order of the additions cannot change a bit);
// the prover uses them when packed_rounds_available says so.
namespace zkinfer::sumcheck::detail {

// A table as one round reads it: its values in the base field or in E, or
// neither for a table the round does not read (the split-off eq factor).
template <field::Field E>
struct RoundTable {
  const typename E::Base* base = nullptr;
  const E* ext = nullptr;
};

// AVX-512 is present and allowed (best_isa) and `half` is a whole number of
// packed groups.
bool packed_rounds_available(std::size_t half);

// sum over x < half of plan(tables at x, k) * weight[x] (weight may be null:
// factor 1), for every k in `points`, each table extended linearly from
// (t[x], t[x + half]) to the points 0..degree. Indexed by point.
std::vector<field::GoldilocksExt2> packed_round_sums(
    const MixedRoundTerms<field::GoldilocksExt2>& plan,
    std::span<const RoundTable<field::GoldilocksExt2>> tables, std::size_t half, unsigned degree,
    std::span<const unsigned> points, const field::GoldilocksExt2* weight);

// t[x] += r (t[x + half] - t[x]) for x < half.
void packed_fold(field::GoldilocksExt2* t, std::size_t half, field::GoldilocksExt2 r);
// out[x] = t[x] + r (t[x + half] - t[x]) for x < half, a base table folded into E.
void packed_fold_base(const field::Goldilocks* t, field::GoldilocksExt2* out, std::size_t half,
                      field::GoldilocksExt2 r);

// The prover's entry points: each runs its packed loop and returns true, or
// returns false without touching anything where there is none (another
// field, no AVX-512, too few pairs) so that the caller runs the scalar loop.
template <field::Field E>
bool try_packed_round_sums(const MixedRoundTerms<E>& plan, std::span<const RoundTable<E>> tables,
                           std::size_t half, unsigned degree, std::span<const unsigned> points,
                           const E* weight, std::vector<E>& sums) {
  if constexpr (std::is_same_v<E, field::GoldilocksExt2>) {
    if (!packed_rounds_available(half)) return false;
    sums = packed_round_sums(plan, tables, half, degree, points, weight);
    return true;
  } else {
    return false;
  }
}

template <field::Field E>
bool try_packed_fold(std::vector<E>& t, std::size_t half, const E& r) {
  if constexpr (std::is_same_v<E, field::GoldilocksExt2>) {
    if (!packed_rounds_available(half)) return false;
    packed_fold(t.data(), half, r);
    return true;
  } else {
    return false;
  }
}

template <field::Field E>
bool try_packed_fold_base(std::span<const typename E::Base> t, std::vector<E>& out,
                          std::size_t half, const E& r) {
  if constexpr (std::is_same_v<E, field::GoldilocksExt2>) {
    if (!packed_rounds_available(half)) return false;
    packed_fold_base(t.data(), out.data(), half, r);
    return true;
  } else {
    return false;
  }
}

}  // namespace zkinfer::sumcheck::detail
