// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <type_traits>

#include "field/concepts.hpp"

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

}  // namespace zkinfer::field
