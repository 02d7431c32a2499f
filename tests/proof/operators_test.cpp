// SPDX-License-Identifier: Apache-2.0
// A small random model through every operator the prover covers beyond the
// example models (standalone Requantize, AveragePool, GlobalAveragePool,
// Add, Sub, Mul, tables (LeakyRelu, Sigmoid), Softmax, Concat, Transpose, besides Conv, MaxPool,
// Reshape and Gemm): the proof verifies with the output equal bit for bit to the integer reference
// executor, and a corrupted output of each of these operators is rejected.
#include <gtest/gtest.h>

#include <set>

#include "model/int_executor.hpp"
#include "model/onnx_builder.hpp"
#include "model/quantize.hpp"
#include "proof/inference.hpp"

namespace zkinfer::proof {
namespace {

using field::Goldilocks;
using zkinfer::testing::attr;
using zkinfer::testing::Dims;
using zkinfer::testing::float_input;
using zkinfer::testing::ModelBuilder;
using zkinfer::testing::random_floats;

// x -> Relu -> Conv 3x3 pad 1 + Relu -> {AveragePool 3x3 stride 2 over one
// pixel of padding the divisor excludes (corners average 4 pixels, edges 6,
// the centre 9), MaxPool} -> Add, Sub,
// Mul -> LeakyRelu -> Concat -> Transpose -> GlobalAveragePool -> Flatten ->
// Gemm -> Sigmoid -> Softmax.
model::Graph every_operator_graph() {
  ModelBuilder m;
  m.input("x", {1, 2, 6, 6});
  m.initializer("w", {4, 2, 3, 3}, random_floats(72, 1));
  m.initializer("b", {4}, random_floats(4, 2));
  m.initializer("g", {3, 8}, random_floats(24, 3));
  m.initializer("gb", {3}, random_floats(3, 4));
  m.node("Relu", {"x"}, {"r"}, "relu_input");
  auto& conv = m.node("Conv", {"r", "w", "b"}, {"c"}, "conv");
  attr(conv, "kernel_shape", Dims{3, 3});
  attr(conv, "pads", Dims{1, 1, 1, 1});
  m.node("Relu", {"c"}, {"cr"}, "relu_conv");
  auto& average = m.node("AveragePool", {"cr"}, {"ap"}, "average");
  attr(average, "kernel_shape", Dims{3, 3});
  attr(average, "strides", Dims{2, 2});
  attr(average, "pads", Dims{1, 1, 1, 1});
  attr(average, "count_include_pad", std::int64_t{0});
  auto& max = m.node("MaxPool", {"cr"}, {"mp"}, "max");
  attr(max, "kernel_shape", Dims{2, 2});
  attr(max, "strides", Dims{2, 2});
  m.node("Add", {"ap", "mp"}, {"sum"}, "add");
  m.node("Sub", {"sum", "ap"}, {"difference"}, "sub");
  m.node("Mul", {"difference", "mp"}, {"product"}, "mul");
  auto& leaky = m.node("LeakyRelu", {"product"}, {"leaky"}, "leaky_relu");
  attr(leaky, "alpha", 0.1f);
  auto& concat = m.node("Concat", {"leaky", "mp"}, {"cc"}, "concat");
  attr(concat, "axis", std::int64_t{1});
  auto& transpose = m.node("Transpose", {"cc"}, {"t"}, "transpose");
  attr(transpose, "perm", Dims{0, 1, 3, 2});
  m.node("GlobalAveragePool", {"t"}, {"gap"}, "global_average");
  m.node("Flatten", {"gap"}, {"f"}, "flatten");
  auto& gemm = m.node("Gemm", {"f", "g", "gb"}, {"logits"}, "gemm");
  attr(gemm, "transB", std::int64_t{1});
  m.node("Sigmoid", {"logits"}, {"probability"}, "sigmoid");
  auto& softmax = m.node("Softmax", {"probability"}, {"y"}, "softmax");
  attr(softmax, "axis", std::int64_t{1});
  m.output("y");
  return m.import();
}

struct Proven {
  ModelPackage package;
  ModelCard card;
  ops::IntTensor input;
};

const Proven& proven_model() {
  static const Proven p = [] {
    const model::Graph g = every_operator_graph();
    std::vector<model::Tensor> calibration;
    for (std::uint64_t s = 0; s < 16; ++s)
      calibration.push_back(float_input({1, 2, 6, 6}, random_floats(72, 100 + s)));
    Proven out;
    out.package = {model::quantize(g, calibration), hash::draw_commitment_salt()};
    out.card = make_card(out.package);
    out.input = model::quantize_input(out.package.model, calibration[3]);
    return out;
  }();
  return p;
}

TEST(OperatorProofs, EveryOperatorProvesTheReferenceOutput) {
  const Proven& p = proven_model();
  std::set<std::string> ops;
  for (const model::QNode& n : p.package.model.nodes) ops.insert(model::op_name(n.op));
  for (const char* op : {"Requantize", "Conv", "MaxPool", "AveragePool", "Add", "Sub", "Mul",
                         "Concat", "Transpose", "Reshape", "Gemm"})
    EXPECT_TRUE(ops.contains(op)) << op << " missing from the quantized model";
  const ProveResult result = prove_inference(p.package, p.input);
  EXPECT_EQ(result.output.values,
            model::execute_quantized(p.package.model, p.input).output(p.package.model).values);
  const Verdict v = verify_inference(p.card, result.proof);
  EXPECT_TRUE(v.accepted) << v.reason;
}

TEST(OperatorProofs, ACorruptedOutputOfEachOperatorIsRejected) {
  const Proven& p = proven_model();
  const model::QuantizedModel& m = p.package.model;
  ASSERT_TRUE(verify_inference(p.card, prove_inference(p.package, p.input).proof).accepted);
  for (std::size_t i = 0; i < m.nodes.size(); ++i) {
    const model::QNode& node = m.nodes[i];
    if (std::holds_alternative<model::QReshape>(node.op)) continue;  // same slots as its input
    const auto corrupt = [&](const InferenceCircuit& c, sumcheck::BaseWitness<Challenge>& w) {
      w.at(c.tensor_slot(node.output)) += Goldilocks::one();
    };
    bool accepted = false;
    try {
      const InferenceProof proof = prove_inference(p.package, p.input, {corrupt}).proof;
      accepted = verify_inference(p.card, proof).accepted;
    } catch (const Error&) {
      accepted = false;  // the prover refused (a value left its range)
    }
    EXPECT_FALSE(accepted) << "node " << i << " (" << model::op_name(node.op) << ")";
  }
}

}  // namespace
}  // namespace zkinfer::proof
