// SPDX-License-Identifier: Apache-2.0
#include "ops/tensor.hpp"

#include <cmath>
#include <limits>

#include "base/error.hpp"

namespace zkinfer::ops {

std::size_t element_count(const Shape& shape) {
  std::size_t count = 1;
  for (std::size_t d : shape) {
    if (d != 0 && count > std::numeric_limits<std::size_t>::max() / d) {
      fail("tensor shape " + shape_string(shape) + " has too many elements");
    }
    count *= d;
  }
  return count;
}

std::string shape_string(const Shape& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

IntTensor::IntTensor(Shape s, std::vector<std::int32_t> v)
    : shape(std::move(s)), values(std::move(v)) {
  validate("tensor");
}

IntTensor IntTensor::zeros(Shape shape) {
  const std::size_t n = element_count(shape);
  return IntTensor(std::move(shape), std::vector<std::int32_t>(n, 0));
}

void IntTensor::validate(const std::string& what) const {
  const std::size_t expected = element_count(shape);
  if (values.size() != expected) {
    fail(what + ": shape " + shape_string(shape) + " needs " + std::to_string(expected) +
         " values, got " + std::to_string(values.size()));
  }
}

QuantParams QuantParams::int8(double scale, std::int32_t zero_point) {
  return {scale, zero_point, -128, 127};
}

QuantParams QuantParams::uint8(double scale, std::int32_t zero_point) {
  return {scale, zero_point, 0, 255};
}

QuantParams QuantParams::int32(double scale) {
  return {scale, 0, std::numeric_limits<std::int32_t>::min(),
          std::numeric_limits<std::int32_t>::max()};
}

void QuantParams::validate(const std::string& what) const {
  if (!(std::isfinite(scale) && scale > 0)) {
    fail(what + ": scale " + std::to_string(scale) + " is not a positive finite number");
  }
  if (lo > hi) {
    fail(what + ": empty range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  if (zero_point < lo || zero_point > hi) {
    fail(what + ": zero point " + std::to_string(zero_point) + " outside [" + std::to_string(lo) +
         ", " + std::to_string(hi) + "]");
  }
}

}  // namespace zkinfer::ops
