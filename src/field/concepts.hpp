// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>

#include "base/bytes.hpp"

namespace zkinfer::field {

// What every protocol in zkinfer asks of a field. Goldilocks, its extensions
// and the small test fields all satisfy it, so the same protocol code runs
// over GF(p^2) in production and over a ~2^16 field in soundness experiments.
template <class F>
concept Field = requires(F a, F b, ByteWriter& w, ByteReader& r, std::uint64_t (*next)()) {
  { a + b } -> std::same_as<F>;
  { a - b } -> std::same_as<F>;
  { a* b } -> std::same_as<F>;
  { -a } -> std::same_as<F>;
  { a == b } -> std::same_as<bool>;
  { a.inverse() } -> std::same_as<F>;
  { a.is_zero() } -> std::same_as<bool>;
  { F::zero() } -> std::same_as<F>;
  { F::one() } -> std::same_as<F>;
  { F::from_u64(std::uint64_t{}) } -> std::same_as<F>;
  { F::sample(next) } -> std::same_as<F>;
  {a.write(w)};
  { F::read(r) } -> std::same_as<F>;
  { F::kBytes } -> std::convertible_to<std::size_t>;
  { F::kExtensionDegree } -> std::convertible_to<unsigned>;
  typename F::Base;
};

}  // namespace zkinfer::field
