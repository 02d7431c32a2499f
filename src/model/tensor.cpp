// SPDX-License-Identifier: Apache-2.0
#include "model/tensor.hpp"

#include <limits>

#include "base/error.hpp"

namespace zkinfer::model {

namespace {
constexpr double kFloatExactInteger = 16777216.0;  // 2^24
}  // namespace

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kFloat32:
      return "float32";
    case DType::kUInt8:
      return "uint8";
    case DType::kInt8:
      return "int8";
    case DType::kInt32:
      return "int32";
    case DType::kInt64:
      return "int64";
    case DType::kBool:
      return "bool";
  }
  return "unknown";
}

bool is_integer(DType dtype) {
  return dtype != DType::kFloat32;
}

double dtype_min(DType dtype) {
  switch (dtype) {
    case DType::kBool:
    case DType::kUInt8:
      return 0.0;
    case DType::kInt8:
      return -128.0;
    case DType::kInt32:
    case DType::kInt64:
      return -kFloatExactInteger;
    case DType::kFloat32:
      break;
  }
  return -std::numeric_limits<double>::infinity();
}

double dtype_max(DType dtype) {
  switch (dtype) {
    case DType::kBool:
      return 1.0;
    case DType::kUInt8:
      return 255.0;
    case DType::kInt8:
      return 127.0;
    case DType::kInt32:
    case DType::kInt64:
      return kFloatExactInteger;
    case DType::kFloat32:
      break;
  }
  return std::numeric_limits<double>::infinity();
}

std::int64_t element_count(std::span<const std::int64_t> shape) {
  std::int64_t count = 1;
  for (std::int64_t d : shape) {
    if (d < 0) fail("negative dimension in shape " + shape_to_string(shape));
    if (d != 0 && count > std::numeric_limits<std::int64_t>::max() / d)
      fail("element count of shape " + shape_to_string(shape) + " overflows");
    count *= d;
  }
  return count;
}

std::string shape_to_string(std::span<const std::int64_t> shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ",";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

std::vector<std::int64_t> row_major_strides(std::span<const std::int64_t> shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

}  // namespace zkinfer::model
