// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>

namespace zkinfer::cli {

// A proof shape as the calculator sees it: how much is committed, how many
// sumcheck rounds of which degree the layer protocols run, and how many
// lookups go into tables of which size.
struct ProofShape {
  std::size_t witness_elements = 1 << 20;
  std::size_t quadratic_constraints = 0;
  std::size_t sumcheck_rounds = 20;
  unsigned sumcheck_degree = 3;
  std::size_t lookups = 1 << 20;
  unsigned lookup_table_bits = 16;
  std::size_t ligero_queries = 0;  // 0: the default
};

// The soundness report `zkinfer params` prints: each component's error in
// bits, the formula it comes from, and the union-bound total.
std::string soundness_report(const ProofShape& shape);

}  // namespace zkinfer::cli
