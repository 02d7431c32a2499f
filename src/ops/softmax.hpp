// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ops/requant.hpp"
#include "ops/tensor.hpp"

namespace zkinfer::ops {

// Softmax along one axis, in integers only (shift invariance, an exp table,
// one rounded division):
//   d_j = max_k X_k - X_j                       (0 <= d_j <= hi - lo)
//   e_j = exp_table[d_j]                        (~ 2^16 * exp(-s_x * d_j))
//   S   = sum_j e_j                             (>= exp_table[0] > 0)
//   Y_j = clamp(zy + floor((2 * one * e_j + S) / (2 * S)))   (round(one * e_j / S), halves up)
// `one` is the output integer for probability 1 (256 for scale 1/256).
struct SoftmaxParams {
  static constexpr int kExpBits = 16;
  static constexpr std::int32_t kExpOne = std::int32_t{1} << kExpBits;

  std::size_t axis = 0;
  std::vector<std::int32_t> exp_table;  // one entry per possible d, values in [0, 2^16]
  std::int32_t one = 256;               // 1 <= one <= 2^16
  OutputClamp output{0, 0, 255};

  // exp_table[d] = round(2^16 * exp(-in.scale * d)) for d in [0, in.hi - in.lo];
  // one = round(1 / out.scale). `axis` may be negative (counted from the end
  // of a tensor of rank `rank`).
  static SoftmaxParams build(const QuantParams& in, const QuantParams& out, std::int64_t axis,
                             std::size_t rank);
  void validate(std::size_t rank, const std::string& op) const;
};

// Fails if a spread d_j is beyond the table (an input outside the range the
// table was built for).
IntTensor softmax(const IntTensor& x, const SoftmaxParams& params);

}  // namespace zkinfer::ops
