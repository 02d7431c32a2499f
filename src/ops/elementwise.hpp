// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "ops/requant.hpp"
#include "ops/tensor.hpp"

namespace zkinfer::ops {

// Multidirectional (numpy / ONNX) broadcasting: shapes are aligned on their
// last dimension; each pair of dimensions must be equal or one of them 1.
Shape broadcast_shape(const Shape& a, const Shape& b, const std::string& op);
// Flat index into `from` of the element at flat index `index` of `to`, the
// broadcast shape `from` is expanded to (size-1 dimensions repeat).
std::size_t broadcast_source(const Shape& to, const Shape& from, std::size_t index);

// Add / Sub with broadcasting:
//   Y = clamp(zy + round_shift(Ma * (A - za) +- Mb * (B - zb), s))
// Both inputs are rescaled to the output scale before one rounding.
struct AddParams {
  std::int32_t a_zero_point = 0;
  std::int32_t b_zero_point = 0;
  AddRequant requant;  // m_a = s_a / s_y, m_b = s_b / s_y
  OutputClamp output;

  static AddParams build(const QuantParams& a, const QuantParams& b, const QuantParams& out,
                         bool relu = false);
  void validate(const std::string& op) const;
};

IntTensor add(const IntTensor& a, const IntTensor& b, const AddParams& params);
// add() with Mb negated: params are the same as for add.
IntTensor sub(const IntTensor& a, const IntTensor& b, const AddParams& params);

// Mul with broadcasting: Y = clamp(zy + requant((A - za) * (B - zb))),
// m = s_a * s_b / s_y. Fails if a product could exceed the 2^46 bound.
struct MulParams {
  std::int32_t a_zero_point = 0;
  std::int32_t b_zero_point = 0;
  Requant requant;
  OutputClamp output;

  static MulParams build(const QuantParams& a, const QuantParams& b, const QuantParams& out,
                         bool relu = false);
  void validate(const std::string& op) const;
};

IntTensor mul(const IntTensor& a, const IntTensor& b, const MulParams& params);

// Y = clamp(X, lo, hi): Relu (lo = zero point) and Clip when input and
// output share their quantization.
IntTensor clip(const IntTensor& x, std::int32_t lo, std::int32_t hi);

}  // namespace zkinfer::ops
