// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace zkinfer::model {

// Element types a graph value may have. Every element is held as a float:
// the 8-bit types and the integer constants a model needs (shapes, int32
// QLinearConv biases) are exact in binary32 as long as |v| <= 2^24, which the
// importer checks. Keeping one storage type keeps the IR and the executor
// small; the integer kernels convert to exact integer arithmetic internally.
enum class DType : std::uint8_t { kFloat32, kUInt8, kInt8, kInt32, kInt64, kBool };

const char* dtype_name(DType dtype);
bool is_integer(DType dtype);
// Inclusive value range of an integer dtype (for int32/int64: the range a
// float holds exactly, +-2^24).
double dtype_min(DType dtype);
double dtype_max(DType dtype);

using Shape = std::vector<std::int64_t>;

// Number of elements; Error when a dimension is negative or the product
// overflows int64.
std::int64_t element_count(std::span<const std::int64_t> shape);
std::string shape_to_string(std::span<const std::int64_t> shape);
// Row-major strides in elements.
std::vector<std::int64_t> row_major_strides(std::span<const std::int64_t> shape);

struct Tensor {
  DType dtype = DType::kFloat32;
  Shape shape;
  std::vector<float> data;  // row-major, element_count(shape) entries
};

// Read-only view on tensor data (graph constants and executor buffers alike).
struct TensorView {
  DType dtype = DType::kFloat32;
  std::span<const std::int64_t> shape;
  std::span<const float> data;
};

inline TensorView view(const Tensor& t) {
  return {t.dtype, t.shape, t.data};
}

}  // namespace zkinfer::model
