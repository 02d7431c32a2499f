// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "model/tensor.hpp"

namespace zkinfer::model {

// The float graph IR: what the ONNX importer produces, the float executor
// runs, and (later) the quantizer and the prover walk. Static shapes
// everywhere; nodes in topological order; one output per node; every
// operator parameter that shapes the computation is a typed attribute
// (resolved at import: explicit pads instead of auto_pad, a resolved target
// shape instead of a shape tensor, quantization parameters instead of scale
// and zero-point inputs). Weights stay values so they can be committed.
//
// Operators that the importer rewrites away never appear here: Identity and
// Dropout (aliases), Constant (a constant value), Div (a Mul by the
// reciprocal), Flatten (a Reshape). See docs/onnx-import.md.
enum class OpKind : std::uint8_t {
  kGemm,                // inputs A, B, [C]            GemmAttributes
  kMatMul,              // inputs A, B (numpy matmul)  -
  kAdd,                 // inputs A, B (broadcast)     -
  kSub,                 // inputs A, B (broadcast)     -
  kMul,                 // inputs A, B (broadcast)     -
  kConv,                // inputs X, W, [B]            ConvAttributes
  kRelu,                // input X                     -
  kLeakyRelu,           // input X                     LeakyReluAttributes
  kClip,                // input X                     ClipAttributes
  kSigmoid,             // input X                     -
  kTanh,                // input X                     -
  kSoftmax,             // input X                     SoftmaxAttributes
  kMaxPool,             // input X                     PoolAttributes
  kAveragePool,         // input X                     PoolAttributes
  kGlobalAveragePool,   // input X                     -
  kReshape,             // input X                     ReshapeAttributes
  kTranspose,           // input X                     TransposeAttributes
  kConcat,              // inputs X0..Xn               ConcatAttributes
  kBatchNormalization,  // inputs X, scale, B, mean, var (constants)  BatchNormAttributes
  kQuantizeLinear,      // input X (float)             QuantizeAttributes
  kDequantizeLinear,    // input X (int8/uint8/int32)  QuantizeAttributes
  kQLinearMatMul,       // inputs A, B                 QLinearMatMulAttributes
  kQLinearConv,         // inputs X, W, [B int32]      QLinearConvAttributes
};

const char* op_kind_name(OpKind kind);

struct GemmAttributes {
  float alpha = 1.0f;
  float beta = 1.0f;
  bool trans_a = false;
  bool trans_b = false;
};

// Geometry of a convolution over the trailing spatial dimensions of an
// N x C x D1 x ... tensor. pads holds the begin pads of every spatial axis
// followed by the end pads (the ONNX layout), already resolved from auto_pad.
struct ConvAttributes {
  std::vector<std::int64_t> kernel;
  std::vector<std::int64_t> strides;
  std::vector<std::int64_t> pads;
  std::vector<std::int64_t> dilations;
  std::int64_t group = 1;
};

struct PoolAttributes {
  std::vector<std::int64_t> kernel;
  std::vector<std::int64_t> strides;
  std::vector<std::int64_t> pads;  // begin pads then end pads, resolved
  std::vector<std::int64_t> dilations;
  bool ceil_mode = false;          // already reflected in the output shape
  bool count_include_pad = false;  // AveragePool only
};

struct LeakyReluAttributes {
  float alpha = 0.01f;
};

struct ClipAttributes {
  float min = -std::numeric_limits<float>::infinity();
  float max = std::numeric_limits<float>::infinity();
};

// Softmax over the flattened axes first_axis..last_axis (inclusive).
// Opset >= 13 normalises one axis (first == last); opset < 13 coerces the
// input to 2-D at `axis`, i.e. normalises over all axes from `axis` on.
struct SoftmaxAttributes {
  std::int64_t first_axis = 0;
  std::int64_t last_axis = 0;
};

// Reshape keeps the data and gives it the output value's shape, which is
// the fully resolved target (no 0 or -1 left).
struct ReshapeAttributes {
  Shape shape;
};

struct TransposeAttributes {
  std::vector<std::int64_t> perm;
};

struct ConcatAttributes {
  std::int64_t axis = 0;  // non-negative
};

struct BatchNormAttributes {
  float epsilon = 1e-5f;
};

// Affine quantization parameters: one (scale, zero point) per tensor, or one
// per slice along an axis. Zero points are integers held as floats.
struct QuantParams {
  std::vector<float> scale;
  std::vector<float> zero_point;
};

// QuantizeLinear: y = saturate(round_half_even(x / scale) + zero_point).
// DequantizeLinear: y = (x - zero_point) * scale. `quantized` is the dtype of
// the integer side; `axis` (non-negative) selects the per-axis slices.
struct QuantizeAttributes {
  std::int64_t axis = 0;
  QuantParams params;
  DType quantized = DType::kUInt8;
};

struct QLinearMatMulAttributes {
  QuantParams a;  // per tensor
  QuantParams b;  // per tensor or per column of B
  QuantParams y;  // per tensor
  DType output = DType::kUInt8;
};

struct QLinearConvAttributes {
  ConvAttributes conv;
  QuantParams x;  // per tensor
  QuantParams w;  // per tensor or per output channel
  QuantParams y;  // per tensor
  DType output = DType::kUInt8;
};

using Attributes =
    std::variant<std::monostate, GemmAttributes, ConvAttributes, PoolAttributes,
                 LeakyReluAttributes, ClipAttributes, SoftmaxAttributes, ReshapeAttributes,
                 TransposeAttributes, ConcatAttributes, BatchNormAttributes, QuantizeAttributes,
                 QLinearMatMulAttributes, QLinearConvAttributes>;

using ValueId = std::size_t;
inline constexpr ValueId kNoValue = std::numeric_limits<ValueId>::max();

enum class ValueKind : std::uint8_t { kInput, kConstant, kComputed };

struct Value {
  std::string name;
  DType dtype = DType::kFloat32;
  Shape shape;
  ValueKind kind = ValueKind::kComputed;
  std::vector<float> data;  // constants only
};

struct Node {
  std::string name;  // the ONNX node name, or "<OpType>#<index>" when it had none
  OpKind kind = OpKind::kRelu;
  std::vector<ValueId> inputs;  // kNoValue marks an absent optional input
  ValueId output = kNoValue;
  Attributes attributes;

  template <class A>
  const A& attrs() const {
    return std::get<A>(attributes);
  }
};

struct GraphOutput {
  std::string name;  // the ONNX graph output name
  ValueId value = kNoValue;
};

struct Graph {
  std::int64_t opset = 0;  // default-domain opset of the source model
  std::vector<Value> values;
  std::vector<Node> nodes;  // topological order
  std::vector<ValueId> inputs;
  std::vector<GraphOutput> outputs;

  const Value& value(ValueId id) const { return values.at(id); }
  // Id of the value called `name`, or kNoValue.
  ValueId find(std::string_view name) const;
  TensorView constant(ValueId id) const;  // the value must be a constant
  // Number of node inputs reading each value (graph outputs not counted).
  std::vector<std::size_t> consumer_counts() const;
};

// Drops nodes and constants that no graph output depends on and renumbers
// the remaining values densely (inputs keep their order).
void prune(Graph& graph);

// One line per input, node and output, for logs and test failure messages.
std::string describe(const Graph& graph);

}  // namespace zkinfer::model
