// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace zkinfer::ops {

// Dimensions, outermost first (NCHW for images, [rows, columns] for matrices).
using Shape = std::vector<std::size_t>;

// Product of the dimensions; fails if it does not fit in size_t.
std::size_t element_count(const Shape& shape);
// "[1, 3, 32, 32]", for error messages.
std::string shape_string(const Shape& shape);

// A tensor of integers in row-major order. Every quantized value of the
// model (int8 / uint8 activations and weights, int32 biases, int32
// accumulators) is held as int32: the kernels widen as they need, so one type
// carries every dtype and the dtype's range lives in QuantParams.
struct IntTensor {
  Shape shape;
  std::vector<std::int32_t> values;

  IntTensor() = default;
  // Fails unless `values` has exactly element_count(shape) entries.
  IntTensor(Shape shape, std::vector<std::int32_t> values);
  static IntTensor zeros(Shape shape);

  std::size_t size() const { return values.size(); }
  std::size_t rank() const { return shape.size(); }
  // Checks the invariant values.size() == element_count(shape), for tensors
  // whose fields were assigned directly; `what` names the operand.
  void validate(const std::string& what) const;
};

// How the integers of a tensor map to reals: real = scale * (q - zero_point),
// with q in [lo, hi] (the dtype: [-128, 127] for int8, [0, 255] for uint8).
// The kernels never read `scale`: it only enters through the integer
// multipliers built from it (Requant::from_real), so the integer semantics do
// not depend on floating point.
struct QuantParams {
  double scale = 1.0;
  std::int32_t zero_point = 0;
  std::int32_t lo = -128;
  std::int32_t hi = 127;

  static QuantParams int8(double scale, std::int32_t zero_point = 0);
  static QuantParams uint8(double scale, std::int32_t zero_point = 0);
  static QuantParams int32(double scale);

  // scale positive and finite, lo <= zero_point <= hi.
  void validate(const std::string& what) const;
  double dequantize(std::int32_t q) const { return scale * (static_cast<double>(q) - zero_point); }
};

}  // namespace zkinfer::ops
