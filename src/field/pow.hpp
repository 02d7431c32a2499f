// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>

namespace zkinfer::field {

// base^e by square-and-multiply, for every field type. The exponent drives
// the branches, so it must be public (inverses use p - 2, roots of unity
// fixed powers).
template <class F>
constexpr F pow_public(F base, std::uint64_t e) {
  F acc = F::one();
  for (; e != 0; e >>= 1) {
    if (e & 1) acc *= base;
    base *= base;
  }
  return acc;
}

}  // namespace zkinfer::field
