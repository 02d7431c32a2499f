// SPDX-License-Identifier: Apache-2.0
// zkinfer commit: quantize a model (or take an already quantized .zq), draw
// its salt, and write the private package and the public model card.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "base/atomic_file.hpp"
#include "cli/commands.hpp"
#include "model/npy.hpp"
#include "model/onnx_import.hpp"
#include "model/quantize.hpp"
#include "proof/model_card.hpp"

namespace zkinfer::cli {
namespace {

struct CommitArgs {
  std::string model;
  std::string calibration;
  std::string output;
  std::string card;
  bool per_tensor = false;
};

model::QuantizedModel load_model(const CommitArgs& args) {
  if (std::filesystem::path(args.model).extension() == ".zq") {
    if (!args.calibration.empty()) fail("--calibration applies to ONNX models, not to a .zq");
    return model::read_quantized_model(args.model);
  }
  if (args.calibration.empty()) fail("an ONNX model needs --calibration (a .npy of inputs)");
  model::ImportOptions import_options;
  import_options.fix_batch_to_one = true;
  const model::Graph graph = model::import_onnx_file(args.model, import_options);
  model::QuantizeOptions options;
  options.per_channel = !args.per_tensor;
  return model::quantize(graph, model::split_samples(graph, model::read_npy(args.calibration)),
                         options);
}

int run_commit(const CommitArgs& args) {
  proof::ModelPackage package{load_model(args), hash::draw_commitment_salt()};
  const proof::ModelCard card = proof::make_card(package);
  const std::string card_path =
      args.card.empty()
          ? (std::filesystem::path(args.output).replace_extension(".card.json")).string()
          : args.card;
  const Bytes package_bytes = proof::serialize_package(package);
  const std::string card_text = proof::card_json(card);
  // Both files or neither.
  AtomicBatch batch;
  batch.stage(args.output, package_bytes, 0600);
  batch.stage(card_path,
              ByteSpan(reinterpret_cast<const std::uint8_t*>(card_text.data()), card_text.size()));
  batch.commit();
  std::printf("model_id %s\narchitecture sha256 %s\n", proof::digest_hex(card.model_id).c_str(),
              hash::to_hex(card.arch_digest).c_str());
  std::printf("wrote %s (private: quantized weights and salt) and %s (public model card)\n",
              args.output.c_str(), card_path.c_str());
  return kExitOk;
}

}  // namespace

void add_commit_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CommitArgs>();
  CLI::App* cmd = app.add_subcommand(
      "commit", "commit to a model: private package (.zkm) and public model card (JSON)");
  cmd->add_option("model", args->model, "float ONNX model, or a quantized model (.zq)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--calibration", args->calibration, "calibration inputs (.npy), for ONNX")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--per-tensor", args->per_tensor,
                "one weight scale per tensor (default: per channel)");
  cmd->add_option("-o,--output", args->output, "the private model package to write (.zkm)")
      ->required();
  cmd->add_option("--card", args->card, "the model card to write (default: OUTPUT.card.json)");
  cmd->callback([args, &exit_code] { exit_code = run_commit(*args); });
}

}  // namespace zkinfer::cli
