// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

#include "model/graph.hpp"

namespace zkinfer::model {

// Folds each BatchNormalization into the Conv or Gemm producing its input
// when that producer has constant weights (and bias), its output feeds only
// the BatchNormalization and is not a graph output; Gemm additionally needs a
// rank-2 BatchNormalization input. With k = scale / sqrt(var + epsilon) per
// output channel: W' = W * k, bias' = (bias - mean) * k + B (Gemm: the bias
// is beta * C, and beta becomes 1). New constants are added (the originals
// may be shared); the producer takes over the BatchNormalization's output
// value. Returns the number of folded nodes; dead values remain until prune.
std::size_t fold_batch_norms(Graph& graph);

}  // namespace zkinfer::model
