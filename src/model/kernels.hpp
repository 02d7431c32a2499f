// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>

#include "model/graph.hpp"

// Loops of the float reference executor. Every output element is computed
// by one thread in a fixed order, so results do not depend on the number of
// OpenMP threads. Conv and Gemm are templated on the element type: float for
// the float operators, int64_t for the exact integer accumulation of
// QLinearConv / QLinearMatMul.
namespace zkinfer::model::kernels {

// A 1-D or 2-D sliding window over N x C x H x W data (1-D: H = 1).
struct Window {
  std::int64_t batch = 1, in_channels = 1, in_h = 1, in_w = 1;
  std::int64_t out_channels = 1, out_h = 1, out_w = 1;
  std::int64_t kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
  std::int64_t dilation_h = 1, dilation_w = 1;
  std::int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  std::int64_t group = 1;
};

Window make_window(std::span<const std::int64_t> x_shape, std::span<const std::int64_t> y_shape,
                   std::span<const std::int64_t> kernel, std::span<const std::int64_t> strides,
                   std::span<const std::int64_t> pads, std::span<const std::int64_t> dilations,
                   std::int64_t group);

// y[N, M, OH, OW] = conv(x[N, C, H, W], w[M, C/group, KH, KW]) + bias[M].
// bias may be null.
template <class T>
void conv(const Window& g, const T* x, const T* w, const T* bias, T* y);

// out[m, n] = sum_k a[m, k] * b[k, n] (row-major, no transposes).
template <class T>
void matmul(std::int64_t m, std::int64_t n, std::int64_t k, const T* a, const T* b, T* out);

void max_pool(const Window& g, const float* x, float* y);
void average_pool(const Window& g, bool count_include_pad, const float* x, float* y);

// Softmax over the middle axis of an [outer, reduce, inner] array.
void softmax(std::int64_t outer, std::int64_t reduce, std::int64_t inner, const float* x, float* y);

enum class Binary : std::uint8_t { kAdd, kSub, kMul };
void broadcast_binary(Binary op, std::span<const std::int64_t> out_shape, TensorView a,
                      TensorView b, float* out);

// Copies `in` (of shape in_shape) to out as the array of shape out_shape it
// broadcasts to.
void broadcast_to(std::span<const std::int64_t> out_shape, TensorView in, float* out);

void transpose(TensorView x, std::span<const std::int64_t> perm, float* out);

// saturate(round_half_to_even(scaled) + zero_point) into an 8-bit dtype, the
// rounding of the ONNX quantization operators (std::nearbyint in the default
// round-to-nearest-even mode, which this project never changes). NaN, which
// only arises from non-finite constants upstream, maps to the zero point.
float quantize_value(double scaled, double zero_point, DType dtype);

}  // namespace zkinfer::model::kernels
