// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <vector>

#include "field/concepts.hpp"

namespace zkinfer::field {

// Montgomery's trick: n inverses for one inversion and 3(n-1) products.
// Zeros map to zero (they are skipped in the running product), so the
// control flow depends only on which entries are zero.
template <Field F>
void batch_inverse(std::span<F> values) {
  std::vector<F> prefix(values.size());
  F running = F::one();
  for (std::size_t i = 0; i < values.size(); ++i) {
    prefix[i] = running;
    if (!values[i].is_zero()) running *= values[i];
  }
  F inv = running.inverse();
  for (std::size_t i = values.size(); i-- > 0;) {
    if (values[i].is_zero()) continue;
    const F original = values[i];
    values[i] = inv * prefix[i];
    inv *= original;
  }
}

}  // namespace zkinfer::field
