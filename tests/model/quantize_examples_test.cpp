// SPDX-License-Identifier: Apache-2.0
// Every example model imports, quantizes with its calibration set and keeps
// at least 99% top-1 agreement with the float graph on its committed test set.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "model/int_executor.hpp"
#include "model/npy.hpp"
#include "model/onnx_import.hpp"
#include "model/quantize.hpp"
#include "model/report.hpp"
#include "support/examples.hpp"

namespace zkinfer::model {
namespace {

struct Example {
  const char* model;
  const char* calibration;
  const char* inputs;
  const char* labels;
};

class ExampleModel : public ::testing::TestWithParam<Example> {};

TEST_P(ExampleModel, QuantizedAgreesWithFloat) {
  const Example& e = GetParam();
  const auto path = zkinfer::testing::example_path;
  const Graph graph = import_onnx_file(path(e.model));
  const std::vector<Tensor> calibration = split_samples(graph, read_npy(path(e.calibration)));
  const std::vector<Tensor> inputs = split_samples(graph, read_npy(path(e.inputs)));
  const Int64Array labels = read_npy_int64(path(e.labels));

  for (const bool per_channel : {true, false}) {
    QuantizeOptions options;
    options.per_channel = per_channel;
    const QuantizedModel q = quantize(graph, calibration, options);
    const QuantizationReport report = evaluate_quantization(graph, q, inputs, labels.data);
    std::printf("%s (%s weights)\n%s\n", e.model, per_channel ? "per-channel" : "per-tensor",
                report_text(report).c_str());
    EXPECT_EQ(report.samples, inputs.size());
    if (per_channel) {
      EXPECT_GE(report.agreement(), 0.99) << e.model;
    }
    // Quantization may cost accuracy, but not much: at most 1.5 points here.
    EXPECT_GE(report.quantized_correct + report.samples * 15 / 1000, report.float_correct);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Examples, ExampleModel,
    ::testing::Values(Example{"fashion_mnist/mlp.onnx", "fashion_mnist/calibration.npy",
                              "fashion_mnist/test_images.npy", "fashion_mnist/test_labels.npy"},
                      Example{"fashion_mnist/lenet.onnx", "fashion_mnist/calibration.npy",
                              "fashion_mnist/test_images.npy", "fashion_mnist/test_labels.npy"},
                      Example{"breast_cancer/mlp.onnx", "breast_cancer/calibration.npy",
                              "breast_cancer/test_features.npy", "breast_cancer/test_labels.npy"},
                      Example{"credit/credit_mlp.onnx", "credit/calibration.npy",
                              "credit/applicants_test.npy", "credit/labels_test.npy"},
                      Example{"credit/credit_mlp_no_protected.onnx", "credit/calibration.npy",
                              "credit/applicants_test.npy", "credit/labels_test.npy"}));

}  // namespace
}  // namespace zkinfer::model
