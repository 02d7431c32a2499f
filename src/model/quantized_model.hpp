// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "base/bytes.hpp"
#include "hash/sha256.hpp"
#include "ops/conv.hpp"
#include "ops/elementwise.hpp"
#include "ops/gemm.hpp"
#include "ops/pool.hpp"
#include "ops/requant.hpp"
#include "ops/softmax.hpp"
#include "ops/table.hpp"
#include "ops/tensor.hpp"

namespace zkinfer::model {

// The quantized model: a topologically ordered list of integer operators,
// each holding the src/ops parameters that fix its integers exactly
// (docs/quantization.md). Real scales are kept only to describe the model
// and to convert inputs and outputs; the computation never reads them.

using TensorId = std::size_t;

// An activation tensor: its static shape and quantization.
struct QTensor {
  std::string name;
  ops::Shape shape;
  ops::QuantParams quant;
};

// The integer type of Gemm / Conv weights. The quantizer makes symmetric
// int8 weights; an already-quantized ONNX model may bring uint8 weights with
// a zero point (ONNX QLinearConv / QLinearMatMul allow both).
enum class WeightType : std::uint8_t { kInt8, kUInt8 };

const char* weight_type_name(WeightType type);

// Y = gemm(X, weights [N, K], bias): Gemm / MatMul (+ constant Add) (+ Relu),
// or QLinearMatMul.
struct QGemm {
  ops::MacQuant quant;
  ops::IntTensor weights;  // [N, K], values and zero points in weight_type's range
  WeightType weight_type = WeightType::kInt8;
  std::vector<std::int32_t> bias;     // empty or N values, scale s_x * s_w[n]
  std::vector<double> weight_scales;  // 1 or N (per output channel)
};

// Y = conv(X, weights [M, C / groups, kH, kW], bias) (+ Relu), or QLinearConv.
struct QConv {
  ops::ConvParams params;
  ops::IntTensor weights;  // values and zero points in weight_type's range
  WeightType weight_type = WeightType::kInt8;
  std::vector<std::int32_t> bias;
  std::vector<double> weight_scales;
};

struct QMaxPool {
  ops::PoolParams params;
};

// Y = clamp(zy + requant(X - zx)): a change of scale or a standalone ReLU.
struct QRequantize {
  std::int32_t input_zero_point = 0;
  ops::Rescale rescale;
};

// Same values, the output tensor's shape (Reshape / Flatten).
struct QReshape {};

// Y = A + B or A - B (broadcasting), both inputs activations (+ Relu).
struct QAdd {
  ops::AddParams params;
  bool subtract = false;
};

// Y = A * B (broadcasting), both inputs activations.
struct QMul {
  ops::MulParams params;
};

// A unary operator as a table (Sigmoid, Tanh, LeakyRelu, Clip).
struct QTable {
  ops::UnaryTable table;
};

// AveragePool (global: the window is the whole H x W, params unused).
struct QAveragePool {
  ops::PoolParams params;
  ops::AverageQuant quant;
  bool global = false;
};

struct QSoftmax {
  ops::SoftmaxParams params;
};

// Inputs already share the output's quantization.
struct QConcat {
  std::size_t axis = 0;
};

struct QTranspose {
  std::vector<std::size_t> perm;
};

using QOp = std::variant<QGemm, QConv, QMaxPool, QRequantize, QReshape, QAdd, QMul, QTable,
                         QAveragePool, QSoftmax, QConcat, QTranspose>;

const char* op_name(const QOp& op);

struct QNode {
  std::string name;  // the float node it comes from (the first one when fused)
  QOp op;
  std::vector<TensorId> inputs;
  TensorId output = 0;
};

struct QuantizedModel {
  std::vector<QTensor> tensors;
  std::vector<QNode> nodes;  // topological order
  TensorId input = 0;
  TensorId output = 0;

  // Ids in range, every tensor computed once before it is read, every op's
  // parameters valid for its shapes. Error naming the node otherwise.
  void validate() const;
};

// Canonical binary forms, version kQuantizedModelVersion, little-endian.
// The architecture is everything except weight and bias values (shapes,
// scales, zero points, multipliers, shifts, pool geometry): it is public and
// its SHA-256 names the model's shape. The weights are the 8-bit weight
// values (one byte each, signed or unsigned as the node's weight type says)
// and int32 bias values, node by node, in the order of the architecture.
// Parsing is strict: wrong magic, version, an out-of-range field, trailing
// bytes or truncation are Errors; the parsed model is validated.
// Version 2 added the weight type of Gemm / Conv (version 1 files, all int8,
// are rejected: re-run `zkinfer quantize`).
inline constexpr std::uint32_t kQuantizedModelVersion = 2;

Bytes serialize_architecture(const QuantizedModel& model);
Bytes serialize_weights(const QuantizedModel& model);
// The file format: magic "ZKQM", version, then the architecture and the
// weights, each preceded by its u64 length.
Bytes serialize(const QuantizedModel& model);
QuantizedModel parse_quantized_model(ByteSpan bytes);

hash::Digest architecture_digest(const QuantizedModel& model);

// The public architecture alone (serialize_architecture's bytes), as the
// model a verifier knows: every weight and bias zero. Strict and validated.
QuantizedModel parse_architecture_bytes(ByteSpan bytes);

// JSON object describing the architecture (tensors, nodes, scales, requant
// parameters; no weight values), for the model card.
std::string describe_json(const QuantizedModel& model);

// `s` as a JSON string literal (quotes, backslashes and control characters escaped).
std::string json_string(const std::string& s);

void write_quantized_model(const std::string& path, const QuantizedModel& model);
QuantizedModel read_quantized_model(const std::string& path);

}  // namespace zkinfer::model
