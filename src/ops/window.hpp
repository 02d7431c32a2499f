// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace zkinfer::ops {

// The geometry of a 2-D sliding window over [H, W] (Conv, MaxPool,
// AveragePool), as in ONNX: output position o along an axis reads input
// coordinates o * stride - pad_begin + i * dilation for i < kernel; those
// outside [0, extent) are padding. Output extent:
// floor((extent + pad_begin + pad_end - dilation * (kernel - 1) - 1) / stride) + 1.
struct Window2d {
  std::array<std::size_t, 2> kernel{1, 1};      // kH, kW
  std::array<std::size_t, 2> strides{1, 1};     // sH, sW
  std::array<std::size_t, 2> dilations{1, 1};   // dH, dW
  std::array<std::size_t, 4> pads{0, 0, 0, 0};  // H begin, W begin, H end, W end (ONNX order)

  // Kernel, strides and dilations at least 1; each pad smaller than the
  // dilated kernel (a larger pad would create windows of padding only).
  void validate(const std::string& op) const;
  // Output extent along `axis` (0 = H, 1 = W); fails if the dilated kernel
  // is larger than the padded input.
  std::size_t output_extent(std::size_t axis, std::size_t input, const std::string& op) const;
  // Input coordinate of tap i of output position o (negative inside the begin padding).
  std::int64_t coordinate(std::size_t axis, std::size_t o, std::size_t i) const {
    return static_cast<std::int64_t>(o * strides[axis] + i * dilations[axis]) -
           static_cast<std::int64_t>(pads[axis]);
  }
};

}  // namespace zkinfer::ops
