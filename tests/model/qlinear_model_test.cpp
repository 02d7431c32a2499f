// SPDX-License-Identifier: Apache-2.0
// Already-quantized models (QuantizeLinear / QLinearMatMul / QLinearConv /
// DequantizeLinear, QDQ pairs around Relu / MaxPool / Flatten) converted by
// model::quantize with their own scales, against the float executor's run of
// the same ONNX graph, which implements the ONNX QLinear operators.
//
// Why at most one unit apart: both sides compute the same exact integer
// accumulator. ONNX multiplies it by m = s_x * s_w / s_y in floating point
// and rounds half to even; the converted model multiplies by a 16-bit
// fixed-point m' with |m' - m| <= 2^-16 m and rounds half up. An output that
// is not saturated has |acc * m| <= 255, so the two reals differ by less
// than 0.004, and two roundings of reals less than 1 apart differ by at
// most 1; saturation is monotone and keeps that bound.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "base/error.hpp"
#include "model/executor.hpp"
#include "model/int_executor.hpp"
#include "model/onnx_builder.hpp"
#include "model/quantize.hpp"

namespace zkinfer::model {
namespace {

using onnx::TensorProto;
using testing::attr;
using testing::Dims;
using testing::float_input;
using testing::int32_field_tensor;
using testing::ModelBuilder;
using testing::random_floats;
using testing::TestRng;

std::vector<std::int32_t> random_ints(std::size_t n, std::int32_t lo, std::int32_t hi,
                                      std::uint64_t seed) {
  TestRng rng(seed);
  std::vector<std::int32_t> out(n);
  for (auto& v : out) v = lo + static_cast<std::int32_t>(rng.below(std::uint64_t(hi - lo + 1)));
  return out;
}

Dims dims_of(std::size_t count) {
  return count == 1 ? Dims{} : Dims{static_cast<std::int64_t>(count)};
}

// Initializers "<name>_scale" and "<name>_zp" (scalars, or 1-D when several).
void quant_params(ModelBuilder& m, const std::string& name, const std::vector<float>& scales,
                  const std::vector<std::int32_t>& zero_points, TensorProto::DataType type) {
  m.initializer(name + "_scale", dims_of(scales.size()), scales);
  m.initializer(int32_field_tensor(name + "_zp", type, dims_of(zero_points.size()), zero_points));
}

std::vector<std::string> qlinear_inputs(const std::string& x, const std::string& xq,
                                        const std::string& w, const std::string& y) {
  return {x, xq + "_scale", xq + "_zp", w, w + "_scale", w + "_zp", y + "_scale", y + "_zp"};
}

// Float input "x" of `shape`, quantized to "xq" (scale, zero point, dtype).
void quantized_input(ModelBuilder& m, const Dims& shape, float scale, std::int32_t zero_point,
                     TensorProto::DataType type) {
  m.input("x", shape);
  quant_params(m, "xq", {scale}, {zero_point}, type);
  m.node("QuantizeLinear", {"x", "xq_scale", "xq_zp"}, {"xq"}, "quantize_x");
}

struct Agreement {
  std::size_t compared = 0;
  std::size_t off_by_one = 0;
};

// Runs both on `count` random inputs in [-amplitude, amplitude) and compares
// the output integers (a float output is the DequantizeLinear of integers:
// they are recovered exactly by dividing by the output scale).
Agreement compare_with_onnx(const Graph& g, const QuantizedModel& q, std::size_t count,
                            float amplitude, std::uint64_t seed) {
  const Value& in = g.value(g.inputs[0]);
  const ops::QuantParams& out_q = q.tensors[q.output].quant;
  Agreement a;
  for (std::size_t s = 0; s < count; ++s) {
    std::vector<float> data =
        random_floats(static_cast<std::size_t>(element_count(in.shape)), seed + s);
    for (float& v : data) v *= amplitude;
    const Tensor x = float_input(in.shape, std::move(data));
    const Tensor ref = execute(g, std::span(&x, 1)).at(0);
    const ops::IntTensor got = execute_quantized(q, quantize_input(q, x)).output(q);
    EXPECT_EQ(got.values.size(), ref.data.size());
    for (std::size_t i = 0; i < got.values.size(); ++i) {
      const double expected = is_integer(ref.dtype)
                                  ? ref.data[i]
                                  : std::nearbyint(ref.data[i] / out_q.scale) + out_q.zero_point;
      const double diff = std::abs(got.values[i] - expected);
      EXPECT_LE(diff, 1.0) << "element " << i << " of sample " << s;
      ++a.compared;
      if (diff != 0) ++a.off_by_one;
    }
  }
  return a;
}

void expect_close_to_onnx(const Graph& g, const std::string& what) {
  const QuantizedModel q = quantize(g, {});
  const Agreement a = compare_with_onnx(g, q, 20, 1.0f, 7);
  std::printf("%s: %zu of %zu outputs one unit from ONNX\n", what.c_str(), a.off_by_one,
              a.compared);
  // Rounding ties and fixed-point multipliers move few outputs.
  EXPECT_LE(a.off_by_one * 20, a.compared) << what;
}

// x [3, 6] -> QuantizeLinear -> QLinearMatMul (weights [6, 4]) -> output.
Graph qlinear_matmul_graph(TensorProto::DataType act, TensorProto::DataType weight, bool per_column,
                           bool dequantize_output) {
  const bool signed_act = act == TensorProto::INT8;
  const bool signed_w = weight == TensorProto::INT8;
  ModelBuilder m;
  quantized_input(m, {3, 6}, 1.0f / 100, signed_act ? 3 : 128, act);
  m.initializer(int32_field_tensor("w", weight, {6, 4},
                                   random_ints(24, signed_w ? -127 : 0, signed_w ? 127 : 255, 3)));
  if (per_column)
    quant_params(
        m, "w", {0.011f, 0.007f, 0.02f, 0.004f},
        signed_w ? std::vector<std::int32_t>{0, 1, -2, 0} : std::vector{120, 128, 131, 140},
        weight);
  else
    quant_params(m, "w", {0.009f}, {signed_w ? 0 : 127}, weight);
  quant_params(m, "y", {0.03f}, {signed_act ? -5 : 120}, act);
  m.node("QLinearMatMul", qlinear_inputs("xq", "xq", "w", "y"), {"yq"}, "matmul");
  if (dequantize_output) {
    m.node("DequantizeLinear", {"yq", "y_scale", "y_zp"}, {"y"}, "dequantize_y");
    m.output("y");
  } else {
    m.output("yq");
  }
  return m.import();
}

TEST(QLinear, MatMulInt8PerTensor) {
  expect_close_to_onnx(qlinear_matmul_graph(TensorProto::INT8, TensorProto::INT8, false, true),
                       "QLinearMatMul int8 per tensor");
}

TEST(QLinear, MatMulUint8PerColumnIntegerOutput) {
  const Graph g = qlinear_matmul_graph(TensorProto::UINT8, TensorProto::UINT8, true, false);
  expect_close_to_onnx(g, "QLinearMatMul uint8 per column");
  const QuantizedModel q = quantize(g, {});
  ASSERT_EQ(q.nodes.size(), 1u);
  const auto& gemm = std::get<QGemm>(q.nodes[0].op);
  EXPECT_EQ(gemm.weight_type, WeightType::kUInt8);
  EXPECT_EQ(gemm.quant.weight_zero_points, (std::vector<std::int32_t>{120, 128, 131, 140}));
  EXPECT_EQ(gemm.weights.shape, (ops::Shape{4, 6}));  // transposed to [N, K]
  EXPECT_EQ(q.tensors[q.output].quant.lo, 0);
  EXPECT_EQ(q.tensors[q.output].quant.zero_point, 120);
}

TEST(QLinear, MatMulMixedSignedness) {
  expect_close_to_onnx(qlinear_matmul_graph(TensorProto::UINT8, TensorProto::INT8, true, true),
                       "QLinearMatMul uint8 x int8 per column");
}

// x [1, 2, 6, 6] -> QuantizeLinear -> QLinearConv 3x3 pad 1 stride 1 (3 channels,
// int32 bias) -> DequantizeLinear.
Graph qlinear_conv_graph(TensorProto::DataType act, TensorProto::DataType weight,
                         bool per_channel) {
  const bool signed_act = act == TensorProto::INT8;
  const bool signed_w = weight == TensorProto::INT8;
  ModelBuilder m;
  quantized_input(m, {1, 2, 6, 6}, 1.0f / 120, signed_act ? 0 : 128, act);
  m.initializer(int32_field_tensor("w", weight, {3, 2, 3, 3},
                                   random_ints(54, signed_w ? -127 : 0, signed_w ? 127 : 255, 4)));
  if (per_channel)
    quant_params(m, "w", {0.01f, 0.004f, 0.02f},
                 signed_w ? std::vector<std::int32_t>{0, 0, 0} : std::vector{127, 100, 140},
                 weight);
  else
    quant_params(m, "w", {0.008f}, {signed_w ? 0 : 130}, weight);
  m.initializer(int32_field_tensor("bias", TensorProto::INT32, {3}, {1500, -2700, 400}));
  quant_params(m, "y", {0.05f}, {signed_act ? 2 : 110}, act);
  std::vector<std::string> inputs = qlinear_inputs("xq", "xq", "w", "y");
  inputs.push_back("bias");
  auto& conv = m.node("QLinearConv", inputs, {"yq"}, "conv");
  attr(conv, "kernel_shape", Dims{3, 3});
  attr(conv, "pads", Dims{1, 1, 1, 1});
  m.node("DequantizeLinear", {"yq", "y_scale", "y_zp"}, {"y"}, "dequantize_y");
  m.output("y");
  return m.import();
}

TEST(QLinear, ConvInt8PerChannelWithBias) {
  expect_close_to_onnx(qlinear_conv_graph(TensorProto::INT8, TensorProto::INT8, true),
                       "QLinearConv int8 per channel");
}

TEST(QLinear, ConvUint8PerTensorWithBias) {
  expect_close_to_onnx(qlinear_conv_graph(TensorProto::UINT8, TensorProto::UINT8, false),
                       "QLinearConv uint8 per tensor");
}

TEST(QLinear, ConvUint8PerChannelWeightZeroPoints) {
  expect_close_to_onnx(qlinear_conv_graph(TensorProto::UINT8, TensorProto::UINT8, true),
                       "QLinearConv uint8 per channel");
}

// x -> Q -> QLinearConv -> DQ -> Relu -> Q (same scale) -> DQ -> MaxPool ->
// Q (another scale) -> DQ -> Flatten -> Q -> QLinearMatMul -> DQ -> y: the
// QDQ format around float operators.
Graph qdq_chain_graph() {
  ModelBuilder m;
  quantized_input(m, {1, 2, 6, 6}, 1.0f / 120, 128, TensorProto::UINT8);
  m.initializer(
      int32_field_tensor("w", TensorProto::INT8, {3, 2, 3, 3}, random_ints(54, -127, 127, 5)));
  quant_params(m, "w", {0.01f, 0.004f, 0.02f}, {0, 0, 0}, TensorProto::INT8);
  quant_params(m, "c", {0.04f}, {128}, TensorProto::UINT8);
  auto& conv = m.node("QLinearConv", qlinear_inputs("xq", "xq", "w", "c"), {"cq"}, "conv");
  attr(conv, "kernel_shape", Dims{3, 3});
  attr(conv, "pads", Dims{1, 1, 1, 1});
  m.node("DequantizeLinear", {"cq", "c_scale", "c_zp"}, {"c"}, "dq_conv");
  m.node("Relu", {"c"}, {"r"}, "relu");
  m.node("QuantizeLinear", {"r", "c_scale", "c_zp"}, {"rq"}, "q_relu");
  m.node("DequantizeLinear", {"rq", "c_scale", "c_zp"}, {"rd"}, "dq_relu");
  auto& pool = m.node("MaxPool", {"rd"}, {"p"}, "pool");
  attr(pool, "kernel_shape", Dims{2, 2});
  attr(pool, "strides", Dims{2, 2});
  quant_params(m, "p", {0.03f}, {0}, TensorProto::UINT8);
  m.node("QuantizeLinear", {"p", "p_scale", "p_zp"}, {"pq"}, "q_pool");
  m.node("DequantizeLinear", {"pq", "p_scale", "p_zp"}, {"pd"}, "dq_pool");
  m.node("Flatten", {"pd"}, {"f"}, "flatten");
  m.node("QuantizeLinear", {"f", "p_scale", "p_zp"}, {"fq"}, "q_flatten");
  m.initializer(
      int32_field_tensor("m", TensorProto::INT8, {27, 4}, random_ints(108, -127, 127, 6)));
  quant_params(m, "m", {0.006f}, {0}, TensorProto::INT8);
  quant_params(m, "y", {0.05f}, {-3}, TensorProto::INT8);
  m.node("QLinearMatMul", qlinear_inputs("fq", "p", "m", "y"), {"yq"}, "matmul");
  m.node("DequantizeLinear", {"yq", "y_scale", "y_zp"}, {"y"}, "dq_y");
  m.output("y");
  return m.import();
}

TEST(QLinear, QdqChainKeepsTheModelScales) {
  const Graph g = qdq_chain_graph();
  expect_close_to_onnx(g, "QDQ chain");
  const QuantizedModel q = quantize(g, {});
  std::vector<std::string> ops;
  for (const QNode& n : q.nodes) ops.push_back(op_name(n.op));
  // DequantizeLinear -> Relu -> QuantizeLinear with the conv's parameters is
  // fused into its clamp; the pool's QuantizeLinear changes the scale.
  EXPECT_EQ(ops, (std::vector<std::string>{"Conv", "MaxPool", "Requantize", "Reshape", "Gemm"}));
  EXPECT_EQ(std::get<QConv>(q.nodes[0].op).params.quant.rescale.output.lo, 128);
  EXPECT_EQ(q.tensors[q.input].quant.scale, double(1.0f / 120));
  EXPECT_EQ(q.tensors[q.input].quant.zero_point, 128);
  EXPECT_EQ(q.tensors[q.output].quant.scale, double(0.05f));
  EXPECT_EQ(q.tensors[q.output].quant.zero_point, -3);
  // Converted models serialize and parse back like calibrated ones.
  EXPECT_EQ(serialize(parse_quantized_model(serialize(q))), serialize(q));
}

// A Relu whose QuantizeLinear changes the scale cannot be fused: it stays a
// Requantize with the ReLU clamp, followed by the change of scale.
TEST(QLinear, UnfusedReluBeforeAChangeOfScale) {
  ModelBuilder m;
  quantized_input(m, {1, 2, 4, 4}, 1.0f / 120, 0, TensorProto::INT8);
  m.initializer(int32_field_tensor("w", TensorProto::INT8, {2, 2, 1, 1}, {90, -60, 30, 127}));
  quant_params(m, "w", {0.02f, 0.01f}, {0, 0}, TensorProto::INT8);
  quant_params(m, "c", {0.02f}, {5}, TensorProto::INT8);
  auto& conv = m.node("QLinearConv", qlinear_inputs("xq", "xq", "w", "c"), {"cq"}, "conv");
  attr(conv, "kernel_shape", Dims{1, 1});
  m.node("DequantizeLinear", {"cq", "c_scale", "c_zp"}, {"c"}, "dq_conv");
  m.node("Relu", {"c"}, {"r"}, "relu");
  quant_params(m, "y", {0.013f}, {0}, TensorProto::UINT8);
  m.node("QuantizeLinear", {"r", "y_scale", "y_zp"}, {"yq"}, "q_relu");
  m.node("DequantizeLinear", {"yq", "y_scale", "y_zp"}, {"y"}, "dq_y");
  m.output("y");
  const Graph g = m.import();
  expect_close_to_onnx(g, "QLinearConv -> Relu -> QuantizeLinear (other scale)");
  const QuantizedModel q = quantize(g, {});
  ASSERT_EQ(q.nodes.size(), 3u);
  EXPECT_EQ(q.nodes[1].name, "relu");
  EXPECT_EQ(std::get<QRequantize>(q.nodes[1].op).rescale.output.lo, 5);
  EXPECT_EQ(q.nodes[2].name, "yq");
}

// The QOperator format: integer tensors flow from one QLinear operator to
// the next, reshaped in between without a DequantizeLinear.
TEST(QLinear, IntegerFlattenBetweenQLinearOperators) {
  ModelBuilder m;
  quantized_input(m, {1, 2, 3, 3}, 1.0f / 120, 0, TensorProto::INT8);
  m.initializer(int32_field_tensor("w", TensorProto::INT8, {2, 2, 1, 1}, {40, -90, 127, 3}));
  quant_params(m, "w", {0.02f}, {0}, TensorProto::INT8);
  quant_params(m, "c", {0.02f}, {-10}, TensorProto::INT8);
  auto& conv = m.node("QLinearConv", qlinear_inputs("xq", "xq", "w", "c"), {"cq"}, "conv");
  attr(conv, "kernel_shape", Dims{1, 1});
  m.node("Flatten", {"cq"}, {"f"}, "flatten");
  m.initializer(int32_field_tensor("m", TensorProto::INT8, {18, 3}, random_ints(54, -127, 127, 8)));
  quant_params(m, "m", {0.01f, 0.03f, 0.02f}, {0, 0, 0}, TensorProto::INT8);
  quant_params(m, "y", {0.04f}, {0}, TensorProto::INT8);
  m.node("QLinearMatMul", qlinear_inputs("f", "c", "m", "y"), {"y"}, "matmul");
  m.output("y");
  expect_close_to_onnx(m.import(), "QLinearConv -> Flatten -> QLinearMatMul");
}

// The requantization rounding differs from ONNX Runtime's only on ties and
// through the 16-bit multiplier: measured over many inputs.
TEST(QLinear, MeasuredDifferenceFromOnnxRounding) {
  const Graph g = qdq_chain_graph();
  const QuantizedModel q = quantize(g, {});
  const Agreement a = compare_with_onnx(g, q, 200, 1.0f, 1000);
  std::printf("QDQ chain, 200 inputs: %zu of %zu outputs (%.3f%%) one unit from ONNX\n",
              a.off_by_one, a.compared, 100.0 * double(a.off_by_one) / double(a.compared));
  EXPECT_LE(a.off_by_one * 100, a.compared);
}

TEST(QLinear, InputQuantizationIsQuantizeLinear) {
  // Exact halves round to even; beyond the range saturates.
  ModelBuilder m;
  quantized_input(m, {1, 8}, 0.5f, 10, TensorProto::INT8);
  m.output("xq");
  const Graph g = m.import();
  const QuantizedModel q = quantize(g, {});
  const Tensor x =
      float_input({1, 8}, {0.25f, 0.75f, -0.25f, -0.75f, 1.25f, 100.0f, -100.0f, 0.3f});
  const ops::IntTensor got = execute_quantized(q, quantize_input(q, x)).output(q);
  const Tensor ref = execute(g, std::span(&x, 1)).at(0);
  EXPECT_EQ(got.values, (std::vector<std::int32_t>{10, 12, 10, 8, 12, 127, -128, 11}));
  EXPECT_EQ(std::vector<float>(got.values.begin(), got.values.end()), ref.data);
}

TEST(QLinear, Uint8WeightsRoundTripAndParseStrictly) {
  const QuantizedModel q =
      quantize(qlinear_conv_graph(TensorProto::UINT8, TensorProto::UINT8, true), {});
  const Bytes bytes = serialize(q);
  const QuantizedModel back = parse_quantized_model(bytes);
  EXPECT_EQ(std::get<QConv>(back.nodes[0].op).weights.values,
            std::get<QConv>(q.nodes[0].op).weights.values);
  EXPECT_EQ(std::get<QConv>(back.nodes[0].op).weight_type, WeightType::kUInt8);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(parse_quantized_model(ByteSpan(bytes.data(), n)), Error) << "length " << n;

  QuantizedModel bad = q;
  std::get<QConv>(bad.nodes[0].op).weight_type = WeightType::kInt8;  // values up to 255
  EXPECT_THROW(serialize(bad), Error);
  bad = q;
  std::get<QConv>(bad.nodes[0].op).params.quant.weight_zero_points[0] = 256;
  EXPECT_THROW(serialize(bad), Error);
  // An unknown weight type byte: the one after the weight shape (rank 4) of the only node.
  const Bytes architecture = serialize_architecture(q);
  const Bytes shape_tail = {4, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0};  // rank 4, M = 3
  const auto at =
      std::search(architecture.begin(), architecture.end(), shape_tail.begin(), shape_tail.end());
  ASSERT_NE(at, architecture.end());
  // 8 (header) + 8 (architecture length) + offset of the shape + rank + 4 dims.
  const std::size_t type_byte = 16 + std::size_t(at - architecture.begin()) + 4 + 4 * 8;
  ASSERT_EQ(bytes[type_byte], 1);
  Bytes corrupted = bytes;
  corrupted[type_byte] = 2;
  EXPECT_THROW(parse_quantized_model(corrupted), Error);
}

// ---- unsupported constructs: an Error naming the node and the problem ----

std::string convert_error(const Graph& g) {
  try {
    quantize(g, {});
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

void expect_error(const Graph& g, const std::string& node, const std::string& problem) {
  const std::string error = convert_error(g);
  EXPECT_NE(error.find("'" + node + "'"), std::string::npos) << error;
  EXPECT_NE(error.find(problem), std::string::npos) << error;
}

TEST(QLinear, RejectsPerAxisActivationQuantization) {
  ModelBuilder m;
  m.input("x", {1, 2, 2, 2});
  quant_params(m, "xq", {0.1f, 0.2f}, {0, 0}, TensorProto::INT8);
  attr(m.node("QuantizeLinear", {"x", "xq_scale", "xq_zp"}, {"xq"}, "quantize_x"), "axis",
       std::int64_t{1});
  m.output("xq");
  expect_error(m.import(), "quantize_x", "per-axis quantization of an activation");
}

TEST(QLinear, RejectsQdqWeightsOfFloatOperators) {
  ModelBuilder m;
  quantized_input(m, {2, 3}, 0.1f, 0, TensorProto::INT8);
  m.node("DequantizeLinear", {"xq", "xq_scale", "xq_zp"}, {"xd"}, "dq_x");
  m.initializer(int32_field_tensor("w", TensorProto::INT8, {3, 2}, {1, 2, 3, 4, 5, 6}));
  m.node("DequantizeLinear", {"w", "xq_scale", "xq_zp"}, {"wd"}, "dq_w");
  m.node("MatMul", {"xd", "wd"}, {"y"}, "matmul");
  m.output("y");
  expect_error(m.import(), "dq_w", "QDQ-format weights of a float operator are not supported");
}

TEST(QLinear, RejectsFloatOperatorsWithoutAScale) {
  ModelBuilder m;
  quantized_input(m, {2, 3}, 0.1f, 0, TensorProto::INT8);
  m.node("DequantizeLinear", {"xq", "xq_scale", "xq_zp"}, {"xd"}, "dq_x");
  m.node("Sigmoid", {"xd"}, {"s"}, "sigmoid");
  m.node("QuantizeLinear", {"s", "xq_scale", "xq_zp"}, {"y"}, "q_s");
  m.output("y");
  expect_error(m.import(), "sigmoid", "Relu, MaxPool, Reshape / Flatten and Transpose");
}

TEST(QLinear, RejectsAChangeOfScaleWithoutQuantizeLinear) {
  ModelBuilder m;
  quantized_input(m, {2, 3}, 0.1f, 0, TensorProto::INT8);
  quant_params(m, "other", {0.2f}, {0}, TensorProto::INT8);
  m.node("DequantizeLinear", {"xq", "other_scale", "other_zp"}, {"y"}, "dq_other");
  m.output("y");
  expect_error(m.import(), "dq_other", "a change of scale needs a QuantizeLinear");
}

TEST(QLinear, RejectsAFloatInputNotReadByOneQuantizeLinear) {
  ModelBuilder m;
  quantized_input(m, {3, 3}, 0.1f, 0, TensorProto::INT8);
  m.node("Relu", {"x"}, {"r"}, "relu");
  m.node("QuantizeLinear", {"r", "xq_scale", "xq_zp"}, {"rq"}, "q_relu");
  m.node("QLinearMatMul",
         {"xq", "xq_scale", "xq_zp", "rq", "xq_scale", "xq_zp", "xq_scale", "xq_zp"}, {"y"},
         "matmul");
  m.output("y");
  const std::string error = convert_error(m.import());
  EXPECT_NE(error.find("must be read by exactly one QuantizeLinear"), std::string::npos) << error;
}

TEST(QLinear, RejectsBatchedQLinearMatMul) {
  ModelBuilder m;
  quantized_input(m, {2, 3, 4}, 0.1f, 0, TensorProto::INT8);
  m.initializer(int32_field_tensor("w", TensorProto::INT8, {4, 2}, random_ints(8, -9, 9, 1)));
  quant_params(m, "w", {0.1f}, {0}, TensorProto::INT8);
  quant_params(m, "y", {0.1f}, {0}, TensorProto::INT8);
  m.node("QLinearMatMul", qlinear_inputs("xq", "xq", "w", "y"), {"y"}, "matmul");
  m.output("y");
  expect_error(m.import(), "matmul", "only a 2-D input times a 2-D constant");
}

TEST(QLinear, RejectsOneDimensionalQLinearConv) {
  ModelBuilder m;
  quantized_input(m, {1, 1, 5}, 0.1f, 0, TensorProto::INT8);
  m.initializer(int32_field_tensor("w", TensorProto::INT8, {1, 1, 2}, {3, -4}));
  quant_params(m, "w", {0.1f}, {0}, TensorProto::INT8);
  quant_params(m, "y", {0.1f}, {0}, TensorProto::INT8);
  attr(m.node("QLinearConv", qlinear_inputs("xq", "xq", "w", "y"), {"y"}, "conv1d"), "kernel_shape",
       Dims{2});
  m.output("y");
  expect_error(m.import(), "conv1d", "only 2-D convolutions are supported");
}

TEST(QLinear, RejectsActivationWeights) {
  // B of a QLinearMatMul computed from the input: not a constant weight.
  ModelBuilder m;
  quantized_input(m, {3, 3}, 0.1f, 0, TensorProto::INT8);
  m.node("QLinearMatMul",
         {"xq", "xq_scale", "xq_zp", "xq", "xq_scale", "xq_zp", "xq_scale", "xq_zp"}, {"y"},
         "square");
  m.output("y");
  expect_error(m.import(), "square", "must be a constant");
}

}  // namespace
}  // namespace zkinfer::model
