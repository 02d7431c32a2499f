// SPDX-License-Identifier: Apache-2.0
// The quantizer on small random models (one per supported operator, and one
// chaining them all) and the serialized form of the QuantizedModel.
#include <gtest/gtest.h>

#include <algorithm>
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

using testing::attr;
using testing::Dims;
using testing::float_input;
using testing::ModelBuilder;
using testing::random_floats;

std::vector<Tensor> random_inputs(const Graph& g, std::size_t count, std::uint64_t seed) {
  const Value& in = g.value(g.inputs[0]);
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < count; ++i)
    out.push_back(float_input(
        in.shape, random_floats(static_cast<std::size_t>(element_count(in.shape)), seed + i)));
  return out;
}

// Largest |dequantized - float| over all outputs, relative to the largest
// |float output|.
double relative_error(const Graph& g, const QuantizedModel& q, const std::vector<Tensor>& inputs) {
  double max_error = 0, max_ref = 0;
  for (const Tensor& x : inputs) {
    const std::vector<Tensor> ref = execute(g, std::span(&x, 1));
    const Tensor got = dequantize_output(q, execute_quantized(q, quantize_input(q, x)).output(q));
    for (std::size_t i = 0; i < got.data.size(); ++i) {
      max_error = std::max(max_error, std::abs(double(got.data[i]) - ref[0].data[i]));
      max_ref = std::max(max_ref, std::abs(double(ref[0].data[i])));
    }
  }
  return max_error / max_ref;
}

// x [1, 2, 6, 6] -> Relu -> Conv 3x3 pad 1 (3 channels) -> Relu -> MaxPool 2x2
// -> Flatten -> MatMul [27, 4] -> Add bias -> Gemm (transB 0, alpha, beta) + Relu.
Graph chain_graph() {
  ModelBuilder m;
  m.input("x", {1, 2, 6, 6});
  m.initializer("w", {3, 2, 3, 3}, random_floats(54, 1));
  m.initializer("b", {3}, random_floats(3, 2));
  m.initializer("m", {27, 4}, random_floats(108, 3));
  m.initializer("mb", {4}, random_floats(4, 4));
  m.initializer("g", {4, 5}, random_floats(20, 5));
  m.initializer("gb", {5}, random_floats(5, 6));
  m.node("Relu", {"x"}, {"r0"}, "relu0");
  auto& conv = m.node("Conv", {"r0", "w", "b"}, {"c"}, "conv");
  attr(conv, "kernel_shape", Dims{3, 3});
  attr(conv, "pads", Dims{1, 1, 1, 1});
  m.node("Relu", {"c"}, {"r1"}, "relu1");
  auto& pool = m.node("MaxPool", {"r1"}, {"p"}, "pool");
  attr(pool, "kernel_shape", Dims{2, 2});
  attr(pool, "strides", Dims{2, 2});
  m.node("Flatten", {"p"}, {"f"}, "flatten");
  m.node("MatMul", {"f", "m"}, {"mm"}, "matmul");
  m.node("Add", {"mm", "mb"}, {"a"}, "add");
  auto& gemm = m.node("Gemm", {"a", "g", "gb"}, {"gg"}, "gemm");
  attr(gemm, "alpha", 0.5f);
  attr(gemm, "beta", 2.0f);
  m.node("Relu", {"gg"}, {"y"}, "relu2");
  m.output("y");
  return m.import();
}

TEST(Quantize, ChainFusesAndStaysClose) {
  const Graph g = chain_graph();
  const std::vector<Tensor> inputs = random_inputs(g, 32, 100);
  const QuantizedModel q = quantize(g, inputs);
  std::vector<std::string> ops;
  for (const QNode& n : q.nodes) ops.push_back(op_name(n.op));
  EXPECT_EQ(ops,
            (std::vector<std::string>{"Requantize", "Conv", "MaxPool", "Reshape", "Gemm", "Gemm"}));
  const double error = relative_error(g, q, inputs);
  std::printf("chain: max error %.4f of the output range\n", error);
  EXPECT_LT(error, 0.03);
}

// One graph per supported operator (random weights, inputs in [-1, 1)),
// quantized with its own inputs as calibration: the dequantized output is
// within 1.5% of the largest float output (measured: 0.14-0.95%, one or two
// 8-bit steps of the output range).
struct OpCase {
  const char* name;
  Graph (*build)();
};

Graph gemm_graph() {
  ModelBuilder m;
  m.input("x", {1, 16});
  m.initializer("w", {8, 16}, random_floats(128, 11));
  m.initializer("b", {8}, random_floats(8, 12));
  auto& n = m.node("Gemm", {"x", "w", "b"}, {"y"});
  attr(n, "transB", std::int64_t{1});
  m.output("y");
  return m.import();
}
Graph matmul_graph() {
  ModelBuilder m;
  m.input("x", {1, 16});
  m.initializer("w", {16, 8}, random_floats(128, 13));
  m.node("MatMul", {"x", "w"}, {"y"});
  m.output("y");
  return m.import();
}
Graph conv_graph() {
  ModelBuilder m;
  m.input("x", {1, 4, 7, 7});
  m.initializer("w", {4, 2, 3, 3}, random_floats(72, 14));
  auto& n = m.node("Conv", {"x", "w"}, {"y"});
  attr(n, "kernel_shape", Dims{3, 3});
  attr(n, "strides", Dims{2, 2});
  attr(n, "group", std::int64_t{2});
  m.output("y");
  return m.import();
}
Graph relu_graph() {
  ModelBuilder m;
  m.input("x", {2, 8});
  m.node("Relu", {"x"}, {"y"});
  m.output("y");
  return m.import();
}
Graph max_pool_graph() {
  ModelBuilder m;
  m.input("x", {1, 2, 5, 5});
  auto& n = m.node("MaxPool", {"x"}, {"y"});
  attr(n, "kernel_shape", Dims{3, 3});
  attr(n, "pads", Dims{1, 1, 1, 1});
  m.output("y");
  return m.import();
}
Graph reshape_graph() {
  ModelBuilder m;
  m.input("x", {1, 2, 3, 4});
  m.node("Flatten", {"x"}, {"y"});
  m.output("y");
  return m.import();
}

template <const char* Op>
Graph elementwise_graph() {
  ModelBuilder m;
  m.input("x", {1, 2, 3, 4});
  m.initializer("w", {2, 2, 1, 1}, random_floats(4, 15));
  auto& conv = m.node("Conv", {"x", "w"}, {"c"});
  attr(conv, "kernel_shape", Dims{1, 1});
  m.node(Op, {"x", "c"}, {"y"});
  m.output("y");
  return m.import();
}
template <const char* Op>
Graph unary_graph() {
  ModelBuilder m;
  m.input("x", {1, 2, 4, 4});
  auto& n = m.node(Op, {"x"}, {"y"});
  if (std::string(Op) == "AveragePool") {
    attr(n, "kernel_shape", Dims{3, 3});
    attr(n, "pads", Dims{1, 1, 1, 1});
  }
  if (std::string(Op) == "LeakyRelu") attr(n, "alpha", 0.1f);
  if (std::string(Op) == "Softmax") attr(n, "axis", std::int64_t{-1});
  if (std::string(Op) == "Transpose") attr(n, "perm", Dims{0, 2, 3, 1});
  m.output("y");
  return m.import();
}
Graph clip_graph() {
  ModelBuilder m;
  m.input("x", {2, 8});
  m.initializer(testing::float_tensor("lo", {}, {-0.5f}));
  m.initializer(testing::float_tensor("hi", {}, {0.25f}));
  m.node("Clip", {"x", "lo", "hi"}, {"y"});
  m.output("y");
  return m.import();
}
Graph concat_graph() {
  ModelBuilder m;
  m.input("x", {1, 2, 3, 3});
  m.initializer("w", {3, 2, 1, 1}, random_floats(6, 16));
  auto& conv = m.node("Conv", {"x", "w"}, {"c"});
  attr(conv, "kernel_shape", Dims{1, 1});
  auto& n = m.node("Concat", {"x", "c"}, {"y"});
  attr(n, "axis", std::int64_t{1});
  m.output("y");
  return m.import();
}
constexpr char kAdd[] = "Add", kSub[] = "Sub", kMul[] = "Mul", kSigmoid[] = "Sigmoid",
               kTanh[] = "Tanh", kLeakyRelu[] = "LeakyRelu", kAveragePool[] = "AveragePool",
               kGlobalAveragePool[] = "GlobalAveragePool", kSoftmax[] = "Softmax",
               kTranspose[] = "Transpose";

class QuantizeOp : public ::testing::TestWithParam<OpCase> {};

TEST_P(QuantizeOp, DequantizedOutputCloseToFloat) {
  const Graph g = GetParam().build();
  const std::vector<Tensor> inputs = random_inputs(g, 16, 7);
  for (const bool per_channel : {true, false}) {
    QuantizeOptions options;
    options.per_channel = per_channel;
    const QuantizedModel q = quantize(g, inputs, options);
    const double error = relative_error(g, q, inputs);
    std::printf("%s (%s): max error %.5f of the output range\n", GetParam().name,
                per_channel ? "per-channel" : "per-tensor", error);
    EXPECT_LT(error, 0.015);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Ops, QuantizeOp,
    ::testing::Values(OpCase{"Gemm", gemm_graph}, OpCase{"MatMul", matmul_graph},
                      OpCase{"Conv", conv_graph}, OpCase{"Relu", relu_graph},
                      OpCase{"MaxPool", max_pool_graph}, OpCase{"Reshape", reshape_graph},
                      OpCase{"Add", elementwise_graph<kAdd>},
                      OpCase{"Sub", elementwise_graph<kSub>},
                      OpCase{"Mul", elementwise_graph<kMul>},
                      OpCase{"Sigmoid", unary_graph<kSigmoid>}, OpCase{"Tanh", unary_graph<kTanh>},
                      OpCase{"LeakyRelu", unary_graph<kLeakyRelu>}, OpCase{"Clip", clip_graph},
                      OpCase{"AveragePool", unary_graph<kAveragePool>},
                      OpCase{"GlobalAveragePool", unary_graph<kGlobalAveragePool>},
                      OpCase{"Softmax", unary_graph<kSoftmax>}, OpCase{"Concat", concat_graph},
                      OpCase{"Transpose", unary_graph<kTranspose>}),
    [](const auto& op) { return std::string(op.param.name); });

TEST(Quantize, RejectsUnsupportedOperatorNamingTheNode) {
  ModelBuilder m;
  m.input("x", {1, 2, 2, 2});
  for (const char* name : {"scale", "bias", "mean", "var"}) m.initializer(name, {2}, {1, 1});
  // Not after a Conv / Gemm, so the importer cannot fold it.
  m.node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"}, "bn");
  m.output("y");
  const Graph g = m.import();
  try {
    quantize(g, random_inputs(g, 2, 1));
    FAIL() << "quantized";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("BatchNormalization (node 'bn')"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(quantize(g, {}), Error);
}

TEST(Quantize, IntegerInputsInByteRangeGetScaleOne) {
  const Graph g = gemm_graph();
  std::vector<Tensor> inputs = random_inputs(g, 4, 3);
  for (Tensor& t : inputs)
    for (float& v : t.data) v = std::floor((v + 1) * 127.5f);
  const QuantizedModel q = quantize(g, inputs);
  EXPECT_EQ(q.tensors[q.input].quant.scale, 1.0);
  EXPECT_EQ(q.tensors[q.input].quant.lo, 0);
  EXPECT_EQ(q.tensors[q.input].quant.hi, 255);
}

// ---- serialization -------------------------------------------------------

QuantizedModel chain_model() {
  const Graph g = chain_graph();
  return quantize(g, random_inputs(g, 8, 100));
}

TEST(QuantizedModelFormat, RoundTripsByteExactly) {
  const QuantizedModel q = chain_model();
  const Bytes bytes = serialize(q);
  const QuantizedModel back = parse_quantized_model(bytes);
  EXPECT_EQ(serialize(back), bytes);
  EXPECT_EQ(architecture_digest(back), architecture_digest(q));
  const std::vector<Tensor> inputs = random_inputs(chain_graph(), 1, 5);
  EXPECT_EQ(execute_quantized(back, quantize_input(back, inputs[0])).output(back).values,
            execute_quantized(q, quantize_input(q, inputs[0])).output(q).values);
}

// Every operator kind once, to cover each serialized form.
QuantizedModel every_op_model() {
  ModelBuilder m;
  m.input("x", {1, 2, 4, 4});
  m.initializer("w", {2, 2, 1, 1}, random_floats(4, 21));
  auto& conv = m.node("Conv", {"x", "w"}, {"c"});
  attr(conv, "kernel_shape", Dims{1, 1});
  m.node("Add", {"x", "c"}, {"a"});
  m.node("Mul", {"a", "c"}, {"mu"});
  m.node("Sigmoid", {"mu"}, {"s"});
  auto& pool = m.node("AveragePool", {"s"}, {"p"});
  attr(pool, "kernel_shape", Dims{2, 2});
  auto& cat = m.node("Concat", {"p", "p"}, {"cc"});
  attr(cat, "axis", std::int64_t{1});
  m.node("GlobalAveragePool", {"cc"}, {"g"});
  auto& tr = m.node("Transpose", {"g"}, {"t"});
  attr(tr, "perm", Dims{0, 2, 3, 1});
  m.node("Flatten", {"t"}, {"f"});
  m.node("Softmax", {"f"}, {"y"});
  m.output("y");
  const Graph g = m.import();
  return quantize(g, random_inputs(g, 8, 200));
}

TEST(QuantizedModelFormat, EveryOperatorRoundTrips) {
  const QuantizedModel q = every_op_model();
  const Bytes bytes = serialize(q);
  EXPECT_EQ(serialize(parse_quantized_model(bytes)), bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(parse_quantized_model(ByteSpan(bytes.data(), n)), Error) << "length " << n;
}

TEST(QuantizedModelFormat, RejectsEveryTruncation) {
  const Bytes bytes = serialize(chain_model());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(parse_quantized_model(ByteSpan(bytes.data(), n)), Error) << "length " << n;
  Bytes longer = bytes;
  longer.push_back(0);
  EXPECT_THROW(parse_quantized_model(longer), Error);
}

TEST(QuantizedModelFormat, RejectsCorruptedHeaders) {
  const Bytes bytes = serialize(chain_model());
  // Magic, version and the architecture length: every single-bit flip fails.
  for (std::size_t i = 0; i < 16; ++i)
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = bytes;
      bad[i] ^= static_cast<std::uint8_t>(1 << bit);
      EXPECT_THROW(parse_quantized_model(bad), Error) << "byte " << i << " bit " << bit;
    }
}

TEST(QuantizedModelFormat, RejectsInvalidFields) {
  QuantizedModel q = chain_model();
  auto& gemm = std::get<QGemm>(q.nodes.back().op);
  gemm.quant.rescale.requants[0].multiplier = 0;
  EXPECT_THROW(serialize(q), Error);
  q = chain_model();
  std::get<QGemm>(q.nodes.back().op).weights.values[0] = 300;
  EXPECT_THROW(serialize(q), Error);
  q = chain_model();
  q.nodes[1].inputs[0] = q.nodes[1].output;  // reads its own output
  EXPECT_THROW(serialize(q), Error);
}

TEST(QuantizedModelFormat, Uint8WeightsWithZeroPointRoundTrip) {
  // The last Gemm's int8 weights w as uint8 w + 128 with zero point 128: the
  // same integers after centring, so the same outputs.
  const QuantizedModel q = chain_model();
  QuantizedModel shifted = q;
  auto& gemm = std::get<QGemm>(shifted.nodes.back().op);
  gemm.weight_type = WeightType::kUInt8;
  for (std::int32_t& w : gemm.weights.values) w += 128;
  gemm.quant.weight_zero_points = {128};
  const QuantizedModel back = parse_quantized_model(serialize(shifted));
  EXPECT_EQ(std::get<QGemm>(back.nodes.back().op).weight_type, WeightType::kUInt8);
  EXPECT_EQ(std::get<QGemm>(back.nodes.back().op).weights.values, gemm.weights.values);
  EXPECT_NE(architecture_digest(back), architecture_digest(q));
  const Tensor x = random_inputs(chain_graph(), 1, 9)[0];
  EXPECT_EQ(execute_quantized(back, quantize_input(back, x)).output(back).values,
            execute_quantized(q, quantize_input(q, x)).output(q).values);
  // Weights and zero points are checked against the weight type's range.
  gemm.weights.values[0] = -1;
  EXPECT_THROW(serialize(shifted), Error);
  gemm.weights.values[0] = 0;
  gemm.quant.weight_zero_points = {256};
  EXPECT_THROW(serialize(shifted), Error);
}

TEST(QuantizedModelFormat, DigestCoversArchitectureNotWeights) {
  const QuantizedModel q = chain_model();
  QuantizedModel other_weights = q;
  std::get<QGemm>(other_weights.nodes.back().op).weights.values[0] ^= 1;
  EXPECT_EQ(architecture_digest(other_weights), architecture_digest(q));
  EXPECT_NE(serialize_weights(other_weights), serialize_weights(q));
  QuantizedModel other_shift = q;
  std::get<QGemm>(other_shift.nodes.back().op).quant.rescale.requants[0].shift += 1;
  EXPECT_NE(architecture_digest(other_shift), architecture_digest(q));
  const std::string json = describe_json(q);
  EXPECT_NE(json.find(hash::to_hex(architecture_digest(q))), std::string::npos);
  EXPECT_NE(json.find("\"op\": \"Conv\""), std::string::npos);
}

}  // namespace
}  // namespace zkinfer::model
