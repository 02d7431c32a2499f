// SPDX-License-Identifier: Apache-2.0
#include "ops/movement.hpp"

#include <algorithm>

#include "base/error.hpp"

namespace zkinfer::ops {

IntTensor reshape(const IntTensor& x, Shape shape) {
  x.validate("reshape input");
  if (element_count(shape) != x.size()) {
    fail("reshape: " + shape_string(x.shape) + " has " + std::to_string(x.size()) + " elements, " +
         shape_string(shape) + " has " + std::to_string(element_count(shape)));
  }
  return IntTensor(std::move(shape), x.values);
}

IntTensor flatten(const IntTensor& x, std::size_t axis) {
  x.validate("flatten input");
  if (axis > x.rank()) {
    fail("flatten: axis " + std::to_string(axis) + " beyond rank " + std::to_string(x.rank()));
  }
  std::size_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < x.rank(); ++d) (d < axis ? outer : inner) *= x.shape[d];
  return IntTensor({outer, inner}, x.values);
}

IntTensor transpose(const IntTensor& x, const std::vector<std::size_t>& perm) {
  x.validate("transpose input");
  const std::size_t rank = x.rank();
  std::vector<bool> seen(rank, false);
  if (perm.size() != rank) {
    fail("transpose: permutation of " + std::to_string(perm.size()) + " axes for rank " +
         std::to_string(rank));
  }
  for (std::size_t p : perm) {
    if (p >= rank || seen[p])
      fail("transpose: axis " + std::to_string(p) + " repeated or out of range");
    seen[p] = true;
  }
  Shape out_shape(rank);
  for (std::size_t k = 0; k < rank; ++k) out_shape[k] = x.shape[perm[k]];
  IntTensor y = IntTensor::zeros(out_shape);
  if (y.size() == 0) return y;
  // Input strides in output-dimension order; walk the output in row-major
  // order with an odometer.
  std::vector<std::size_t> in_stride(rank, 1);
  for (std::size_t d = rank; d-- > 1;) in_stride[d - 1] = in_stride[d] * x.shape[d];
  std::vector<std::size_t> stride(rank);
  for (std::size_t k = 0; k < rank; ++k) stride[k] = in_stride[perm[k]];
  std::vector<std::size_t> index(rank, 0);
  std::size_t src = 0;
  for (std::size_t i = 0; i < y.size(); ++i) {
    y.values[i] = x.values[src];
    for (std::size_t k = rank; k-- > 0;) {
      src += stride[k];
      if (++index[k] < out_shape[k]) break;
      src -= stride[k] * out_shape[k];
      index[k] = 0;
    }
  }
  return y;
}

IntTensor concat(std::span<const IntTensor* const> inputs, std::size_t axis) {
  if (inputs.empty()) fail("concat: no inputs");
  const Shape& first = inputs[0]->shape;
  if (axis >= first.size()) {
    fail("concat: axis " + std::to_string(axis) + " outside rank " + std::to_string(first.size()));
  }
  Shape out_shape = first;
  out_shape[axis] = 0;
  for (const IntTensor* t : inputs) {
    t->validate("concat input");
    bool compatible = t->rank() == first.size();
    for (std::size_t d = 0; compatible && d < first.size(); ++d) {
      compatible = d == axis || t->shape[d] == first[d];
    }
    if (!compatible) {
      fail("concat: input " + shape_string(t->shape) + " does not match " + shape_string(first) +
           " outside axis " + std::to_string(axis));
    }
    out_shape[axis] += t->shape[axis];
  }
  std::size_t outer = 1, inner = 1;
  for (std::size_t d = 0; d < axis; ++d) outer *= first[d];
  for (std::size_t d = axis + 1; d < first.size(); ++d) inner *= first[d];
  IntTensor y = IntTensor::zeros(out_shape);
  auto out = y.values.begin();
  for (std::size_t o = 0; o < outer; ++o) {
    for (const IntTensor* t : inputs) {
      const std::size_t block = t->shape[axis] * inner;
      const auto from = t->values.begin() + static_cast<std::ptrdiff_t>(o * block);
      out = std::copy(from, from + static_cast<std::ptrdiff_t>(block), out);
    }
  }
  return y;
}

}  // namespace zkinfer::ops
