// SPDX-License-Identifier: Apache-2.0
// zkinfer quantize: ONNX model + calibration set -> QuantizedModel (.zq), with
// an optional float-vs-quantized report on an evaluation set. An
// already-quantized model (QDQ / QLinear) is converted with its own scales,
// without calibration.
#include "model/quantize.hpp"

#include <cstdio>
#include <memory>
#include <string>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "cli/commands.hpp"
#include "model/npy.hpp"
#include "model/onnx_import.hpp"
#include "model/report.hpp"

namespace zkinfer::cli {
namespace {

struct QuantizeArgs {
  std::string model;
  std::string calibration;
  std::string eval;
  std::string labels;
  std::string json;
  std::string output;
  bool per_tensor = false;
  bool report = false;
};

int run_quantize(const QuantizeArgs& args) {
  model::ImportOptions import_options;
  import_options.fix_batch_to_one = true;
  const model::Graph graph = model::import_onnx_file(args.model, import_options);
  const bool given = model::already_quantized(graph);
  if (given && (!args.calibration.empty() || args.per_tensor))
    fail(args.model +
         " is already quantized and keeps its own scales: --calibration and "
         "--per-tensor do not apply");
  if (!given && args.calibration.empty())
    fail("--calibration is required to quantize the float model " + args.model);
  const std::vector<model::Tensor> calibration =
      given ? std::vector<model::Tensor>{}
            : model::split_samples(graph, model::read_npy(args.calibration));
  model::QuantizeOptions options;
  options.per_channel = !args.per_tensor;
  const model::QuantizedModel quantized = model::quantize(graph, calibration, options);

  model::QuantizationReport report;
  if (!args.eval.empty()) {
    const std::vector<model::Tensor> inputs =
        model::split_samples(graph, model::read_npy(args.eval));
    std::vector<std::int64_t> labels;
    if (!args.labels.empty()) labels = model::read_npy_int64(args.labels).data;
    report = model::evaluate_quantization(graph, quantized, inputs, labels);
  } else {
    report.layers = model::describe_layers(quantized);
  }

  // Everything that can fail runs before the first file is written.
  const Bytes serialized = model::serialize(quantized);
  const std::string json = model::report_json(report);
  if (!args.output.empty()) write_file_atomic(args.output, serialized);
  if (!args.json.empty()) write_file_atomic(args.json, Bytes(json.begin(), json.end()));

  std::printf("quantized %s: %zu nodes, %s weights, architecture sha256 %s\n", args.model.c_str(),
              quantized.nodes.size(),
              given             ? "the model's own"
              : args.per_tensor ? "per-tensor"
                                : "per-channel",
              hash::to_hex(model::architecture_digest(quantized)).c_str());
  if (args.report || !args.eval.empty()) std::printf("%s", model::report_text(report).c_str());
  if (!args.output.empty())
    std::printf("wrote %s (%zu bytes)\n", args.output.c_str(), serialized.size());
  return kExitOk;
}

}  // namespace

void add_quantize_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<QuantizeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "quantize", "quantize a float ONNX model to integers (docs/quantization.md)");
  cmd->add_option("model", args->model, "float ONNX model")->required()->check(CLI::ExistingFile);
  cmd->add_option("--calibration", args->calibration,
                  "calibration inputs (.npy, one sample per row, float32 or uint8); required "
                  "unless the model is already quantized (QDQ / QLinear)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--eval", args->eval, "evaluation inputs (.npy) for the report")
      ->check(CLI::ExistingFile);
  auto* labels = cmd->add_option("--labels", args->labels, "int64 labels (.npy) of --eval")
                     ->check(CLI::ExistingFile);
  labels->needs(cmd->get_option("--eval"));
  cmd->add_flag("--per-tensor", args->per_tensor,
                "one weight scale per tensor (default: per channel)");
  cmd->add_flag("--report", args->report, "print the per-layer table");
  cmd->add_option("--json", args->json, "write the report as JSON to this file");
  cmd->add_option("-o,--output", args->output, "write the quantized model (.zq) to this file");
  cmd->callback([args, &exit_code] { exit_code = run_quantize(*args); });
}

}  // namespace zkinfer::cli
