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
// LeakyRelu / Clip (as tables), Softmax over one axis. Anything else is an
// Error naming the node and operator.
//
// An already-quantized graph (already_quantized) is converted as it is,
// with its own scales and zero points: `calibration` and `options` are not
// used (docs/quantization.md, "Already-quantized models"). Supported there:
// QuantizeLinear of the graph input, QLinearMatMul (2-D input, constant 2-D
// weights), 2-D QLinearConv (optional int32 bias), DequantizeLinear of a
// computed value, and Relu / MaxPool / Reshape / Transpose between a
// DequantizeLinear and a QuantizeLinear; activations per tensor, weights per
// tensor or per output channel, int8 or uint8.
QuantizedModel quantize(const Graph& graph, std::span<const Tensor> calibration,
                        const QuantizeOptions& options = {});

// True when the graph carries its own quantization: a QuantizeLinear,
// DequantizeLinear, QLinearMatMul or QLinearConv node, or an integer input.
bool already_quantized(const Graph& graph);

// Splits a batch [S, ...] into S float32 samples in the shape of the graph's
// single input (the element count per sample must match). Used for
// calibration and evaluation sets read from .npy files.
std::vector<Tensor> split_samples(const Graph& graph, const Tensor& batch);

}  // namespace zkinfer::model
