// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "field/concepts.hpp"

// How the sumcheck prover evaluates one round's terms at a hypercube pair:
// the plan shared by the scalar loop (sumcheck.hpp) and the packed kernels
// (packed_rounds.hpp).
namespace zkinfer::sumcheck {

// Below this many hypercube points per round, a parallel region costs more
// than it saves (and spins badly on an oversubscribed machine).
inline constexpr std::size_t kParallelThreshold = 1 << 12;

namespace detail {

// The prover's round loop evaluates sum_t c_t prod f at every hypercube pair
// and every sent point. In its plan a factor that every term shares (the eq
// table, in practice) is multiplied once instead of once per term, and unit
// coefficients are not multiplied at all: for a LogUp layer this is 5
// products per point instead of 12.
template <field::Field E>
struct RoundTerms {
  struct Term {
    E coefficient;
    bool unit;
    std::vector<std::size_t> factors;
  };
  std::optional<std::size_t> shared;
  std::vector<Term> terms;
};

// The plan with each term's factors split by the field their tables are in
// (base tables exist in the first round only): a term multiplies its base
// factors in the base field, then scales the product of its E factors once.
// `at[j * stride + k]` is table j at point k, in `base_at` or `ext_at` by the
// table's kind.
template <field::Field E>
struct MixedRoundTerms {
  using B = typename E::Base;
  struct Term {
    E coefficient;
    bool unit;
    std::vector<std::size_t> base_factors, ext_factors;
  };
  std::optional<std::size_t> shared;
  bool shared_is_base = false;
  std::vector<Term> terms;

  MixedRoundTerms(const RoundTerms<E>& plan, const std::vector<bool>& is_base)
      : shared(plan.shared), shared_is_base(plan.shared && is_base[*plan.shared]) {
    for (const auto& t : plan.terms) {
      Term term{t.coefficient, t.unit, {}, {}};
      for (std::size_t f : t.factors)
        (is_base[f] ? term.base_factors : term.ext_factors).push_back(f);
      terms.push_back(std::move(term));
    }
  }

  E evaluate(const B* base_at, const E* ext_at, std::size_t stride, unsigned k) const {
    E sum = E::zero();
    for (const Term& t : terms) {
      E value = t.coefficient;
      if (!t.ext_factors.empty()) {
        E product = ext_at[t.ext_factors[0] * stride + k];
        for (std::size_t i = 1; i < t.ext_factors.size(); ++i)
          product *= ext_at[t.ext_factors[i] * stride + k];
        value = t.unit ? product : product * t.coefficient;
      }
      if (!t.base_factors.empty()) {
        B product = base_at[t.base_factors[0] * stride + k];
        for (std::size_t i = 1; i < t.base_factors.size(); ++i)
          product *= base_at[t.base_factors[i] * stride + k];
        value = value * product;
      }
      sum += value;
    }
    if (!shared) return sum;
    return shared_is_base ? sum * base_at[*shared * stride + k]
                          : sum * ext_at[*shared * stride + k];
  }
};

}  // namespace detail
}  // namespace zkinfer::sumcheck
