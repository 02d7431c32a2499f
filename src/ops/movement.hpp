// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "ops/tensor.hpp"

namespace zkinfer::ops {

// Data movement: values are copied, never changed, so the quantization of
// the output is that of the input (Concat: all inputs must already share it;
// requantize() aligns them).

// Same values in row-major order under a new shape with as many elements.
// (ONNX's 0 and -1 entries are resolved by the caller.)
IntTensor reshape(const IntTensor& x, Shape shape);

// [d0 .. d(axis-1), d(axis) ..] -> [d0 * .. * d(axis-1), d(axis) * ..]; 0 <= axis <= rank.
IntTensor flatten(const IntTensor& x, std::size_t axis);

// Y[i_perm[0], .., i_perm[r-1]] = X[i_0, .., i_(r-1)]: output dimension k is
// input dimension perm[k] (ONNX Transpose).
IntTensor transpose(const IntTensor& x, const std::vector<std::size_t>& perm);

// Joins tensors of equal rank along `axis`; all other dimensions must match.
IntTensor concat(std::span<const IntTensor* const> inputs, std::size_t axis);

}  // namespace zkinfer::ops
