// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ops/requant.hpp"
#include "ops/tensor.hpp"
#include "ops/window.hpp"

namespace zkinfer::ops {

// Pooling over NCHW tensors (ceil_mode 0: every window starts inside the
// padded input).
struct PoolParams {
  Window2d window;
  // AveragePool's divisor: the window area (true) or the number of input
  // positions under the window (false, the ONNX default).
  bool count_include_pad = false;

  // x: [N, C, H, W] -> [N, C, OH, OW], or fails naming the problem.
  Shape output_shape(const Shape& x, const std::string& op) const;
};

// Y = max of X over the window's input positions (padding is ignored, as if
// it held -infinity). Input and output share their quantization.
IntTensor max_pool(const IntTensor& x, const PoolParams& params);

// The rescaling of an average: per_count[c - 1] rescales a sum of c values,
// m = s_x / (s_y * c), so the division by c is part of the one rounding.
struct AverageQuant {
  std::int32_t input_zero_point = 0;
  std::vector<Requant> per_count;  // one per count 1 .. window area
  OutputClamp output;

  static AverageQuant build(const QuantParams& in, const QuantParams& out, std::size_t area);
  void validate(std::size_t area, const std::string& op) const;
};

// Y = clamp(zy + per_count[c - 1].apply(sum over the window's input
// positions of (X - zx))), c the divisor chosen by count_include_pad.
// Padding holds the real value 0 (adds nothing to the sum).
IntTensor average_pool(const IntTensor& x, const PoolParams& params, const AverageQuant& quant);

// AveragePool with the window covering all of H x W: [N, C, H, W] ->
// [N, C, 1, 1]; quant has H * W entries.
IntTensor global_average_pool(const IntTensor& x, const AverageQuant& quant);

}  // namespace zkinfer::ops
