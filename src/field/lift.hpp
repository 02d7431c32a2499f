// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <span>
#include <type_traits>

#include "field/concepts.hpp"

// Moving values between a field E and its base field B.
namespace zkinfer::field {

// Embeds a value of the base field (or the field itself) into F. Tables of
// witness data live in the base field; challenges and folded tables live in
// the extension, and generic code converts with lift<F>(v).
template <Field F, class V>
constexpr F lift(const V& v) {
  if constexpr (std::is_same_v<V, F>) {
    return v;
  } else {
    static_assert(std::is_same_v<V, typename F::Base>, "lift: V must be F or F::Base");
    return F(v);
  }
}

// X, the generator of E over its base field (1 when E is a prime field).
template <Field E>
E extension_generator() {
  if constexpr (E::kExtensionDegree == 1) {
    return E::one();
  } else {
    using B = typename E::Base;
    return E(B::zero(), B::one());
  }
}

// The coordinates (c_0, ..., c_{d-1}) of v = sum_i c_i X^i, the order of
// the canonical encoding in every field.
template <Field E>
std::array<typename E::Base, E::kExtensionDegree> coordinates(const E& v) {
  if constexpr (E::kExtensionDegree == 1) {
    return {v};
  } else {
    return v.coordinates();
  }
}

template <Field E>
E from_coordinates(std::span<const typename E::Base, E::kExtensionDegree> coords) {
  if constexpr (E::kExtensionDegree == 1) {
    return coords[0];
  } else if constexpr (E::kExtensionDegree == 2) {
    return E(coords[0], coords[1]);
  } else {
    static_assert(E::kExtensionDegree == 3);
    return E(coords[0], coords[1], coords[2]);
  }
}

}  // namespace zkinfer::field
