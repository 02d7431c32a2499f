// SPDX-License-Identifier: Apache-2.0
// Per-operator tests of import + shape inference + float executor on tiny
// models, against hand-computed values or naive reference loops.
#include <gtest/gtest.h>

#include <cmath>

#include "base/error.hpp"
#include "model/onnx_builder.hpp"

namespace zkinfer::model {
namespace {

using testing::attr;
using testing::Dims;
using testing::float_input;
using testing::ModelBuilder;
using testing::random_floats;

Tensor run(const ModelBuilder& m, std::vector<Tensor> inputs, const ImportOptions& o = {}) {
  const auto out = execute(m.import(o), inputs);
  EXPECT_EQ(out.size(), 1u);
  return out.at(0);
}

void expect_near(const std::vector<float>& actual, const std::vector<float>& expected,
                 double tolerance = 1e-5) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], tolerance * (1 + std::abs(expected[i]))) << "element " << i;
}

// --- Conv --------------------------------------------------------------------

struct ConvCase {
  Dims x;  // N, C, H, W
  Dims w;  // M, C/group, KH, KW
  Dims strides, pads, dilations;
  std::int64_t group;
};

// Output element by element over the implicitly zero-padded input.
std::vector<float> naive_conv(const ConvCase& c, const std::vector<float>& x,
                              const std::vector<float>& w, const std::vector<float>& b,
                              const Dims& out) {
  std::vector<float> y;
  const std::int64_t cg = c.w[1];
  for (std::int64_t n = 0; n < out[0]; ++n)
    for (std::int64_t m = 0; m < out[1]; ++m)
      for (std::int64_t oh = 0; oh < out[2]; ++oh)
        for (std::int64_t ow = 0; ow < out[3]; ++ow) {
          double acc = b.empty() ? 0.0 : b[m];
          const std::int64_t g = m / (c.w[0] / c.group);
          for (std::int64_t ci = 0; ci < cg; ++ci)
            for (std::int64_t kh = 0; kh < c.w[2]; ++kh)
              for (std::int64_t kw = 0; kw < c.w[3]; ++kw) {
                const std::int64_t ih = oh * c.strides[0] - c.pads[0] + kh * c.dilations[0];
                const std::int64_t iw = ow * c.strides[1] - c.pads[1] + kw * c.dilations[1];
                if (ih < 0 || ih >= c.x[2] || iw < 0 || iw >= c.x[3]) continue;
                acc += x[((n * c.x[1] + g * cg + ci) * c.x[2] + ih) * c.x[3] + iw] *
                       w[((m * cg + ci) * c.w[2] + kh) * c.w[3] + kw];
              }
          y.push_back(static_cast<float>(acc));
        }
  return y;
}

TEST(Ops, ConvMatchesNaiveReference) {
  const ConvCase cases[] = {
      {{1, 3, 7, 6}, {4, 3, 3, 3}, {1, 1}, {1, 1, 1, 1}, {1, 1}, 1},
      {{2, 4, 9, 8}, {6, 2, 3, 2}, {2, 1}, {0, 2, 1, 0}, {1, 2}, 2},
      {{1, 6, 8, 8}, {6, 1, 3, 3}, {2, 2}, {1, 1, 1, 1}, {2, 2}, 6},  // depthwise
      {{1, 2, 5, 5}, {3, 2, 1, 1}, {3, 2}, {0, 0, 0, 0}, {1, 1}, 1},
      {{1, 2, 4, 4}, {2, 2, 5, 5}, {1, 1}, {2, 2, 2, 2}, {1, 1}, 1},  // kernel > input
  };
  std::uint64_t seed = 1;
  for (const ConvCase& c : cases) {
    for (bool bias : {false, true}) {
      const auto x = random_floats(static_cast<std::size_t>(element_count(c.x)), seed++);
      const auto w = random_floats(static_cast<std::size_t>(element_count(c.w)), seed++);
      const auto b =
          bias ? random_floats(static_cast<std::size_t>(c.w[0]), seed++) : std::vector<float>{};
      ModelBuilder m;
      m.input("x", c.x);
      m.initializer("w", c.w, w);
      std::vector<std::string> inputs = {"x", "w"};
      if (bias) {
        m.initializer("b", {c.w[0]}, b);
        inputs.push_back("b");
      }
      auto& node = m.node("Conv", inputs, {"y"});
      attr(node, "strides", c.strides);
      attr(node, "pads", Dims{c.pads[0], c.pads[1], c.pads[2], c.pads[3]});
      attr(node, "dilations", c.dilations);
      attr(node, "group", c.group);
      m.output("y");
      const Tensor y = run(m, {float_input(c.x, x)});
      Dims out = {c.x[0], c.w[0]};
      for (int i = 0; i < 2; ++i)
        out.push_back(
            (c.x[2 + i] + c.pads[i] + c.pads[2 + i] - (c.w[2 + i] - 1) * c.dilations[i] - 1) /
                c.strides[i] +
            1);
      EXPECT_EQ(y.shape, out);
      expect_near(y.data, naive_conv(c, x, w, b, out));
    }
  }
}

TEST(Ops, Conv1dIsConv2dWithHeightOne) {
  const auto x = random_floats(2 * 3 * 10, 5);
  const auto w = random_floats(4 * 3 * 3, 6);
  ModelBuilder m;
  m.input("x", {2, 3, 10});
  m.initializer("w", {4, 3, 3}, w);
  auto& node = m.node("Conv", {"x", "w"}, {"y"});
  attr(node, "strides", Dims{2});
  attr(node, "pads", Dims{1, 2});
  m.output("y");
  const Tensor y = run(m, {float_input({2, 3, 10}, x)});
  EXPECT_EQ(y.shape, (Shape{2, 4, 6}));
  const ConvCase c{{2, 3, 1, 10}, {4, 3, 1, 3}, {1, 2}, {0, 1, 0, 2}, {1, 1}, 1};
  expect_near(y.data, naive_conv(c, x, w, {}, {2, 4, 1, 6}));
}

TEST(Ops, ConvAutoPadVariants) {
  struct AutoPadCase {
    const char* mode;
    Dims x, kernel, strides, expected_pads, expected_out;
  };
  const AutoPadCase cases[] = {
      {"SAME_UPPER", {1, 1, 4, 4}, {2, 2}, {1, 1}, {0, 0, 1, 1}, {1, 1, 4, 4}},
      {"SAME_LOWER", {1, 1, 4, 4}, {2, 2}, {1, 1}, {1, 1, 0, 0}, {1, 1, 4, 4}},
      {"SAME_UPPER", {1, 1, 5, 6}, {3, 3}, {2, 2}, {1, 0, 1, 1}, {1, 1, 3, 3}},
      {"SAME_LOWER", {1, 1, 6, 5}, {4, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1, 3, 3}},
      {"VALID", {1, 1, 5, 6}, {3, 3}, {2, 2}, {0, 0, 0, 0}, {1, 1, 2, 2}},
  };
  for (const AutoPadCase& c : cases) {
    const auto x = random_floats(static_cast<std::size_t>(element_count(c.x)), 9);
    const Dims ws = {1, 1, c.kernel[0], c.kernel[1]};
    const auto w = random_floats(static_cast<std::size_t>(element_count(ws)), 10);
    ModelBuilder m;
    m.input("x", c.x);
    m.initializer("w", ws, w);
    auto& node = m.node("Conv", {"x", "w"}, {"y"});
    attr(node, "auto_pad", std::string(c.mode));
    attr(node, "strides", c.strides);
    m.output("y");
    const Graph g = m.import();
    EXPECT_EQ(g.nodes[0].attrs<ConvAttributes>().pads, c.expected_pads) << c.mode;
    const Tensor y = execute(g, std::vector{float_input(c.x, x)})[0];
    EXPECT_EQ(y.shape, c.expected_out) << c.mode;
    const ConvCase ref{c.x, ws, c.strides, c.expected_pads, {1, 1}, 1};
    expect_near(y.data, naive_conv(ref, x, w, {}, c.expected_out));
  }
}

// --- Gemm, MatMul, broadcasting ---------------------------------------------

TEST(Ops, GemmAllAttributes) {
  const std::int64_t m = 3, k = 5, n = 4;
  const auto a = random_floats(m * k, 21);
  const auto b = random_floats(k * n, 22);
  const std::vector<Dims> c_shapes = {{}, {n}, {m, n}, {1}, {m, 1}};
  for (int trans_a = 0; trans_a < 2; ++trans_a)
    for (int trans_b = 0; trans_b < 2; ++trans_b)
      for (std::size_t ci = 0; ci <= c_shapes.size(); ++ci) {
        const bool has_c = ci < c_shapes.size();
        const Dims c_shape = has_c ? c_shapes[ci] : Dims{};
        const auto c = random_floats(static_cast<std::size_t>(element_count(c_shape)), 23);
        ModelBuilder mb;
        mb.input("a", trans_a ? Dims{k, m} : Dims{m, k});
        mb.initializer("b", trans_b ? Dims{n, k} : Dims{k, n}, b);
        std::vector<std::string> inputs = {"a", "b"};
        if (has_c) {
          mb.initializer("c", c_shape, c);
          inputs.push_back("c");
        }
        auto& node = mb.node("Gemm", inputs, {"y"});
        attr(node, "alpha", 0.5f);
        attr(node, "beta", -2.0f);
        attr(node, "transA", std::int64_t{trans_a});
        attr(node, "transB", std::int64_t{trans_b});
        mb.output("y");
        const Tensor y = run(mb, {float_input(trans_a ? Dims{k, m} : Dims{m, k}, a)});
        ASSERT_EQ(y.shape, (Shape{m, n}));
        std::vector<float> expected;
        for (std::int64_t i = 0; i < m; ++i)
          for (std::int64_t j = 0; j < n; ++j) {
            double acc = 0;
            for (std::int64_t p = 0; p < k; ++p)
              acc += a[trans_a ? p * m + i : i * k + p] * b[trans_b ? j * k + p : p * n + j];
            double cv = 0;
            if (has_c) {
              const std::int64_t rows = c_shape.size() == 2 ? c_shape[0] : 1;
              const std::int64_t cols = c_shape.empty() ? 1 : c_shape.back();
              cv = c[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)];
            }
            expected.push_back(static_cast<float>(0.5 * acc - 2.0 * cv));
          }
        expect_near(y.data, expected);
      }
}

// Naive numpy matmul over broadcast batch dims for the cases below.
TEST(Ops, MatMulBatchBroadcastAndVectors) {
  struct Case {
    Dims a, b, out;
  };
  const Case cases[] = {
      {{2, 3, 4}, {4, 5}, {2, 3, 5}},          {{4}, {2, 4, 3}, {2, 3}}, {{2, 3, 4}, {4}, {2, 3}},
      {{2, 1, 2, 3}, {3, 3, 2}, {2, 3, 2, 2}}, {{3}, {3}, {}},
  };
  for (const Case& c : cases) {
    const auto a = random_floats(static_cast<std::size_t>(element_count(c.a)), 31);
    const auto b = random_floats(static_cast<std::size_t>(element_count(c.b)), 32);
    ModelBuilder m;
    m.input("a", c.a);
    m.input("b", c.b);
    m.node("MatMul", {"a", "b"}, {"y"});
    m.output("y");
    const auto out = execute(m.import(), std::vector{float_input(c.a, a), float_input(c.b, b)});
    ASSERT_EQ(out[0].shape, c.out);
    // Promote, broadcast batch dims, multiply.
    Dims a2 = c.a.size() == 1 ? Dims{1, c.a[0]} : c.a;
    Dims b2 = c.b.size() == 1 ? Dims{c.b[0], 1} : c.b;
    const std::int64_t rows = a2[a2.size() - 2], k = a2.back(), cols = b2.back();
    const std::size_t batch_rank = std::max(a2.size(), b2.size()) - 2;
    auto batch_dim = [batch_rank](const Dims& d, std::size_t i) {
      const std::size_t offset = batch_rank - (d.size() - 2);
      return i < offset ? std::int64_t{1} : d[i - offset];
    };
    std::int64_t batches = 1;
    for (std::size_t i = 0; i < batch_rank; ++i)
      batches *= std::max(batch_dim(a2, i), batch_dim(b2, i));
    std::vector<float> expected;
    for (std::int64_t bi = 0; bi < batches; ++bi) {
      std::int64_t rest = bi, ia = 0, ib = 0, sa = 1, sb = 1;
      for (std::size_t i = batch_rank; i-- > 0;) {
        const std::int64_t da = batch_dim(a2, i), db = batch_dim(b2, i);
        const std::int64_t idx = rest % std::max(da, db);
        rest /= std::max(da, db);
        ia += (da == 1 ? 0 : idx) * sa;
        ib += (db == 1 ? 0 : idx) * sb;
        sa *= da;
        sb *= db;
      }
      for (std::int64_t i = 0; i < rows; ++i)
        for (std::int64_t j = 0; j < cols; ++j) {
          double acc = 0;
          for (std::int64_t p = 0; p < k; ++p)
            acc += a[(ia * rows + i) * k + p] * b[(ib * k + p) * cols + j];
          expected.push_back(static_cast<float>(acc));
        }
    }
    expect_near(out[0].data, expected);
  }
}

TEST(Ops, BroadcastingBinaryOperators) {
  const auto a = random_floats(2 * 3 * 4, 41);
  const auto b = random_floats(3, 42);
  for (const char* op : {"Add", "Sub", "Mul"}) {
    ModelBuilder m;
    m.input("a", {2, 3, 4});
    m.input("b", {3, 1});
    m.node(op, {"a", "b"}, {"y"});
    m.output("y");
    const auto y =
        execute(m.import(), std::vector{float_input({2, 3, 4}, a), float_input({3, 1}, b)});
    ASSERT_EQ(y[0].shape, (Shape{2, 3, 4}));
    for (std::size_t i = 0; i < a.size(); ++i) {
      const float bv = b[(i / 4) % 3];
      const float e = op[0] == 'A' ? a[i] + bv : op[0] == 'S' ? a[i] - bv : a[i] * bv;
      EXPECT_EQ(y[0].data[i], e) << op << " " << i;
    }
  }
  // Both operands broadcast: [3,1] x [1,4] -> [3,4].
  ModelBuilder m;
  m.input("a", {3, 1});
  m.input("b", {1, 4});
  m.node("Sub", {"a", "b"}, {"y"});
  m.output("y");
  const auto y = execute(m.import(), std::vector{float_input({3, 1}, {1, 2, 3}),
                                                 float_input({1, 4}, {0, 10, 20, 30})});
  EXPECT_EQ(y[0].data, (std::vector<float>{1, -9, -19, -29, 2, -8, -18, -28, 3, -7, -17, -27}));
}

// --- Element-wise activations ----------------------------------------------

TEST(Ops, Activations) {
  const std::vector<float> x = {-3.0f, -0.5f, 0.0f, 0.25f, 4.0f};
  auto unary = [&x](const char* op, auto fill) {
    ModelBuilder m;
    m.input("x", {5});
    fill(m.node(op, {"x"}, {"y"}));
    m.output("y");
    return run(m, {float_input({5}, x)}).data;
  };
  auto none = [](onnx::NodeProto&) {};
  EXPECT_EQ(unary("Relu", none), (std::vector<float>{0, 0, 0, 0.25f, 4}));
  EXPECT_EQ(unary("LeakyRelu", none), (std::vector<float>{-0.03f, -0.005f, 0, 0.25f, 4}));
  EXPECT_EQ(unary("LeakyRelu", [](onnx::NodeProto& n) { attr(n, "alpha", 0.5f); }),
            (std::vector<float>{-1.5f, -0.25f, 0, 0.25f, 4}));
  std::vector<float> sigmoid, tanh;
  for (float v : x) {
    sigmoid.push_back(1.0f / (1.0f + std::exp(-v)));
    tanh.push_back(std::tanh(v));
  }
  expect_near(unary("Sigmoid", none), sigmoid, 1e-7);
  expect_near(unary("Tanh", none), tanh, 1e-7);
}

TEST(Ops, ClipAttributesBeforeOpset11InputsAfter) {
  const std::vector<float> x = {-3.0f, -0.5f, 0.0f, 0.25f, 4.0f};
  ModelBuilder old(9);
  old.input("x", {5});
  auto& n = old.node("Clip", {"x"}, {"y"});
  attr(n, "min", -1.0f);
  attr(n, "max", 1.0f);
  old.output("y");
  EXPECT_EQ(run(old, {float_input({5}, x)}).data, (std::vector<float>{-1, -0.5f, 0, 0.25f, 1}));

  ModelBuilder now(13);
  now.input("x", {5});
  now.initializer("hi", {}, {0.1f});
  now.node("Clip", {"x", "", "hi"}, {"y"});
  now.output("y");
  EXPECT_EQ(run(now, {float_input({5}, x)}).data, (std::vector<float>{-3, -0.5f, 0, 0.1f, 0.1f}));

  ModelBuilder attr_in_13(13);  // min/max attributes no longer exist
  attr_in_13.input("x", {5});
  attr(attr_in_13.node("Clip", {"x"}, {"y"}, "c"), "min", -1.0f);
  attr_in_13.output("y");
  EXPECT_THROW(attr_in_13.import(), Error);
}

TEST(Ops, SoftmaxOpset11CoercesTo2dOpset13IsPerAxis) {
  const Dims shape = {2, 3, 4};
  const auto x = random_floats(24, 51);
  for (std::int64_t opset : {11, 13}) {
    ModelBuilder m(opset);
    m.input("x", shape);
    attr(m.node("Softmax", {"x"}, {"y"}), "axis", std::int64_t{1});
    m.output("y");
    const Tensor y = run(m, {float_input(shape, x)});
    std::vector<float> expected(24);
    if (opset == 11) {  // over the 12 trailing elements of each batch entry
      for (int b = 0; b < 2; ++b) {
        double sum = 0;
        for (int i = 0; i < 12; ++i) sum += std::exp(x[b * 12 + i]);
        for (int i = 0; i < 12; ++i)
          expected[b * 12 + i] = static_cast<float>(std::exp(x[b * 12 + i]) / sum);
      }
    } else {  // over axis 1 only
      for (int b = 0; b < 2; ++b)
        for (int k = 0; k < 4; ++k) {
          double sum = 0;
          for (int c = 0; c < 3; ++c) sum += std::exp(x[b * 12 + c * 4 + k]);
          for (int c = 0; c < 3; ++c)
            expected[b * 12 + c * 4 + k] =
                static_cast<float>(std::exp(x[b * 12 + c * 4 + k]) / sum);
        }
    }
    expect_near(y.data, expected);
  }
  // Default axes: 1 (coerced) before 13, -1 from 13 on.
  ModelBuilder d11(11), d13(13);
  for (ModelBuilder* m : {&d11, &d13}) {
    m->input("x", shape);
    m->node("Softmax", {"x"}, {"y"});
    m->output("y");
  }
  const auto a11 = d11.import().nodes[0].attrs<SoftmaxAttributes>();
  const auto a13 = d13.import().nodes[0].attrs<SoftmaxAttributes>();
  EXPECT_EQ(a11.first_axis, 1);
  EXPECT_EQ(a11.last_axis, 2);
  EXPECT_EQ(a13.first_axis, 2);
  EXPECT_EQ(a13.last_axis, 2);
}

// --- Pools ---------------------------------------------------------------------

struct PoolCase {
  Dims x, kernel, strides, pads, dilations;
  bool ceil_mode, count_include_pad;
  Dims out;
};

std::vector<float> naive_pool(const PoolCase& c, const std::vector<float>& x, bool max) {
  std::vector<float> y;
  for (std::int64_t p = 0; p < c.x[0] * c.x[1]; ++p)
    for (std::int64_t oh = 0; oh < c.out[2]; ++oh)
      for (std::int64_t ow = 0; ow < c.out[3]; ++ow) {
        double acc = max ? -INFINITY : 0.0;
        int inside = 0, padded = 0;
        for (std::int64_t kh = 0; kh < c.kernel[0]; ++kh)
          for (std::int64_t kw = 0; kw < c.kernel[1]; ++kw) {
            const std::int64_t ih = oh * c.strides[0] - c.pads[0] + kh * c.dilations[0];
            const std::int64_t iw = ow * c.strides[1] - c.pads[1] + kw * c.dilations[1];
            if (ih >= -c.pads[0] && ih < c.x[2] + c.pads[2] && iw >= -c.pads[1] &&
                iw < c.x[3] + c.pads[3])
              ++padded;
            if (ih < 0 || ih >= c.x[2] || iw < 0 || iw >= c.x[3]) continue;
            const double v = x[(p * c.x[2] + ih) * c.x[3] + iw];
            acc = max ? std::max(acc, v) : acc + v;
            ++inside;
          }
        y.push_back(static_cast<float>(max ? acc : acc / (c.count_include_pad ? padded : inside)));
      }
  return y;
}

TEST(Ops, PoolsMatchNaiveReference) {
  const PoolCase cases[] = {
      {{1, 2, 5, 5}, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, false, false, {1, 2, 2, 2}},
      {{1, 2, 5, 5}, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1}, true, false, {1, 2, 3, 3}},
      {{2, 1, 6, 7}, {3, 3}, {2, 1}, {1, 1, 1, 1}, {1, 1}, false, true, {2, 1, 3, 7}},
      {{2, 1, 6, 7}, {3, 3}, {2, 1}, {1, 1, 1, 1}, {1, 1}, false, false, {2, 1, 3, 7}},
      // ceil_mode would give 4 rows, but the last window would start in the end padding.
      {{1, 1, 7, 7}, {3, 2}, {3, 3}, {2, 1, 1, 0}, {1, 1}, true, true, {1, 1, 3, 3}},
      {{1, 1, 4, 4}, {3, 3}, {2, 2}, {0, 0, 0, 0}, {1, 1}, true, false, {1, 1, 2, 2}},
  };
  std::uint64_t seed = 60;
  for (const PoolCase& c : cases) {
    const auto x = random_floats(static_cast<std::size_t>(element_count(c.x)), seed++);
    for (bool max : {true, false}) {
      ModelBuilder m(13);
      m.input("x", c.x);
      auto& n = m.node(max ? "MaxPool" : "AveragePool", {"x"}, {"y"});
      attr(n, "kernel_shape", c.kernel);
      attr(n, "strides", c.strides);
      attr(n, "pads", c.pads);
      attr(n, "ceil_mode", std::int64_t{c.ceil_mode});
      if (!max) attr(n, "count_include_pad", std::int64_t{c.count_include_pad});
      m.output("y");
      const Tensor y = run(m, {float_input(c.x, x)});
      EXPECT_EQ(y.shape, c.out);
      expect_near(y.data, naive_pool(c, x, max));
    }
  }
  // Dilated max pool.
  const PoolCase d{{1, 1, 7, 7}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {2, 3}, false, false, {1, 1, 7, 6}};
  const auto x = random_floats(49, 70);
  ModelBuilder m(12);
  m.input("x", d.x);
  auto& n = m.node("MaxPool", {"x"}, {"y"});
  attr(n, "kernel_shape", d.kernel);
  attr(n, "pads", d.pads);
  attr(n, "dilations", d.dilations);
  m.output("y");
  const Tensor y = run(m, {float_input(d.x, x)});
  EXPECT_EQ(y.shape, d.out);
  expect_near(y.data, naive_pool(d, x, true));
}

TEST(Ops, GlobalAveragePool) {
  ModelBuilder m;
  m.input("x", {1, 2, 2, 2});
  m.node("GlobalAveragePool", {"x"}, {"y"});
  m.output("y");
  const Tensor y = run(m, {float_input({1, 2, 2, 2}, {1, 2, 3, 4, -1, -1, -1, 7})});
  EXPECT_EQ(y.shape, (Shape{1, 2, 1, 1}));
  EXPECT_EQ(y.data, (std::vector<float>{2.5f, 1.0f}));
}

// --- Shapes: Flatten, Reshape, Transpose, Concat --------------------------------

Shape output_shape(const ModelBuilder& m) {
  const Graph g = m.import();
  return g.value(g.outputs[0].value).shape;
}

TEST(Ops, FlattenShapes) {
  const std::pair<std::int64_t, Shape> cases[] = {{0, {1, 120}}, {1, {2, 60}},  {2, {6, 20}},
                                                  {4, {120, 1}}, {-1, {24, 5}}, {-4, {1, 120}}};
  for (const auto& [axis, expected] : cases) {
    ModelBuilder m;
    m.input("x", {2, 3, 4, 5});
    attr(m.node("Flatten", {"x"}, {"y"}), "axis", axis);
    m.output("y");
    EXPECT_EQ(output_shape(m), expected) << "axis " << axis;
    EXPECT_EQ(m.import().nodes[0].kind, OpKind::kReshape);
  }
  ModelBuilder bad;
  bad.input("x", {2, 3});
  attr(bad.node("Flatten", {"x"}, {"y"}, "f"), "axis", std::int64_t{3});
  bad.output("y");
  EXPECT_THROW(bad.import(), Error);
}

TEST(Ops, ReshapeZeroAndMinusOne) {
  const std::pair<std::vector<std::int64_t>, Shape> cases[] = {{{0, -1}, {2, 12}},
                                                               {{-1}, {24}},
                                                               {{4, 0, 2}, {4, 3, 2}},
                                                               {{2, 3, 4}, {2, 3, 4}},
                                                               {{1, -1, 1, 6}, {1, 4, 1, 6}}};
  const auto x = random_floats(24, 80);
  for (const auto& [shape, expected] : cases) {
    ModelBuilder m(14);
    m.input("x", {2, 3, 4});
    m.initializer(testing::int64_tensor("s", {static_cast<std::int64_t>(shape.size())}, shape));
    m.node("Reshape", {"x", "s"}, {"y"});
    m.output("y");
    const Tensor y = run(m, {float_input({2, 3, 4}, x)});
    EXPECT_EQ(y.shape, expected);
    EXPECT_EQ(y.data, x);
  }
  auto error = [](const std::vector<std::int64_t>& shape, std::int64_t opset, bool allow_zero) {
    ModelBuilder m(opset);
    m.input("x", {2, 3, 4});
    m.initializer(testing::int64_tensor("s", {static_cast<std::int64_t>(shape.size())}, shape));
    auto& n = m.node("Reshape", {"x", "s"}, {"y"}, "r");
    if (allow_zero) attr(n, "allowzero", std::int64_t{1});
    m.output("y");
    try {
      m.import();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(error({-1, -1}, 14, false), "node 'r' (Reshape): shape has more than one -1");
  EXPECT_EQ(error({5, -1}, 14, false),
            "node 'r' (Reshape): cannot reshape [2,3,4] to [5,1] with -1");
  EXPECT_EQ(error({0, 12}, 14, true),
            "node 'r' (Reshape): shape entry 0 = 0 is unsupported (zero-sized or negative)");
  EXPECT_EQ(error({2, 12}, 13, true), "node 'r' (Reshape): unsupported attribute 'allowzero'");
  EXPECT_EQ(error({2, 0, 0, 0}, 14, false),
            "node 'r' (Reshape): shape entry 3 is 0 (copy) but the input has rank 3");
}

TEST(Ops, TransposeAndConcat) {
  std::vector<float> x(24);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  for (const auto& perm : std::vector<Dims>{{}, {0, 2, 1}, {1, 2, 0}}) {
    ModelBuilder m;
    m.input("x", {2, 3, 4});
    auto& n = m.node("Transpose", {"x"}, {"y"});
    if (!perm.empty()) attr(n, "perm", perm);
    m.output("y");
    const Dims p = perm.empty() ? Dims{2, 1, 0} : perm;
    const Dims in = {2, 3, 4};
    const Tensor y = run(m, {float_input(in, x)});
    ASSERT_EQ(y.shape, (Shape{in[p[0]], in[p[1]], in[p[2]]}));
    // y[i0,i1,i2] = x[index with x axis p[k] = ik]
    std::size_t flat = 0;
    for (std::int64_t i0 = 0; i0 < y.shape[0]; ++i0)
      for (std::int64_t i1 = 0; i1 < y.shape[1]; ++i1)
        for (std::int64_t i2 = 0; i2 < y.shape[2]; ++i2) {
          std::int64_t idx[3];
          idx[p[0]] = i0;
          idx[p[1]] = i1;
          idx[p[2]] = i2;
          EXPECT_EQ(y.data[flat++], x[(idx[0] * 3 + idx[1]) * 4 + idx[2]]);
        }
  }
  ModelBuilder c;
  c.input("a", {2, 1});
  c.initializer("b", {2, 2}, {10, 11, 12, 13});
  attr(c.node("Concat", {"a", "b", "a"}, {"y"}), "axis", std::int64_t{-1});
  c.output("y");
  const Tensor y = run(c, {float_input({2, 1}, {1, 2})});
  EXPECT_EQ(y.shape, (Shape{2, 4}));
  EXPECT_EQ(y.data, (std::vector<float>{1, 10, 11, 1, 2, 12, 13, 2}));
}

// --- Quantization operators ----------------------------------------------------

TEST(Ops, QuantizeLinearRoundsHalfToEvenAndSaturates) {
  const std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 300.0f, -300.0f};
  struct Case {
    onnx::TensorProto::DataType type;
    std::int32_t zero_point;
    DType dtype;
    std::vector<float> expected;
  };
  const Case cases[] = {
      {onnx::TensorProto::INT8, 0, DType::kInt8, {0, 2, 2, 0, -2, -2, 127, -128}},
      {onnx::TensorProto::UINT8, 128, DType::kUInt8, {128, 130, 130, 128, 126, 126, 255, 0}},
  };
  for (const Case& c : cases) {
    ModelBuilder m;
    m.input("x", {8});
    m.initializer("s", {}, {1.0f});
    m.initializer(testing::int32_field_tensor("z", c.type, {}, {c.zero_point}));
    m.node("QuantizeLinear", {"x", "s", "z"}, {"q"});
    m.node("DequantizeLinear", {"q", "s", "z"}, {"y"});
    m.output("q");
    m.output("y");
    const auto out = execute(m.import(), std::vector{float_input({8}, x)});
    EXPECT_EQ(out[0].dtype, c.dtype);
    EXPECT_EQ(out[0].data, c.expected);
    for (std::size_t i = 0; i < x.size(); ++i)
      EXPECT_EQ(out[1].data[i], c.expected[i] - static_cast<float>(c.zero_point));
  }
}

TEST(Ops, PerAxisQuantization) {
  ModelBuilder m;
  m.input("x", {1, 2, 2});
  m.initializer("s", {2}, {0.5f, 4.0f});
  m.initializer(testing::int32_field_tensor("z", onnx::TensorProto::INT8, {2}, {1, -1}));
  attr(m.node("QuantizeLinear", {"x", "s", "z"}, {"q"}), "axis", std::int64_t{1});
  m.output("q");
  const Tensor q = run(m, {float_input({1, 2, 2}, {1.0f, -1.0f, 10.0f, -6.0f})});
  // 1/0.5+1, -1/0.5+1, round(2.5)-1 = 2-1, round(-1.5)-1 = -2-1
  EXPECT_EQ(q.data, (std::vector<float>{3, -1, 1, -3}));

  ModelBuilder old(10);  // axis exists from opset 13
  old.input("x", {2});
  old.initializer("s", {}, {1.0f});
  attr(old.node("QuantizeLinear", {"x", "s"}, {"q"}, "q"), "axis", std::int64_t{0});
  old.output("q");
  EXPECT_THROW(old.import(), Error);
}

TEST(Ops, QLinearMatMulOnnxExample) {
  // The example of the ONNX operator documentation.
  ModelBuilder m(10);
  m.input("a", {2, 4}, onnx::TensorProto::UINT8);
  m.initializer("a_scale", {}, {0.0066f});
  m.initializer(testing::int32_field_tensor("a_zp", onnx::TensorProto::UINT8, {}, {113}));
  m.initializer(
      testing::int32_field_tensor("b", onnx::TensorProto::UINT8, {4, 3},
                                  {152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247}));
  m.initializer("b_scale", {}, {0.00705f});
  m.initializer(testing::int32_field_tensor("b_zp", onnx::TensorProto::UINT8, {}, {114}));
  m.initializer("y_scale", {}, {0.0107f});
  m.initializer(testing::int32_field_tensor("y_zp", onnx::TensorProto::UINT8, {}, {118}));
  m.node("QLinearMatMul", {"a", "a_scale", "a_zp", "b", "b_scale", "b_zp", "y_scale", "y_zp"},
         {"y"});
  m.output("y");
  const Tensor a{DType::kUInt8, {2, 4}, {208, 236, 0, 238, 3, 214, 255, 29}};
  const Tensor y = run(m, {a});
  EXPECT_EQ(y.dtype, DType::kUInt8);
  EXPECT_EQ(y.data, (std::vector<float>{168, 115, 255, 1, 66, 151}));
}

}  // namespace
}  // namespace zkinfer::model
