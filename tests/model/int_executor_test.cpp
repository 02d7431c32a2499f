// SPDX-License-Identifier: Apache-2.0
// The integer reference executor on a hand-built QuantizedModel whose
// integers are worked out by hand, and its input / output conversions.
#include "model/int_executor.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "base/error.hpp"

namespace zkinfer::model {
namespace {

// x [1, 2] uint8 (scale 1) -> Gemm W [[1, 2], [3, -4]], bias [10, -20], m = 1/2
// (multiplier 2^15, shift 16) -> y int8 -> Reshape [2, 1].
QuantizedModel tiny_model() {
  QuantizedModel q;
  q.tensors = {{"x", {1, 2}, ops::QuantParams::uint8(1.0, 0)},
               {"y", {1, 2}, ops::QuantParams::int8(2.0, 0)},
               {"z", {2, 1}, ops::QuantParams::int8(2.0, 0)}};
  QGemm gemm;
  gemm.weights = ops::IntTensor({2, 2}, {1, 2, 3, -4});
  gemm.bias = {10, -20};
  gemm.weight_scales = {1.0};
  gemm.quant.input_zero_point = 0;
  gemm.quant.rescale = ops::Rescale::per_tensor(0.5, q.tensors[1].quant);
  q.nodes = {{"gemm", gemm, {0}, 1}, {"reshape", QReshape{}, {1}, 2}};
  q.input = 0;
  q.output = 2;
  q.validate();
  return q;
}

TEST(IntExecutor, ComputesHandWorkedIntegers) {
  const QuantizedModel q = tiny_model();
  // acc0 = 5*1 + 7*2 + 10 = 29 -> round(14.5) = 15 (half up);
  // acc1 = 5*3 - 7*4 - 20 = -33 -> round(-16.5) = -16 (half up).
  const IntExecution run = execute_quantized(q, ops::IntTensor({1, 2}, {5, 7}), true);
  EXPECT_EQ(run.tensors[1].values, (std::vector<std::int32_t>{15, -16}));
  EXPECT_EQ(run.output(q).shape, (ops::Shape{2, 1}));
  EXPECT_EQ(run.output(q).values, (std::vector<std::int32_t>{15, -16}));
  const Tensor y = dequantize_output(q, run.output(q));
  EXPECT_EQ(y.shape, (Shape{2, 1}));
  EXPECT_EQ(y.data, (std::vector<float>{30.0f, -32.0f}));
}

TEST(IntExecutor, DropsIntermediatesUnlessAsked) {
  const QuantizedModel q = tiny_model();
  const IntExecution lean = execute_quantized(q, ops::IntTensor({1, 2}, {5, 7}));
  EXPECT_TRUE(lean.tensors[1].values.empty());
  EXPECT_EQ(lean.output(q).values, (std::vector<std::int32_t>{15, -16}));
  EXPECT_EQ(lean.tensors[0].values, (std::vector<std::int32_t>{5, 7}));
}

TEST(IntExecutor, RejectsBadInputs) {
  const QuantizedModel q = tiny_model();
  EXPECT_THROW(execute_quantized(q, ops::IntTensor({2, 1}, {5, 7})), Error);
  EXPECT_THROW(execute_quantized(q, ops::IntTensor({1, 2}, {5, 256})), Error);
  EXPECT_THROW(execute_quantized(q, ops::IntTensor({1, 2}, {-1, 0})), Error);
  EXPECT_THROW(quantize_input(q, Tensor{DType::kFloat32, {3}, {1, 2, 3}}), Error);
  EXPECT_THROW(
      quantize_input(q, Tensor{DType::kFloat32, {2}, {1, std::numeric_limits<float>::quiet_NaN()}}),
      Error);
}

TEST(IntExecutor, QuantizeInputRoundsHalfToEvenAndSaturates) {
  QuantizedModel q = tiny_model();
  q.tensors[0].quant = ops::QuantParams::uint8(0.5, 10);
  // x / 0.5 + 10: 0.25 -> 10.5 -> 10; 0.75 -> 11.5 -> 12; -9 -> -8 -> 0; 200 -> 410 -> 255.
  const Tensor x{DType::kFloat32, {4}, {0.25f, 0.75f, -9.0f, 200.0f}};
  q.tensors[0].shape = {4};
  EXPECT_EQ(quantize_input(q, x).values, (std::vector<std::int32_t>{10, 12, 0, 255}));
}

}  // namespace
}  // namespace zkinfer::model
