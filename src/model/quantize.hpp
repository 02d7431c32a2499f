// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <span>
#include <vector>

#include "model/graph.hpp"
#include "model/quantized_model.hpp"
#include "model/tensor.hpp"

namespace zkinfer::model {

// Post-training quantization of a float graph (docs/quantization.md,
// "Quantizer"). Calibration runs the float executor on every sample and
// records each value's min / max; scales follow from those ranges.
struct QuantizeOptions {
  bool per_channel = true;  // one weight scale per output channel (else per tensor)
};

// `calibration`: at least one sample, each with the graph input's element
// count (any dtype holding the values; reshaped to the input's shape).
// Supported: one graph input and output; Gemm, MatMul (+ Add of a constant
// bias), 2-D Conv, each with an optional fused Relu; Relu, MaxPool,
// AveragePool, GlobalAveragePool (2-D, ceil_mode 0), Reshape, Transpose,
// Concat, Add / Sub / Mul of two computed tensors, Sigmoid / Tanh /
// LeakyRelu / Clip (as tables), Softmax over one axis. Anything else
// (including QDQ / QLinear models) is an Error naming the node and operator.
QuantizedModel quantize(const Graph& graph, std::span<const Tensor> calibration,
                        const QuantizeOptions& options = {});

// Splits a batch [S, ...] into S float32 samples in the shape of the graph's
// single input (the element count per sample must match). Used for
// calibration and evaluation sets read from .npy files.
std::vector<Tensor> split_samples(const Graph& graph, const Tensor& batch);

}  // namespace zkinfer::model
