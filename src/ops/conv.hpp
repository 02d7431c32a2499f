// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/cpu_features.hpp"
#include "ops/gemm.hpp"
#include "ops/tensor.hpp"
#include "ops/window.hpp"

namespace zkinfer::ops {

// 2-D convolution (ONNX Conv / QLinearConv), NCHW:
//   Y[n, m, oh, ow] = rescale_m( bias[m] + sum over c in m's group, i < kH, j < kW of
//                      (X[n, c, oh*sH - padT + i*dH, ow*sW - padL + j*dW] - zx) * (W[m, c', i, j] -
//                      zw_m) )
// where padding positions contribute 0 (X is padded with its zero point,
// i.e. with the real value 0). Group g owns input channels
// [g*C/G, (g+1)*C/G) and output channels [g*M/G, (g+1)*M/G); c' = c - g*C/G.
struct ConvParams {
  std::array<std::size_t, 2> strides{1, 1};
  std::array<std::size_t, 2> dilations{1, 1};
  std::array<std::size_t, 4> pads{0, 0, 0, 0};  // H begin, W begin, H end, W end
  std::size_t groups = 1;
  MacQuant quant;

  // x: [N, C, H, W], w: [M, C / groups, kH, kW]. Returns [N, M, OH, OW], or
  // fails naming the inconsistent dimension or attribute.
  Shape output_shape(const Shape& x, const Shape& w) const;
  Window2d window(const Shape& w) const;
};

// bias: empty or M int32 values. Any `isa` and thread count give the same
// result; fails like gemm() if an accumulator could exceed 2^46.
IntTensor conv(const IntTensor& x, const IntTensor& w, std::span<const std::int32_t> bias,
               const ConvParams& params, Isa isa = best_isa());

// The accumulators of conv before the rescale, in Y's order [N, M, OH, OW]:
// bias[m] + the sum above. Same checks as conv; the prover's
// requantization advice is computed from them.
std::vector<std::int64_t> conv_accumulators(const IntTensor& x, const IntTensor& w,
                                            std::span<const std::int32_t> bias,
                                            const ConvParams& params, Isa isa = best_isa());

}  // namespace zkinfer::ops
