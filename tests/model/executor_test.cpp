// SPDX-License-Identifier: Apache-2.0
// Float executor: input validation (every rejection names the input) and
// determinism across OpenMP thread counts.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "base/error.hpp"
#include "model/onnx_builder.hpp"

namespace zkinfer::model {
namespace {

using testing::attr;
using testing::Dims;
using testing::float_input;
using testing::ModelBuilder;
using testing::random_floats;

std::string run_error(const Graph& g, std::vector<Tensor> inputs) {
  try {
    execute(g, inputs);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "execution succeeded";
  return {};
}

Graph relu_graph(onnx::TensorProto::DataType type = onnx::TensorProto::FLOAT) {
  ModelBuilder m;
  m.input("x", {2, 3}, type);
  m.node(type == onnx::TensorProto::FLOAT ? "Relu" : "Identity", {"x"}, {"y"});
  m.output("y");
  return m.import();
}

TEST(Executor, RejectsWrongInputs) {
  const Graph g = relu_graph();
  EXPECT_EQ(run_error(g, {}), "the model takes 1 inputs, got 0");
  EXPECT_EQ(run_error(g, {float_input({3, 2}, std::vector<float>(6))}),
            "input 'x' has shape [3,2], expected [2,3]");
  EXPECT_EQ(run_error(g, {Tensor{DType::kUInt8, {2, 3}, std::vector<float>(6)}}),
            "input 'x' has dtype uint8, expected float32");
  EXPECT_EQ(run_error(g, {float_input({2, 3}, std::vector<float>(5))}),
            "input 'x' has 5 elements, its shape needs 6");
}

// Non-finite floats are rejected: the quantizer has no code for them and in
// a calibration or evaluation set they are a data error.
TEST(Executor, RejectsNaNAndInfinity) {
  const Graph g = relu_graph();
  std::vector<float> x(6, 1.0f);
  x[4] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(run_error(g, {float_input({2, 3}, x)}), "input 'x' element 4 is NaN");
  x[4] = -std::numeric_limits<float>::infinity();
  EXPECT_EQ(run_error(g, {float_input({2, 3}, x)}), "input 'x' element 4 is infinite");
}

TEST(Executor, RejectsIntegerInputsOutOfRange) {
  const Graph g = relu_graph(onnx::TensorProto::UINT8);
  EXPECT_NO_THROW(execute(g, std::vector{Tensor{DType::kUInt8, {2, 3}, {0, 1, 2, 3, 254, 255}}}));
  EXPECT_NE(run_error(g, {Tensor{DType::kUInt8, {2, 3}, {0, 1, 2, 3, 4, 256}}})
                .find("element 5 (256.000000) is not a valid uint8"),
            std::string::npos);
  EXPECT_NE(run_error(g, {Tensor{DType::kUInt8, {2, 3}, {0, 1.5f, 2, 3, 4, 5}}})
                .find("element 1 (1.500000) is not a valid uint8"),
            std::string::npos);
}

TEST(Executor, ObserverSeesInputsAndEveryNodeOutput) {
  ModelBuilder m;
  m.input("x", {2});
  m.initializer("c", {2}, {1, 1});
  m.node("Add", {"x", "c"}, {"a"});
  m.node("Relu", {"a"}, {"y"});
  m.output("y");
  const Graph g = m.import();
  std::vector<std::string> seen;
  execute(g, std::vector{float_input({2}, {-3, 3})}, [&](ValueId id, TensorView v) {
    seen.push_back(g.value(id).name + "=" + std::to_string(v.data[0]));
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"x=-3.000000", "a=-2.000000", "y=0.000000"}));
}

// Results must not depend on the number of threads: the reference the
// quantization report and the prover compare against is one function.
TEST(Executor, BitIdenticalAcrossThreadCounts) {
  ModelBuilder m;
  m.input("x", {2, 16, 24, 24});
  m.initializer("w", {32, 16, 3, 3}, random_floats(32 * 16 * 9, 1));
  m.initializer("b", {32}, random_floats(32, 2));
  attr(m.node("Conv", {"x", "w", "b"}, {"c"}), "pads", Dims{1, 1, 1, 1});
  attr(m.node("MaxPool", {"c"}, {"p"}), "kernel_shape", Dims{2, 2});
  m.node("Flatten", {"p"}, {"f"});
  m.initializer("fc", {32 * 23 * 23, 64}, random_floats(32 * 23 * 23 * 64, 3));
  m.node("MatMul", {"f", "fc"}, {"y"});
  m.output("y");
  const Graph g = m.import();
  EXPECT_GT(estimated_work(g), 1000000u);
  const std::vector<Tensor> in = {float_input({2, 16, 24, 24}, random_floats(2 * 16 * 24 * 24, 4))};
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto one = execute(g, in);
  omp_set_num_threads(std::max(2, threads));
  const auto many = execute(g, in);
  omp_set_num_threads(threads);
  ASSERT_EQ(one[0].data.size(), many[0].data.size());
  EXPECT_EQ(0, std::memcmp(one[0].data.data(), many[0].data.data(), one[0].data.size() * 4));
}

}  // namespace
}  // namespace zkinfer::model
