// SPDX-License-Identifier: Apache-2.0
#include "model/quantize.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>

#include "base/error.hpp"
#include "model/executor.hpp"
#include "ops/table.hpp"

namespace zkinfer::model {
namespace {

// Largest int8 weight magnitude: weights use the symmetric range [-127, 127]
// so that negating a weight never saturates.
constexpr double kWeightMax = 127.0;
constexpr double kOutputMax = 32767.0;
constexpr double kOutputHeadroom = 4.0;

struct Range {
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  bool integral = true;  // every observed value an integer in [0, 255]

  void observe(std::span<const float> data) {
    for (float v : data) {
      min = std::min(min, static_cast<double>(v));
      max = std::max(max, static_cast<double>(v));
      integral = integral && v >= 0 && v <= 255 && v == std::floor(v);
    }
  }
};

ops::Shape to_ops_shape(const Shape& shape) {
  return ops::Shape(shape.begin(), shape.end());
}

// Activations: [0, 255] with zero point 0 when the calibration range is
// non-negative (one more bit than int8 for post-ReLU tensors), otherwise
// int8 symmetric. A zero range keeps scale 1.
ops::QuantParams activation_quant(const Range& r) {
  if (r.min >= 0) return ops::QuantParams::uint8(r.max > 0 ? r.max / 255.0 : 1.0, 0);
  const double bound = std::max(-r.min, r.max);
  return ops::QuantParams::int8(bound / 127.0, 0);
}

// The graph output feeds no further integer operator, so it keeps 16 bits:
// 8-bit logits (steps of ~1/100 of their range) would make argmax ties and
// flips common; 16 bits cost one wider range check in the proof. The range
// is 4x the calibration range: inputs beyond it (logits grow with the input)
// are not clipped, and 13 bits of resolution remain.
ops::QuantParams output_quant(const Range& r) {
  const double bound = std::max(std::abs(r.min), std::abs(r.max));
  ops::QuantParams q;
  q.scale = bound > 0 ? kOutputHeadroom * bound / kOutputMax : 1.0;
  q.lo = -static_cast<std::int32_t>(kOutputMax) - 1;
  q.hi = static_cast<std::int32_t>(kOutputMax);
  return q;
}

// Raw pixel-like inputs (integers in [0, 255]) are represented exactly.
ops::QuantParams input_quant(const Range& r) {
  if (r.integral) return ops::QuantParams::uint8(1.0, 0);
  return activation_quant(r);
}

bool same_quant(const ops::QuantParams& a, const ops::QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point && a.lo == b.lo && a.hi == b.hi;
}

// The integer weights [N, K...] of a Gemm / Conv, their zero points and
// scales (one, or one per row N) and the int32 bias at scale s_x * s_w[n]:
// made by quantize_weights from float weights, or taken as they are from a
// QLinear node by given_weights.
struct QuantizedWeights {
  ops::IntTensor weights;
  WeightType type = WeightType::kInt8;
  std::vector<std::int32_t> zero_points{0};
  std::vector<std::int32_t> bias;
  std::vector<double> scales;
};

// Symmetric int8 rows with one scale per row (or one overall).
QuantizedWeights quantize_weights(const std::vector<float>& w, ops::Shape shape,
                                  const std::vector<float>& bias, double input_scale,
                                  bool per_channel, const std::string& where) {
  const std::size_t rows = shape[0];
  const std::size_t row_size = w.size() / rows;
  const auto row_bound = [&](std::size_t n) {
    double m = 0;
    for (std::size_t k = 0; k < row_size; ++k)
      m = std::max(m, std::abs(static_cast<double>(w[n * row_size + k])));
    return m;
  };
  QuantizedWeights q;
  if (per_channel) {
    for (std::size_t n = 0; n < rows; ++n) q.scales.push_back(row_bound(n) / kWeightMax);
  } else {
    double m = 0;
    for (std::size_t n = 0; n < rows; ++n) m = std::max(m, row_bound(n));
    q.scales.push_back(m / kWeightMax);
  }
  for (double& s : q.scales)
    if (s == 0) s = 1.0;  // an all-zero row: any scale represents it exactly
  const auto scale = [&q](std::size_t n) {
    return q.scales.size() == 1 ? q.scales[0] : q.scales[n];
  };

  q.weights = ops::IntTensor::zeros(std::move(shape));
  for (std::size_t n = 0; n < rows; ++n)
    for (std::size_t k = 0; k < row_size; ++k) {
      const double v = std::nearbyint(w[n * row_size + k] / scale(n));
      q.weights.values[n * row_size + k] =
          static_cast<std::int32_t>(std::clamp(v, -kWeightMax, kWeightMax));
    }
  for (std::size_t n = 0; n < bias.size(); ++n) {
    const double b = std::nearbyint(bias[n] / (input_scale * scale(n)));
    if (!(std::abs(b) < 2147483647.0))
      fail(where + ": bias " + std::to_string(bias[n]) + " does not fit int32 at scale " +
           std::to_string(input_scale * scale(n)));
    q.bias.push_back(static_cast<std::int32_t>(b));
  }
  return q;
}

std::string node_label(const Node& node) {
  return "quantizer: node '" + node.name + "' (" + op_kind_name(node.kind) + ")";
}

// The per-tensor quantization that an already-quantized graph declares for an
// int8 / uint8 value (QuantizeLinear's output, a QLinear operator's input or
// output, DequantizeLinear's input).
ops::QuantParams declared_quant(const QuantParams& p, DType dtype, const std::string& where) {
  if (p.scale.size() != 1 || p.zero_point.size() != 1)
    fail(where +
         ": per-axis quantization of an activation is not supported (only weights may "
         "have one scale per output channel)");
  const auto zero_point = static_cast<std::int32_t>(p.zero_point[0]);
  if (dtype == DType::kInt8) return ops::QuantParams::int8(p.scale[0], zero_point);
  if (dtype == DType::kUInt8) return ops::QuantParams::uint8(p.scale[0], zero_point);
  fail(where + ": activations of dtype " + dtype_name(dtype) + " are not supported");
}

// The weights of a QLinearMatMul / QLinearConv as the model gives them:
// `values` [N, K...] (already in that layout), `params` with one or N scales
// and zero points, `bias` int32 at scale s_x * s_w[n] (or empty).
QuantizedWeights given_weights(const std::vector<float>& values, ops::Shape shape, DType dtype,
                               const QuantParams& params, const std::vector<float>& bias,
                               const std::string& where) {
  if (dtype != DType::kInt8 && dtype != DType::kUInt8)
    fail(where + ": weights of dtype " + dtype_name(dtype) + " are not supported");
  const std::size_t channels = shape[0];
  for (std::size_t count : {params.scale.size(), params.zero_point.size()})
    if (count != 1 && count != channels)
      fail(where + ": " + std::to_string(count) + " weight scales or zero points for " +
           std::to_string(channels) + " output channels");
  QuantizedWeights q;
  q.type = dtype == DType::kUInt8 ? WeightType::kUInt8 : WeightType::kInt8;
  q.weights = ops::IntTensor::zeros(std::move(shape));
  std::transform(values.begin(), values.end(), q.weights.values.begin(),
                 [](float v) { return static_cast<std::int32_t>(v); });
  q.zero_points.assign(params.zero_point.begin(), params.zero_point.end());
  q.scales.assign(params.scale.begin(), params.scale.end());
  q.bias.assign(bias.begin(), bias.end());
  return q;
}

// Operators of graphs that carry their own quantization (docs/quantization.md,
// "Already-quantized models").
bool is_quantization_op(OpKind kind) {
  return kind == OpKind::kQuantizeLinear || kind == OpKind::kDequantizeLinear ||
         kind == OpKind::kQLinearMatMul || kind == OpKind::kQLinearConv;
}

// The float operators that may sit between a DequantizeLinear and a
// QuantizeLinear of an already-quantized graph: they keep their input's
// quantization, so they need no scale of their own.
bool keeps_quantization(OpKind kind) {
  return kind == OpKind::kRelu || kind == OpKind::kMaxPool || kind == OpKind::kReshape ||
         kind == OpKind::kTranspose;
}

class Quantizer {
 public:
  // An already-quantized graph is converted with its own scales: no calibration.
  Quantizer(const Graph& graph, std::span<const Tensor> calibration, QuantizeOptions options)
      : graph_(graph),
        options_(options),
        given_(already_quantized(graph)),
        ranges_(graph.values.size()),
        tensor_of_(graph.values.size(), kNone),
        consumers_(graph.values.size()) {
    require(graph.inputs.size() == 1, "quantizer: the graph must have exactly one input");
    require(graph.outputs.size() == 1, "quantizer: the graph must have exactly one output");
    for (std::size_t i = 0; i < graph.nodes.size(); ++i)
      for (ValueId in : graph.nodes[i].inputs)
        if (in != kNoValue) consumers_[in].push_back(i);
    if (given_) return;
    require(!calibration.empty(), "quantizer: no calibration samples");
    for (const Tensor& sample : calibration)
      execute(graph, std::span(&sample, 1),
              [this](ValueId id, TensorView v) { ranges_[id].observe(v.data); });
  }

  QuantizedModel run() {
    const ValueId in = graph_.inputs[0];
    model_.input = add_tensor(in, given_ ? given_input_quant() : input_quant(ranges_[in]));
    fused_.assign(graph_.nodes.size(), false);
    for (std::size_t i = 0; i < graph_.nodes.size(); ++i)
      if (!fused_[i]) quantize_node(i);
    const ValueId out = graph_.outputs[0].value;
    if (tensor_of_[out] == kNone) fail("quantizer: the graph output is not computed");
    model_.output = tensor_of_[out];
    model_.validate();
    return std::move(model_);
  }

 private:
  static constexpr TensorId kNone = std::numeric_limits<TensorId>::max();

  // The quantization of the value a fused Gemm / Conv produces.
  ops::QuantParams computed_quant(ValueId id) const {
    return id == graph_.outputs[0].value ? output_quant(ranges_[id])
                                         : activation_quant(ranges_[id]);
  }

  TensorId add_tensor(ValueId id, const ops::QuantParams& quant) {
    const Value& v = graph_.value(id);
    tensor_of_[id] = new_tensor(v.name, to_ops_shape(v.shape), quant);
    return tensor_of_[id];
  }

  TensorId new_tensor(std::string name, ops::Shape shape, const ops::QuantParams& quant) {
    model_.tensors.push_back({std::move(name), std::move(shape), quant});
    return model_.tensors.size() - 1;
  }

  TensorId input_tensor(const Node& node, std::size_t k) const {
    const ValueId id = node.inputs.at(k);
    if (id == kNoValue || tensor_of_[id] == kNone)
      fail("quantizer: node '" + node.name + "' (" + op_kind_name(node.kind) + ") input " +
           std::to_string(k) + " is not a computed tensor");
    return tensor_of_[id];
  }

  std::vector<float> constant_data(const Node& node, std::size_t k) const {
    const ValueId id = node.inputs.at(k);
    if (id == kNoValue || graph_.value(id).kind != ValueKind::kConstant)
      fail("quantizer: node '" + node.name + "' (" + op_kind_name(node.kind) + ") input " +
           std::to_string(k) + " must be a constant");
    const TensorView v = graph_.constant(id);
    return {v.data.begin(), v.data.end()};
  }

  // The node that alone reads `value` if it has kind `kind`, and `value` is
  // not a graph output: then it can be fused into the producer.
  std::optional<std::size_t> sole_consumer(ValueId value, OpKind kind) const {
    if (consumers_[value].size() != 1) return std::nullopt;
    for (const GraphOutput& o : graph_.outputs)
      if (o.value == value) return std::nullopt;
    const std::size_t c = consumers_[value][0];
    if (graph_.nodes[c].kind != kind) return std::nullopt;
    return c;
  }

  // Fuses a following Relu; returns the value the fused operator produces.
  ValueId fuse_relu(ValueId value, bool& relu) {
    relu = false;
    if (const auto r = sole_consumer(value, OpKind::kRelu)) {
      fused_[*r] = true;
      relu = true;
      return graph_.nodes[*r].output;
    }
    return value;
  }

  // `quant` by value: callers pass a tensor's quant, and add_tensor may reallocate.
  void emit(const Node& node, QOp op, std::vector<TensorId> inputs, ValueId output,
            ops::QuantParams quant) {
    const TensorId out = add_tensor(output, quant);
    model_.nodes.push_back({node.name, std::move(op), std::move(inputs), out});
  }

  void quantize_node(std::size_t index) {
    const Node& node = graph_.nodes[index];
    if (given_ && !is_quantization_op(node.kind) && !keeps_quantization(node.kind))
      fail(node_label(node) +
           ": in an already-quantized graph only QuantizeLinear, DequantizeLinear, "
           "QLinearMatMul, QLinearConv and, between a DequantizeLinear and a QuantizeLinear, "
           "Relu, MaxPool, Reshape / Flatten and Transpose are supported");
    switch (node.kind) {
      case OpKind::kQuantizeLinear:
        return convert_quantize_linear(node);
      case OpKind::kDequantizeLinear:
        return convert_dequantize_linear(node);
      case OpKind::kQLinearMatMul:
        return convert_qlinear_matmul(node);
      case OpKind::kQLinearConv:
        return convert_qlinear_conv(node);
      case OpKind::kGemm:
      case OpKind::kMatMul:
        return quantize_dense(node);
      case OpKind::kConv:
        return quantize_conv(node);
      case OpKind::kRelu: {
        const TensorId x = input_tensor(node, 0);
        const ops::QuantParams q = model_.tensors[x].quant;
        QRequantize op{q.zero_point, ops::Rescale::per_tensor(1.0, q, /*relu=*/true)};
        return emit(node, std::move(op), {x}, node.output, q);
      }
      case OpKind::kMaxPool:
        return quantize_max_pool(node);
      case OpKind::kReshape: {
        const TensorId x = input_tensor(node, 0);
        return emit(node, QReshape{}, {x}, node.output, model_.tensors[x].quant);
      }
      case OpKind::kAdd:
      case OpKind::kSub:
      case OpKind::kMul:
        return quantize_binary(node);
      case OpKind::kSigmoid:
        return quantize_table(node, ops::activation::sigmoid);
      case OpKind::kTanh:
        return quantize_table(node, ops::activation::tanh);
      case OpKind::kLeakyRelu: {
        const double alpha = node.attrs<LeakyReluAttributes>().alpha;
        return quantize_table(node, [alpha](double v) { return v > 0 ? v : alpha * v; });
      }
      case OpKind::kClip: {
        const auto& a = node.attrs<ClipAttributes>();
        const double lo = a.min, hi = a.max;
        return quantize_table(node, [lo, hi](double v) { return std::clamp(v, lo, hi); });
      }
      case OpKind::kAveragePool:
      case OpKind::kGlobalAveragePool:
        return quantize_average_pool(node);
      case OpKind::kSoftmax:
        return quantize_softmax(node);
      case OpKind::kConcat:
        return quantize_concat(node);
      case OpKind::kTranspose: {
        const TensorId x = input_tensor(node, 0);
        QTranspose op;
        for (std::int64_t p : node.attrs<TransposeAttributes>().perm)
          op.perm.push_back(static_cast<std::size_t>(p));
        return emit(node, std::move(op), {x}, node.output, model_.tensors[x].quant);
      }
      default:
        fail("quantizer: operator " + std::string(op_kind_name(node.kind)) + " (node '" +
             node.name + "') is not supported yet");
    }
  }

  // Add / Sub / Mul of two computed tensors (+ a fused Relu).
  void quantize_binary(const Node& node) {
    const TensorId a = input_tensor(node, 0), b = input_tensor(node, 1);
    bool relu = false;
    const ValueId out = fuse_relu(node.output, relu);
    const ops::QuantParams out_q = computed_quant(out);
    const ops::QuantParams& qa = model_.tensors[a].quant;
    const ops::QuantParams& qb = model_.tensors[b].quant;
    if (node.kind == OpKind::kMul)
      return emit(node, QMul{ops::MulParams::build(qa, qb, out_q, relu)}, {a, b}, out, out_q);
    emit(node, QAdd{ops::AddParams::build(qa, qb, out_q, relu), node.kind == OpKind::kSub}, {a, b},
         out, out_q);
  }

  void quantize_table(const Node& node, const std::function<double(double)>& f) {
    const TensorId x = input_tensor(node, 0);
    const ops::QuantParams out_q = computed_quant(node.output);
    emit(node, QTable{ops::UnaryTable::build(model_.tensors[x].quant, out_q, f)}, {x}, node.output,
         out_q);
  }

  void quantize_average_pool(const Node& node) {
    const TensorId x = input_tensor(node, 0);
    const ops::QuantParams& in_q = model_.tensors[x].quant;
    const ops::QuantParams out_q = computed_quant(node.output);
    QAveragePool op;
    std::size_t area = 0;
    if (node.kind == OpKind::kGlobalAveragePool) {
      const ops::Shape& shape = model_.tensors[x].shape;
      if (shape.size() != 4) fail("quantizer: node '" + node.name + "': input is not 4-D");
      op.global = true;
      area = shape[2] * shape[3];
    } else {
      const auto& a = node.attrs<PoolAttributes>();
      op.params.window = window_of(node, a);
      op.params.count_include_pad = a.count_include_pad;
      area = op.params.window.kernel[0] * op.params.window.kernel[1];
    }
    op.quant = ops::AverageQuant::build(in_q, out_q, area);
    emit(node, std::move(op), {x}, node.output, out_q);
  }

  // Probabilities in [0, 255] with scale 1/255: "one" is exactly 255.
  void quantize_softmax(const Node& node) {
    const auto& a = node.attrs<SoftmaxAttributes>();
    if (a.first_axis != a.last_axis)
      fail("quantizer: node '" + node.name + "': Softmax over several axes is not supported");
    const TensorId x = input_tensor(node, 0);
    const ops::QuantParams out_q = ops::QuantParams::uint8(1.0 / 255.0, 0);
    emit(node,
         QSoftmax{ops::SoftmaxParams::build(model_.tensors[x].quant, out_q, a.first_axis,
                                            model_.tensors[x].shape.size())},
         {x}, node.output, out_q);
  }

  // Inputs with another quantization than the output's are requantized first.
  void quantize_concat(const Node& node) {
    const ops::QuantParams out_q = computed_quant(node.output);
    std::vector<TensorId> inputs;
    for (std::size_t k = 0; k < node.inputs.size(); ++k)
      inputs.push_back(
          requantize_to(input_tensor(node, k), out_q, node.name + "/input" + std::to_string(k)));
    emit(node, QConcat{static_cast<std::size_t>(node.attrs<ConcatAttributes>().axis)},
         std::move(inputs), node.output, out_q);
  }

  // `x` itself if it already has quantization `quant`, else a new tensor
  // `name` computed from it by a Requantize node.
  TensorId requantize_to(TensorId x, const ops::QuantParams& quant, const std::string& name) {
    const QTensor t = model_.tensors[x];  // a copy: new_tensor may reallocate
    if (same_quant(t.quant, quant)) return x;
    const TensorId aligned = new_tensor(name, t.shape, quant);
    QRequantize op{t.quant.zero_point,
                   ops::Rescale::per_tensor(t.quant.scale / quant.scale, quant)};
    model_.nodes.push_back({name, std::move(op), {x}, aligned});
    return aligned;
  }

  static ops::Window2d window_of(const Node& node, const PoolAttributes& a) {
    if (a.kernel.size() != 2 || a.ceil_mode)
      fail("quantizer: node '" + node.name + "': only 2-D pools with ceil_mode 0 are supported");
    const auto u = [](std::int64_t v) { return static_cast<std::size_t>(v); };
    ops::Window2d w;
    w.kernel = {u(a.kernel[0]), u(a.kernel[1])};
    w.strides = {u(a.strides[0]), u(a.strides[1])};
    if (a.dilations.size() == 2) w.dilations = {u(a.dilations[0]), u(a.dilations[1])};
    w.pads = {u(a.pads[0]), u(a.pads[1]), u(a.pads[2]), u(a.pads[3])};
    return w;
  }

  void quantize_dense(const Node& node) {
    const std::string where = "quantizer: node '" + node.name + "'";
    const TensorId x = input_tensor(node, 0);
    if (model_.tensors[x].shape.size() != 2) fail(where + ": input is not 2-D");
    const Shape& b_shape = graph_.value(node.inputs.at(1)).shape;
    if (b_shape.size() != 2) fail(where + ": weight is not 2-D");
    std::vector<float> b = constant_data(node, 1);
    bool transposed = false;  // B stored [N, K]
    float alpha = 1.0f, beta = 1.0f;
    std::vector<float> bias;
    ValueId out = node.output;
    if (node.kind == OpKind::kGemm) {
      const auto& a = node.attrs<GemmAttributes>();
      if (a.trans_a) fail(where + ": Gemm with transA is not supported");
      transposed = a.trans_b;
      alpha = a.alpha;
      beta = a.beta;
      if (node.inputs.size() > 2 && node.inputs[2] != kNoValue) bias = constant_data(node, 2);
    }
    const std::size_t n = static_cast<std::size_t>(transposed ? b_shape[0] : b_shape[1]);
    const std::size_t k = static_cast<std::size_t>(transposed ? b_shape[1] : b_shape[0]);
    if (node.kind == OpKind::kMatMul) {
      if (const auto add = sole_consumer(out, OpKind::kAdd)) {
        const Node& a = graph_.nodes[*add];
        const std::size_t other = a.inputs[0] == out ? 1 : 0;
        const Value& c = graph_.value(a.inputs[other]);
        if (c.kind == ValueKind::kConstant && c.data.size() == n &&
            graph_.value(a.output).shape == graph_.value(out).shape) {
          bias = c.data;
          fused_[*add] = true;
          out = a.output;
        }
      }
    }
    std::vector<float> w(n * k);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t c = 0; c < k; ++c)
        w[r * k + c] = alpha * (transposed ? b[r * k + c] : b[c * n + r]);
    if (bias.size() == 1) bias.assign(n, bias[0]);
    if (!bias.empty() && bias.size() != n)
      fail(where + ": bias of " + std::to_string(bias.size()) + " values for " + std::to_string(n) +
           " outputs (only a per-output bias is supported)");
    for (float& v : bias) v *= beta;

    bool relu = false;
    out = fuse_relu(out, relu);
    const ops::QuantParams in_q = model_.tensors[x].quant;
    const ops::QuantParams out_q = computed_quant(out);
    emit_gemm(node, x, quantize_weights(w, {n, k}, bias, in_q.scale, options_.per_channel, where),
              out, out_q, relu);
  }

  // The integer parameters of a Gemm / Conv from its input quantization, its
  // weights and its output quantization: m_n = s_x * s_w[n] / s_y.
  static ops::MacQuant mac_quant(const ops::QuantParams& in_q, const QuantizedWeights& q,
                                 const ops::QuantParams& out_q, bool relu) {
    std::vector<double> m;
    for (double s : q.scales) m.push_back(in_q.scale * s / out_q.scale);
    ops::MacQuant mac;
    mac.input_zero_point = in_q.zero_point;
    mac.weight_zero_points = q.zero_points;
    mac.rescale = m.size() == 1 ? ops::Rescale::per_tensor(m[0], out_q, relu)
                                : ops::Rescale::per_channel(m, out_q, relu);
    return mac;
  }

  void emit_gemm(const Node& node, TensorId x, QuantizedWeights q, ValueId out,
                 const ops::QuantParams& out_q, bool relu) {
    QGemm op;
    op.quant = mac_quant(model_.tensors[x].quant, q, out_q, relu);
    op.weights = std::move(q.weights);
    op.weight_type = q.type;
    op.bias = std::move(q.bias);
    op.weight_scales = std::move(q.scales);
    emit(node, std::move(op), {x}, out, out_q);
  }

  void emit_conv(const Node& node, const ConvAttributes& a, TensorId x, QuantizedWeights q,
                 ValueId out, const ops::QuantParams& out_q, bool relu) {
    if (a.kernel.size() != 2) fail(node_label(node) + ": only 2-D convolutions are supported");
    QConv op;
    const auto u = [](std::int64_t v) { return static_cast<std::size_t>(v); };
    op.params.strides = {u(a.strides[0]), u(a.strides[1])};
    op.params.dilations = {u(a.dilations[0]), u(a.dilations[1])};
    op.params.pads = {u(a.pads[0]), u(a.pads[1]), u(a.pads[2]), u(a.pads[3])};
    op.params.groups = u(a.group);
    op.params.quant = mac_quant(model_.tensors[x].quant, q, out_q, relu);
    op.weights = std::move(q.weights);
    op.weight_type = q.type;
    op.bias = std::move(q.bias);
    op.weight_scales = std::move(q.scales);
    emit(node, std::move(op), {x}, out, out_q);
  }

  void quantize_conv(const Node& node) {
    const std::string where = "quantizer: node '" + node.name + "'";
    const auto& a = node.attrs<ConvAttributes>();
    const TensorId x = input_tensor(node, 0);
    const Shape& w_shape = graph_.value(node.inputs.at(1)).shape;
    std::vector<float> w = constant_data(node, 1);
    std::vector<float> bias;
    if (node.inputs.size() > 2 && node.inputs[2] != kNoValue) bias = constant_data(node, 2);
    bool relu = false;
    const ValueId out = fuse_relu(node.output, relu);
    const ops::QuantParams in_q = model_.tensors[x].quant;
    const ops::QuantParams out_q = computed_quant(out);
    emit_conv(
        node, a, x,
        quantize_weights(w, to_ops_shape(w_shape), bias, in_q.scale, options_.per_channel, where),
        out, out_q, relu);
  }

  // ---- already-quantized graphs: scales and zero points from the model ----

  // A float input is read by one QuantizeLinear, whose output quantization
  // it takes; an integer input takes what its first reader declares (every
  // reader is checked against it when converted).
  ops::QuantParams given_input_quant() const {
    const ValueId in = graph_.inputs[0];
    const Value& v = graph_.value(in);
    if (consumers_[in].empty()) fail("quantizer: the graph input '" + v.name + "' is not read");
    const Node& first = graph_.nodes[consumers_[in][0]];
    if (v.dtype != DType::kFloat32) return declared_input_quant(first);
    if (consumers_[in].size() != 1 || first.kind != OpKind::kQuantizeLinear)
      fail("quantizer: the float input '" + v.name +
           "' of an already-quantized graph must be read by exactly one QuantizeLinear");
    const auto& a = first.attrs<QuantizeAttributes>();
    return declared_quant(a.params, a.quantized, node_label(first));
  }

  // The quantization that `node` declares for its integer input 0.
  ops::QuantParams declared_input_quant(const Node& node) const {
    const DType dtype = graph_.value(node.inputs.at(0)).dtype;
    switch (node.kind) {
      case OpKind::kDequantizeLinear:
        return declared_quant(node.attrs<QuantizeAttributes>().params, dtype, node_label(node));
      case OpKind::kQLinearMatMul:
        return declared_quant(node.attrs<QLinearMatMulAttributes>().a, dtype, node_label(node));
      case OpKind::kQLinearConv:
        return declared_quant(node.attrs<QLinearConvAttributes>().x, dtype, node_label(node));
      default:
        fail(node_label(node) + ": reads the integer value '" + graph_.value(node.inputs[0]).name +
             "' without a scale and zero point for it");
    }
  }

  // Input 0 of `node`, which must have been quantized as `node` declares:
  // the model's integers are shared, so their scale must be too.
  TensorId declared_input(const Node& node) const {
    const TensorId x = input_tensor(node, 0);
    const ops::QuantParams& have = model_.tensors[x].quant;
    const ops::QuantParams want = declared_input_quant(node);
    if (!same_quant(have, want))
      fail(node_label(node) + ": reads '" + model_.tensors[x].name + "' with scale " +
           std::to_string(want.scale) + " and zero point " + std::to_string(want.zero_point) +
           ", but it holds scale " + std::to_string(have.scale) + " and zero point " +
           std::to_string(have.zero_point) + " (a change of scale needs a QuantizeLinear)");
    return x;
  }

  // Of the graph input: the input tensor itself. Of a value computed by the
  // float operators between a DequantizeLinear and this node: that tensor,
  // requantized if this node asks for other parameters.
  void convert_quantize_linear(const Node& node) {
    const auto& a = node.attrs<QuantizeAttributes>();
    const ops::QuantParams quant = declared_quant(a.params, a.quantized, node_label(node));
    tensor_of_[node.output] =
        requantize_to(input_tensor(node, 0), quant, graph_.value(node.output).name);
  }

  // Its reals stand for the integer tensor itself.
  void convert_dequantize_linear(const Node& node) {
    if (graph_.value(node.inputs[0]).kind == ValueKind::kConstant)
      fail(node_label(node) + ": dequantizes the constant '" + graph_.value(node.inputs[0]).name +
           "' (QDQ-format weights of a float operator are not supported; QLinearMatMul and "
           "QLinearConv are)");
    tensor_of_[node.output] = declared_input(node);
  }

  void convert_qlinear_matmul(const Node& node) {
    const auto& a = node.attrs<QLinearMatMulAttributes>();
    const TensorId x = declared_input(node);
    const Value& b = graph_.value(node.inputs.at(1));
    if (model_.tensors[x].shape.size() != 2 || b.shape.size() != 2)
      fail(node_label(node) + ": only a 2-D input times a 2-D constant is supported, not " +
           ops::shape_string(model_.tensors[x].shape) + " x " +
           ops::shape_string(to_ops_shape(b.shape)));
    const std::vector<float> kn = constant_data(node, 1);
    const auto k = static_cast<std::size_t>(b.shape[0]), n = static_cast<std::size_t>(b.shape[1]);
    std::vector<float> nk(n * k);
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t c = 0; c < k; ++c) nk[r * k + c] = kn[c * n + r];
    const ops::QuantParams out_q = declared_quant(a.y, a.output, node_label(node));
    bool relu = false;
    const ValueId out = fuse_qdq_relu(node.output, out_q, relu);
    emit_gemm(node, x, given_weights(nk, {n, k}, b.dtype, a.b, {}, node_label(node)), out, out_q,
              relu);
  }

  void convert_qlinear_conv(const Node& node) {
    const auto& a = node.attrs<QLinearConvAttributes>();
    const TensorId x = declared_input(node);
    const Value& w = graph_.value(node.inputs.at(1));
    std::vector<float> bias;
    if (node.inputs.size() > 2 && node.inputs[2] != kNoValue) bias = constant_data(node, 2);
    const ops::QuantParams out_q = declared_quant(a.y, a.output, node_label(node));
    bool relu = false;
    const ValueId out = fuse_qdq_relu(node.output, out_q, relu);
    emit_conv(node, a.conv, x,
              given_weights(constant_data(node, 1), to_ops_shape(w.shape), w.dtype, a.w, bias,
                            node_label(node)),
              out, out_q, relu);
  }

  // QLinear output -> DequantizeLinear -> Relu -> QuantizeLinear, both with
  // the output's parameters, is max(z_y, y) on the integers: fused into the
  // clamp like a float Relu. Returns the value the fused operator produces.
  ValueId fuse_qdq_relu(ValueId value, const ops::QuantParams& quant, bool& relu) {
    relu = false;
    const auto dequantize = sole_consumer(value, OpKind::kDequantizeLinear);
    if (!dequantize || !same_quant(declared_input_quant(graph_.nodes[*dequantize]), quant))
      return value;
    const auto rectify = sole_consumer(graph_.nodes[*dequantize].output, OpKind::kRelu);
    if (!rectify) return value;
    const auto quantize = sole_consumer(graph_.nodes[*rectify].output, OpKind::kQuantizeLinear);
    if (!quantize) return value;
    const Node& q = graph_.nodes[*quantize];
    const auto& qa = q.attrs<QuantizeAttributes>();
    if (!same_quant(declared_quant(qa.params, qa.quantized, node_label(q)), quant)) return value;
    for (std::size_t i : {*dequantize, *rectify, *quantize}) fused_[i] = true;
    relu = true;
    return q.output;
  }

  void quantize_max_pool(const Node& node) {
    QMaxPool op;
    op.params.window = window_of(node, node.attrs<PoolAttributes>());
    const TensorId x = input_tensor(node, 0);
    emit(node, std::move(op), {x}, node.output, model_.tensors[x].quant);
  }

  const Graph& graph_;
  QuantizeOptions options_;
  bool given_;  // already quantized: scales from the graph, not from calibration
  std::vector<Range> ranges_;
  std::vector<TensorId> tensor_of_;
  std::vector<std::vector<std::size_t>> consumers_;
  std::vector<bool> fused_;
  QuantizedModel model_;
};

}  // namespace

bool already_quantized(const Graph& graph) {
  for (const Node& node : graph.nodes)
    if (is_quantization_op(node.kind)) return true;
  for (ValueId in : graph.inputs)
    if (graph.value(in).dtype != DType::kFloat32) return true;
  return false;
}

QuantizedModel quantize(const Graph& graph, std::span<const Tensor> calibration,
                        const QuantizeOptions& options) {
  return Quantizer(graph, calibration, options).run();
}

std::vector<Tensor> split_samples(const Graph& graph, const Tensor& batch) {
  require(graph.inputs.size() == 1, "the graph must have exactly one input");
  const Value& in = graph.value(graph.inputs[0]);
  const std::size_t per_sample = static_cast<std::size_t>(element_count(in.shape));
  if (batch.shape.empty() || per_sample == 0 ||
      batch.data.size() != static_cast<std::size_t>(batch.shape[0]) * per_sample)
    fail("samples of shape " + shape_to_string(batch.shape) + " do not match the input '" +
         in.name + "' of shape " + shape_to_string(in.shape) + " (one sample per row)");
  std::vector<Tensor> samples(static_cast<std::size_t>(batch.shape[0]));
  for (std::size_t s = 0; s < samples.size(); ++s) {
    samples[s].dtype = DType::kFloat32;
    samples[s].shape = in.shape;
    samples[s].data.assign(batch.data.begin() + static_cast<std::ptrdiff_t>(s * per_sample),
                           batch.data.begin() + static_cast<std::ptrdiff_t>((s + 1) * per_sample));
  }
  return samples;
}

}  // namespace zkinfer::model
