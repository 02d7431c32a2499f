// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ops/tensor.hpp"

namespace zkinfer::ops {

// A unary operator as an explicit table over the whole input range:
// Y = outputs[X - input_lo]. Sigmoid, Tanh, Gelu, Exp, ... all become one
// lookup per element (and one LogUp lookup in the proof). The entries are
// model data, fixed when the model is quantized and bound into its
// architecture, so the integer semantics never evaluate a float function.
struct UnaryTable {
  static constexpr std::size_t kMaxEntries = std::size_t{1} << 16;

  std::int32_t input_lo = 0;
  std::vector<std::int32_t> outputs;

  // outputs[x - in.lo] = clamp(out.zero_point + floor(f(in.dequantize(x)) / out.scale + 1/2),
  //                            out.lo, out.hi) for x in [in.lo, in.hi].
  // Fails on a range of more than 2^16 inputs or a NaN value of f.
  static UnaryTable build(const QuantParams& in, const QuantParams& out,
                          const std::function<double(double)>& f);

  std::int64_t input_hi() const {
    return std::int64_t{input_lo} + static_cast<std::int64_t>(outputs.size()) - 1;
  }
  // 1 to 2^16 entries, input range within int32.
  void validate(const std::string& what) const;
};

// Fails, naming the value, on an input outside the table's range.
IntTensor apply_table(const IntTensor& x, const UnaryTable& table);

// Real functions for UnaryTable::build.
namespace activation {
double relu(double x);
double sigmoid(double x);
double tanh(double x);
double gelu(double x);  // x * Phi(x), the exact (erf) form of ONNX Gelu
double exp(double x);
}  // namespace activation

}  // namespace zkinfer::ops
