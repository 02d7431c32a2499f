// SPDX-License-Identifier: Apache-2.0
#include "model/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

#include "base/error.hpp"
#include "model/executor.hpp"
#include "model/int_executor.hpp"

namespace zkinfer::model {
namespace {

std::size_t argmax(std::span<const float> v) {
  return static_cast<std::size_t>(std::max_element(v.begin(), v.end()) - v.begin());
}

void weight_columns(LayerReport& row, const std::vector<double>& scales) {
  row.has_weights = true;
  const auto [smin, smax] = std::minmax_element(scales.begin(), scales.end());
  row.weight_scale_min = *smin;
  row.weight_scale_max = *smax;
}

void requant_columns(LayerReport& row, const ops::Rescale& rescale) {
  row.has_requant = true;
  row.multiplier_min = row.shift_min = std::numeric_limits<std::int32_t>::max();
  row.multiplier_max = row.shift_max = std::numeric_limits<std::int32_t>::min();
  for (const ops::Requant& r : rescale.requants) {
    row.multiplier_min = std::min(row.multiplier_min, r.multiplier);
    row.multiplier_max = std::max(row.multiplier_max, r.multiplier);
    row.shift_min = std::min(row.shift_min, r.shift);
    row.shift_max = std::max(row.shift_max, r.shift);
  }
}

}  // namespace

std::vector<LayerReport> describe_layers(const QuantizedModel& model) {
  std::vector<LayerReport> rows;
  for (const QNode& node : model.nodes) {
    LayerReport row;
    row.name = node.name;
    row.op = op_name(node.op);
    const ops::QuantParams& q = model.tensors[node.output].quant;
    row.output_scale = q.scale;
    row.output_zero_point = q.zero_point;
    row.output_lo = q.lo;
    row.output_hi = q.hi;
    if (const auto* g = std::get_if<QGemm>(&node.op)) {
      weight_columns(row, g->weight_scales);
      requant_columns(row, g->quant.rescale);
    } else if (const auto* c = std::get_if<QConv>(&node.op)) {
      weight_columns(row, c->weight_scales);
      requant_columns(row, c->params.quant.rescale);
    } else if (const auto* r = std::get_if<QRequantize>(&node.op)) {
      requant_columns(row, r->rescale);
    }
    rows.push_back(row);
  }
  return rows;
}

QuantizationReport evaluate_quantization(const Graph& graph, const QuantizedModel& model,
                                         std::span<const Tensor> inputs,
                                         std::span<const std::int64_t> labels) {
  if (!labels.empty() && labels.size() != inputs.size())
    fail("evaluation set: " + std::to_string(labels.size()) + " labels for " +
         std::to_string(inputs.size()) + " inputs");
  QuantizationReport report;
  report.samples = inputs.size();
  report.has_labels = !labels.empty();
  report.layers = describe_layers(model);
  double error_sum = 0;
  std::size_t error_count = 0;
  for (std::size_t s = 0; s < inputs.size(); ++s) {
    const std::vector<Tensor> expected = execute(graph, inputs.subspan(s, 1));
    const IntExecution run = execute_quantized(model, quantize_input(model, inputs[s]));
    const Tensor got = dequantize_output(model, run.output(model));
    const std::vector<float>& ref = expected.at(0).data;
    if (ref.size() != got.data.size()) fail("float and quantized outputs differ in size");
    for (std::size_t i = 0; i < ref.size(); ++i) {
      const double e = std::abs(static_cast<double>(ref[i]) - got.data[i]);
      report.max_abs_error = std::max(report.max_abs_error, e);
      error_sum += e;
      ++error_count;
    }
    const std::size_t float_class = argmax(ref);
    const std::size_t quant_class = argmax(got.data);
    report.top1_agreements += float_class == quant_class ? 1 : 0;
    if (report.has_labels) {
      const auto label = static_cast<std::size_t>(labels[s]);
      report.float_correct += float_class == label ? 1 : 0;
      report.quantized_correct += quant_class == label ? 1 : 0;
    }
  }
  report.mean_abs_error = error_count ? error_sum / double(error_count) : 0;
  return report;
}

std::string report_text(const QuantizationReport& r) {
  std::ostringstream out;
  char buf[512];
  const double n = r.samples ? double(r.samples) : 1.0;
  if (r.samples > 0) {  // without an evaluation set: the layer table only
    std::snprintf(buf, sizeof buf,
                  "samples %zu\ntop-1 agreement float vs quantized: %.4f (%zu/%zu)\n", r.samples,
                  r.agreement(), r.top1_agreements, r.samples);
    out << buf;
    if (r.has_labels) {
      std::snprintf(buf, sizeof buf, "top-1 accuracy: float %.4f, quantized %.4f\n",
                    double(r.float_correct) / n, double(r.quantized_correct) / n);
      out << buf;
    }
    std::snprintf(buf, sizeof buf, "output error (dequantized): max %.6g, mean %.6g\n\n",
                  r.max_abs_error, r.mean_abs_error);
    out << buf;
  }
  std::snprintf(buf, sizeof buf, "%-24s %-10s %-12s %-5s %-15s %-23s %-13s %s\n", "layer", "op",
                "out scale", "zp", "range", "weight scales", "multiplier", "shift");
  out << buf;
  for (const LayerReport& l : r.layers) {
    char weights[64] = "-", mult[32] = "-", shift[32] = "-", range[32];
    if (l.has_weights)
      std::snprintf(weights, sizeof weights, "%.3g..%.3g", l.weight_scale_min, l.weight_scale_max);
    if (l.has_requant) {
      std::snprintf(mult, sizeof mult, "%d..%d", l.multiplier_min, l.multiplier_max);
      std::snprintf(shift, sizeof shift, "%d..%d", l.shift_min, l.shift_max);
    }
    std::snprintf(range, sizeof range, "[%d,%d]", l.output_lo, l.output_hi);
    std::snprintf(buf, sizeof buf, "%-24.24s %-10s %-12.5g %-5d %-15s %-23s %-13s %s\n",
                  l.name.c_str(), l.op.c_str(), l.output_scale, l.output_zero_point, range, weights,
                  mult, shift);
    out << buf;
  }
  return out.str();
}

std::string report_json(const QuantizationReport& r) {
  std::ostringstream out;
  out.precision(17);
  const double n = r.samples ? double(r.samples) : 1.0;
  out << "{\n  \"samples\": " << r.samples << ",\n  \"top1_agreement\": " << r.agreement()
      << ",\n  \"top1_agreements\": " << r.top1_agreements;
  if (r.has_labels)
    out << ",\n  \"float_accuracy\": " << double(r.float_correct) / n
        << ",\n  \"quantized_accuracy\": " << double(r.quantized_correct) / n;
  out << ",\n  \"max_abs_error\": " << r.max_abs_error
      << ",\n  \"mean_abs_error\": " << r.mean_abs_error << ",\n  \"layers\": [";
  for (std::size_t i = 0; i < r.layers.size(); ++i) {
    const LayerReport& l = r.layers[i];
    out << (i ? "," : "") << "\n    {\"name\": " << json_string(l.name) << ", \"op\": \"" << l.op
        << "\", \"output_scale\": " << l.output_scale
        << ", \"output_zero_point\": " << l.output_zero_point << ", \"output_lo\": " << l.output_lo
        << ", \"output_hi\": " << l.output_hi;
    if (l.has_weights)
      out << ", \"weight_scale_min\": " << l.weight_scale_min
          << ", \"weight_scale_max\": " << l.weight_scale_max;
    if (l.has_requant)
      out << ", \"multiplier_min\": " << l.multiplier_min
          << ", \"multiplier_max\": " << l.multiplier_max << ", \"shift_min\": " << l.shift_min
          << ", \"shift_max\": " << l.shift_max;
    out << '}';
  }
  out << "\n  ]\n}\n";
  return out.str();
}

}  // namespace zkinfer::model
