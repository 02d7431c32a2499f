// SPDX-License-Identifier: Apache-2.0
// Import-time rewrites (docs/onnx-import.md): each one changes the graph as
// documented and leaves the outputs unchanged.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "model/onnx_builder.hpp"

namespace zkinfer::model {
namespace {

using testing::attr;
using testing::Dims;
using testing::float_input;
using testing::ModelBuilder;
using testing::random_floats;

std::size_t count_kind(const Graph& g, OpKind kind) {
  return static_cast<std::size_t>(std::count_if(g.nodes.begin(), g.nodes.end(),
                                                [kind](const Node& n) { return n.kind == kind; }));
}

void expect_close(const std::vector<float>& a, const std::vector<float>& b, double tolerance) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], tolerance * (1 + std::abs(b[i]))) << "element " << i;
}

void add_batch_norm(ModelBuilder& m, const std::string& in, const std::string& out,
                    std::int64_t channels, std::uint64_t seed) {
  auto scale = random_floats(static_cast<std::size_t>(channels), seed);
  auto var = random_floats(static_cast<std::size_t>(channels), seed + 1);
  for (float& v : var) v = 0.5f + std::abs(v);
  m.initializer(in + "_scale", {channels}, scale);
  m.initializer(in + "_bias", {channels},
                random_floats(static_cast<std::size_t>(channels), seed + 2));
  m.initializer(in + "_mean", {channels},
                random_floats(static_cast<std::size_t>(channels), seed + 3));
  m.initializer(in + "_var", {channels}, var);
  attr(m.node("BatchNormalization", {in, in + "_scale", in + "_bias", in + "_mean", in + "_var"},
              {out}),
       "epsilon", 1e-3f);
}

// Runs the model with and without BatchNormalization folding: `remaining`
// of the `total` BatchNormalizations survive folding, and the outputs agree
// within 1e-5.
void check_folding(const ModelBuilder& m, const Dims& input_shape, std::size_t remaining,
                   std::size_t total = 1) {
  ImportOptions unfolded;
  unfolded.fold_batch_norm = false;
  const Graph folded_graph = m.import();
  const Graph unfolded_graph = m.import(unfolded);
  EXPECT_EQ(count_kind(folded_graph, OpKind::kBatchNormalization), remaining);
  EXPECT_EQ(count_kind(unfolded_graph, OpKind::kBatchNormalization), total);
  const auto x = random_floats(static_cast<std::size_t>(element_count(input_shape)), 99);
  const std::vector<Tensor> in = {float_input(input_shape, x)};
  const auto a = execute(folded_graph, in);
  const auto b = execute(unfolded_graph, in);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].shape, b[i].shape);
    expect_close(a[i].data, b[i].data, 1e-5);
  }
}

TEST(Rewrites, BatchNormFoldsIntoConv) {
  for (bool bias : {true, false}) {
    ModelBuilder m;
    m.input("x", {2, 3, 8, 8});
    m.initializer("w", {4, 3, 3, 3}, random_floats(108, 1));
    std::vector<std::string> inputs = {"x", "w"};
    if (bias) {
      m.initializer("b", {4}, random_floats(4, 2));
      inputs.push_back("b");
    }
    attr(m.node("Conv", inputs, {"c"}, "conv"), "pads", Dims{1, 1, 1, 1});
    add_batch_norm(m, "c", "n", 4, 3);
    m.node("Relu", {"n"}, {"y"});
    m.output("y");
    check_folding(m, {2, 3, 8, 8}, 0);
    const Graph g = m.import();
    ASSERT_EQ(g.nodes.size(), 2u);
    EXPECT_EQ(g.nodes[0].kind, OpKind::kConv);
    EXPECT_EQ(g.value(g.nodes[0].inputs[1]).name, "w/bn_folded");
    EXPECT_EQ(g.value(g.nodes[0].output).name, "n");  // the producer takes over the BN output
  }
}

TEST(Rewrites, BatchNormFoldsIntoGemm) {
  for (int trans_b = 0; trans_b < 2; ++trans_b)
    for (const Dims& c_shape : std::vector<Dims>{{}, {5}, {3, 5}, {1}}) {
      ModelBuilder m;
      m.input("x", {3, 4});
      m.initializer("w", trans_b ? Dims{5, 4} : Dims{4, 5}, random_floats(20, 5));
      std::vector<std::string> inputs = {"x", "w"};
      if (!c_shape.empty()) {
        m.initializer("c", c_shape,
                      random_floats(static_cast<std::size_t>(element_count(c_shape)), 6));
        inputs.push_back("c");
      }
      auto& gemm = m.node("Gemm", inputs, {"h"});
      attr(gemm, "transB", std::int64_t{trans_b});
      attr(gemm, "alpha", 1.5f);
      attr(gemm, "beta", 0.5f);
      add_batch_norm(m, "h", "y", 5, 7);
      m.output("y");
      check_folding(m, {3, 4}, 0);
      EXPECT_EQ(m.import().nodes[0].attrs<GemmAttributes>().beta, 1.0f);
    }
}

TEST(Rewrites, BatchNormStaysWhenTheProducerHasOtherConsumers) {
  ModelBuilder shared;
  shared.input("x", {1, 2, 4, 4});
  shared.initializer("w", {2, 2, 1, 1}, random_floats(4, 8));
  shared.node("Conv", {"x", "w"}, {"c"});
  add_batch_norm(shared, "c", "n", 2, 9);
  shared.node("Add", {"n", "c"}, {"y"});
  shared.output("y");
  check_folding(shared, {1, 2, 4, 4}, 1);

  ModelBuilder exposed;  // the conv output is also a graph output
  exposed.input("x", {1, 2, 4, 4});
  exposed.initializer("w", {2, 2, 1, 1}, random_floats(4, 8));
  exposed.node("Conv", {"x", "w"}, {"c"});
  add_batch_norm(exposed, "c", "y", 2, 9);
  exposed.output("y");
  exposed.output("c");
  check_folding(exposed, {1, 2, 4, 4}, 1);

  ModelBuilder dynamic;  // the conv weight is not a constant
  dynamic.input("x", {1, 2, 4, 4});
  dynamic.input("w", {2, 2, 1, 1});
  dynamic.node("Conv", {"x", "w"}, {"c"});
  add_batch_norm(dynamic, "c", "y", 2, 9);
  dynamic.output("y");
  EXPECT_EQ(count_kind(dynamic.import(), OpKind::kBatchNormalization), 1u);
}

TEST(Rewrites, BatchNormFoldingLeavesSharedWeightsIntact) {
  ModelBuilder m;
  m.input("x", {1, 2, 3, 3});
  m.initializer("w", {2, 2, 1, 1}, random_floats(4, 10));
  m.node("Conv", {"x", "w"}, {"c1"});
  m.node("Conv", {"x", "w"}, {"c2"});
  add_batch_norm(m, "c1", "n1", 2, 11);
  add_batch_norm(m, "c2", "n2", 2, 21);
  m.node("Add", {"n1", "n2"}, {"y"});
  m.output("y");
  check_folding(m, {1, 2, 3, 3}, 0, 2);
  const Graph g = m.import();
  EXPECT_NE(g.nodes[0].inputs[1], g.nodes[1].inputs[1]);
}

TEST(Rewrites, ConstantShapeChainsAreFolded) {
  // Constant -> Concat -> Reshape: the shape is resolved at import.
  ModelBuilder m;
  m.input("x", {2, 3, 4});
  attr(m.node("Constant", {}, {"head"}), "value", testing::int64_tensor("", {1}, {4}));
  m.initializer(testing::int64_tensor("tail", {1}, {-1}));
  attr(m.node("Concat", {"head", "tail"}, {"shape"}), "axis", std::int64_t{0});
  m.node("Reshape", {"x", "shape"}, {"y"});
  m.output("y");
  const Graph g = m.import();
  ASSERT_EQ(g.nodes.size(), 1u) << describe(g);
  EXPECT_EQ(g.nodes[0].kind, OpKind::kReshape);
  EXPECT_EQ(g.nodes[0].attrs<ReshapeAttributes>().shape, (Shape{4, 6}));
  EXPECT_EQ(g.values.size(), 2u);  // x and y: the shape constants are gone
}

TEST(Rewrites, ConstantSubgraphsAreEvaluatedAtImport) {
  ModelBuilder m;
  m.input("x", {6});
  m.initializer("a", {6}, {1, 2, 3, 4, 5, 6});
  attr(m.node("Constant", {}, {"b"}), "value_float", 0.5f);
  m.node("Add", {"a", "b"}, {"ab"});
  m.node("Sigmoid", {"ab"}, {"s"});
  m.node("Mul", {"x", "s"}, {"y"});
  m.output("y");
  const Graph g = m.import();
  ASSERT_EQ(g.nodes.size(), 1u) << describe(g);
  EXPECT_EQ(g.nodes[0].kind, OpKind::kMul);
  const Value& folded = g.value(g.nodes[0].inputs[1]);
  EXPECT_EQ(folded.kind, ValueKind::kConstant);
  EXPECT_EQ(folded.name, "s");
  EXPECT_FLOAT_EQ(folded.data[0], 1.0f / (1.0f + std::exp(-1.5f)));

  ImportOptions no_folding;
  no_folding.fold_constants = false;
  const Graph unfolded = m.import(no_folding);
  EXPECT_EQ(unfolded.nodes.size(), 3u);
  const std::vector<Tensor> x = {float_input({6}, random_floats(6, 12))};
  EXPECT_EQ(execute(g, x)[0].data, execute(unfolded, x)[0].data);

  // A graph whose output is entirely constant runs without inputs.
  ModelBuilder c;
  attr(c.node("Constant", {}, {"y"}), "value_floats", std::vector<float>{3.0f});
  c.output("y");
  const auto out = execute(c.import(), std::vector<Tensor>{});
  EXPECT_EQ(out[0].data, (std::vector<float>{3.0f}));
}

TEST(Rewrites, DivByConstantBecomesMulByReciprocal) {
  ModelBuilder m;
  m.input("x", {4});
  m.initializer("d", {4}, {2.0f, -4.0f, 3.0f, 0.1f});
  m.node("Div", {"x", "d"}, {"y"});
  m.output("y");
  const Graph g = m.import();
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].kind, OpKind::kMul);
  EXPECT_EQ(g.value(g.nodes[0].inputs[1]).name, "d/reciprocal");
  const std::vector<float> x = {1.0f, 2.0f, 3.0f, 4.0f};
  const auto y = execute(g, std::vector{float_input({4}, x)})[0].data;
  const std::vector<float> d = {2.0f, -4.0f, 3.0f, 0.1f};
  for (std::size_t i = 0; i < 4; ++i) EXPECT_NEAR(y[i], x[i] / d[i], 1e-6 * std::abs(x[i] / d[i]));
}

TEST(Rewrites, IdentityAndDropoutAreRemovedAndOutputNamesKept) {
  ModelBuilder m(12);
  m.input("x", {3});
  m.node("Identity", {"x"}, {"a"});
  m.node("Relu", {"a"}, {"b"});
  m.initializer("ratio", {}, {0.5f});
  m.node("Dropout", {"b", "ratio"}, {"c"});
  m.node("Identity", {"c"}, {"y"});
  m.output("y");
  m.output("a");
  const Graph g = m.import();
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.nodes[0].kind, OpKind::kRelu);
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.outputs[0].name, "y");
  EXPECT_EQ(g.outputs[1].name, "a");
  EXPECT_EQ(g.outputs[1].value, g.inputs[0]);
  const auto out = execute(g, std::vector{float_input({3}, {-1, 0, 2})});
  EXPECT_EQ(out[0].data, (std::vector<float>{0, 0, 2}));
  EXPECT_EQ(out[1].data, (std::vector<float>{-1, 0, 2}));
}

TEST(Rewrites, QuantizeDequantizeOnConstantsIsKept) {
  // A QDQ weight: the quantizer reads the model's own scale off these nodes.
  ModelBuilder m;
  m.input("x", {1, 2});
  m.initializer("w", {2, 2}, {0.5f, -0.25f, 1.0f, 0.0f});
  m.initializer("s", {}, {0.25f});
  m.initializer(testing::int32_field_tensor("z", onnx::TensorProto::INT8, {}, {0}));
  m.node("QuantizeLinear", {"w", "s", "z"}, {"wq"});
  m.node("DequantizeLinear", {"wq", "s", "z"}, {"wd"});
  m.node("MatMul", {"x", "wd"}, {"y"});
  m.output("y");
  const Graph g = m.import();
  EXPECT_EQ(count_kind(g, OpKind::kQuantizeLinear), 1u);
  EXPECT_EQ(count_kind(g, OpKind::kDequantizeLinear), 1u);
  const auto& q = g.nodes[0].attrs<QuantizeAttributes>();
  EXPECT_EQ(q.params.scale, (std::vector<float>{0.25f}));
  EXPECT_EQ(q.quantized, DType::kInt8);
}

TEST(Rewrites, DeadNodesArePruned) {
  ModelBuilder m;
  m.input("x", {3});
  m.node("Relu", {"x"}, {"y"});
  m.node("Sigmoid", {"x"}, {"unused"});
  m.output("y");
  const Graph g = m.import();
  ASSERT_EQ(g.nodes.size(), 1u);
  EXPECT_EQ(g.find("unused"), kNoValue);
  for (std::size_t i = 0; i < g.values.size(); ++i) EXPECT_NE(g.values[i].name, "unused");
}

}  // namespace
}  // namespace zkinfer::model
