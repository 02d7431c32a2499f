// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>

#include "field/concepts.hpp"

// An element of the challenge field E as its coordinates over the base field
// E::Base, without going through bytes (field/lift.hpp does, which is too
// slow for the prover's inner loops). E is the base field itself (one
// coordinate) or a quadratic extension with c0() + c1() X.
namespace zkinfer::pcs {

template <field::Field E>
using Coordinates = std::array<typename E::Base, E::kExtensionDegree>;

template <field::Field E>
constexpr Coordinates<E> coordinates_of(const E& e) {
  static_assert(E::kExtensionDegree == 1 || E::kExtensionDegree == 2);
  if constexpr (E::kExtensionDegree == 1) {
    return {e};
  } else {
    return {e.c0(), e.c1()};
  }
}

template <field::Field E>
constexpr E from_coordinates(const Coordinates<E>& c) {
  static_assert(E::kExtensionDegree == 1 || E::kExtensionDegree == 2);
  if constexpr (E::kExtensionDegree == 1) {
    return c[0];
  } else {
    return E(c[0], c[1]);
  }
}

}  // namespace zkinfer::pcs
