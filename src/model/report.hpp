// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "model/graph.hpp"
#include "model/quantized_model.hpp"

namespace zkinfer::model {

// How much a quantized model departs from its float graph on an evaluation
// set, and what each quantized layer looks like.

struct LayerReport {
  std::string name;
  std::string op;
  double output_scale = 0;
  std::int32_t output_zero_point = 0;
  std::int32_t output_lo = 0, output_hi = 0;
  bool has_weights = false;
  double weight_scale_min = 0, weight_scale_max = 0;
  bool has_requant = false;
  std::int32_t multiplier_min = 0, multiplier_max = 0;
  std::int32_t shift_min = 0, shift_max = 0;
};

struct QuantizationReport {
  std::size_t samples = 0;
  std::size_t top1_agreements = 0;  // float and quantized argmax equal
  bool has_labels = false;
  std::size_t float_correct = 0;
  std::size_t quantized_correct = 0;
  double max_abs_error = 0;  // |dequantized output - float output|, over all outputs
  double mean_abs_error = 0;
  std::vector<LayerReport> layers;

  double agreement() const { return samples ? double(top1_agreements) / double(samples) : 0; }
};

std::vector<LayerReport> describe_layers(const QuantizedModel& model);

// Runs both models on every input (float samples in the graph input's
// shape). `labels`: empty, or one class per input. Argmax ties go to the
// lowest index in both models.
QuantizationReport evaluate_quantization(const Graph& graph, const QuantizedModel& model,
                                         std::span<const Tensor> inputs,
                                         std::span<const std::int64_t> labels = {});

std::string report_text(const QuantizationReport& report);
std::string report_json(const QuantizationReport& report);

}  // namespace zkinfer::model
