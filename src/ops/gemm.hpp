// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/cpu_features.hpp"
#include "ops/requant.hpp"
#include "ops/tensor.hpp"

namespace zkinfer::ops {

// The integer parameters of a multiply-accumulate operator (Gemm, Conv):
// output channel n is rescale_n(sum (x - input_zero_point) * (w - weight_zero_point_n) + bias_n).
struct MacQuant {
  std::int32_t input_zero_point = 0;
  std::vector<std::int32_t> weight_zero_points{0};  // 1 (per tensor) or 1 per output channel
  Rescale rescale;

  void validate(std::size_t out_channels, const std::string& op) const;
};

// Y[m, n] = rescale_n( sum_k (A[m, k] - za) * (W[n, k] - zw_n) + bias[n] )
//
// A: [M, K] activations. W: [N, K], one row per output feature (ONNX Gemm
// with transB = 1, PyTorch Linear); a MatMul's [K, N] weight is transposed
// once when the model is loaded. bias: empty or N int32 values (scale
// s_a * s_w, zero point 0). Fails if an accumulator could leave the 2^46
// requantization bound. Any `isa` and thread count give the same result.
IntTensor gemm(const IntTensor& a, const IntTensor& w, std::span<const std::int32_t> bias,
               const MacQuant& quant, Isa isa = best_isa());

// The accumulators of gemm before the rescale, row-major [M, N]:
// sum_k (A[m, k] - za) * (W[n, k] - zw_n) + bias[n]. Same checks as gemm;
// the prover's requantization advice is computed from them.
std::vector<std::int64_t> gemm_accumulators(const IntTensor& a, const IntTensor& w,
                                            std::span<const std::int32_t> bias,
                                            const MacQuant& quant, Isa isa = best_isa());

}  // namespace zkinfer::ops
