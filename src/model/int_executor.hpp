// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include "model/quantized_model.hpp"
#include "model/tensor.hpp"
#include "ops/tensor.hpp"

namespace zkinfer::model {

// The integer reference executor: runs a QuantizedModel by calling the
// src/ops kernels only, so the integers it produces are by definition what
// the model computes (and what the prover must reproduce).

struct IntExecution {
  // One entry per model tensor (indexed by TensorId): every intermediate
  // value when requested, otherwise only the input and the output are kept.
  std::vector<ops::IntTensor> tensors;
  const ops::IntTensor& output(const QuantizedModel& model) const { return tensors[model.output]; }
};

// `input` must have the model input's shape and values in its dtype range.
IntExecution execute_quantized(const QuantizedModel& model, const ops::IntTensor& input,
                               bool keep_intermediates = false);

// q = clamp(round_half_even(x / scale) + zero_point, lo, hi) with the
// quotient in float32, exactly ONNX QuantizeLinear, laid out in the model
// input's shape; x must have as many elements, all finite.
ops::IntTensor quantize_input(const QuantizedModel& model, const Tensor& x);
// real = scale * (q - zero_point) as float32, in the output's shape.
Tensor dequantize_output(const QuantizedModel& model, const ops::IntTensor& y);

}  // namespace zkinfer::model
