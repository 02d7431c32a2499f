// SPDX-License-Identifier: Apache-2.0
// zkinfer prove: prove one inference of a committed model on a private
// input; write the proof and, for the input's owner, the input commitment
// and its salt; optionally append the proof's entry to the audit log.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "audit/store.hpp"
#include "base/atomic_file.hpp"
#include "cli/commands.hpp"
#include "cli/log.hpp"
#include "cli/proof_entry.hpp"
#include "model/int_executor.hpp"
#include "proof/input.hpp"

namespace zkinfer::cli {
namespace {

// A batch file of at most kMaxBatch inputs of a few MB each.
constexpr std::size_t kMaxBatchFileBytes = std::size_t{1} << 30;

struct ProveArgs {
  std::string model;
  std::string input;
  std::string batch;  // JSON lines, one input each
  std::string output;
  std::string opening;
  std::string signer = "zkinfer-prover";
  StoreLocation log;
};

// (where it comes from, the input), from --input or each line of --batch.
std::vector<std::pair<std::string, model::Tensor>> read_inputs(const ProveArgs& args) {
  std::vector<std::pair<std::string, model::Tensor>> inputs;
  if (args.batch.empty()) {
    if (args.input.empty()) fail("prove: give --input FILE or --batch FILE");
    inputs.emplace_back(args.input, proof::read_tensor_json(args.input));
    return inputs;
  }
  const Bytes bytes = read_file(args.batch, kMaxBatchFileBytes);
  std::size_t line_number = 0;
  std::string line;
  for (std::size_t i = 0; i <= bytes.size(); ++i) {
    if (i < bytes.size() && bytes[i] != '\n') {
      line.push_back(static_cast<char>(bytes[i]));
      continue;
    }
    ++line_number;
    if (line.find_first_not_of(" \t\r") != std::string::npos) {
      const std::string what = args.batch + " line " + std::to_string(line_number);
      inputs.emplace_back(what, proof::parse_tensor_json(line, what));
    }
    line.clear();
  }
  if (inputs.empty()) fail(args.batch + ": no inputs");
  if (inputs.size() > proof::kMaxBatch)
    fail(args.batch + ": " + std::to_string(inputs.size()) + " inputs, at most " +
         std::to_string(proof::kMaxBatch) + " per proof");
  return inputs;
}

int run_prove(const ProveArgs& args) {
  const auto begin = std::chrono::steady_clock::now();
  const audit::Timestamp started = audit::system_clock_now();
  std::fprintf(stderr, "loading %s and %s\n", args.model.c_str(),
               (args.batch.empty() ? args.input : args.batch).c_str());
  const proof::ModelPackage package = proof::read_package(args.model);
  const model::QTensor& in = package.model.tensors[package.model.input];
  std::vector<ops::IntTensor> inputs;
  for (const auto& [what, x] : read_inputs(args)) {
    if (ops::element_count(in.shape) != x.data.size())
      fail(what + ": " + std::to_string(x.data.size()) + " values, the model's input " +
           ops::shape_string(in.shape) + " holds " + std::to_string(ops::element_count(in.shape)));
    inputs.push_back(model::quantize_input(package.model, x));
  }

  // The plain integer inference, timed for the prove/inference ratio (its
  // outputs are what the proof must disclose).
  const auto inferring = std::chrono::steady_clock::now();
  std::vector<std::int32_t> plain;
  for (const ops::IntTensor& input : inputs) {
    const auto y = model::execute_quantized(package.model, input).output(package.model).values;
    plain.insert(plain.end(), y.begin(), y.end());
  }
  const double inference_seconds = seconds_since(inferring);

  std::fprintf(stderr, "proving %zu inference%s (zero knowledge)...\n", inputs.size(),
               inputs.size() == 1 ? "" : "s");
  const auto proving = std::chrono::steady_clock::now();
  const proof::ProveResult result = proof::prove_inference(package, inputs);
  const double prove_seconds = seconds_since(proving);
  const Bytes bytes = proof::serialize_proof(result.proof);

  const std::string opening_path =
      args.opening.empty() ? args.output + ".input.json" : args.opening;
  const nlohmann::json opening = {
      {"input_commitment", proof::digest_hex(result.proof.statement.input_commitment)},
      {"salt", proof::digest_hex(result.input_salt)},
      {"note", "the input's owner keeps this: with the input it opens input_commitment"}};
  const std::string opening_text = opening.dump(1) + "\n";
  AtomicBatch batch;
  batch.stage(args.output, bytes);
  batch.stage(
      opening_path,
      ByteSpan(reinterpret_cast<const std::uint8_t*>(opening_text.data()), opening_text.size()),
      0600);
  batch.commit();

  const model::Tensor real = model::dequantize_output(package.model, result.output);
  std::printf("output (quantized): %s\n", nlohmann::json(result.output.values).dump().c_str());
  std::printf("output (real):      %s\n", nlohmann::json(real.data).dump().c_str());
  std::printf("model_id %s\ninput_commitment %s\n",
              proof::digest_hex(result.proof.statement.model_id).c_str(),
              proof::digest_hex(result.proof.statement.input_commitment).c_str());
  std::printf("proved in %.3f s; proof %zu bytes -> %s; input opening -> %s\n", prove_seconds,
              bytes.size(), args.output.c_str(), opening_path.c_str());
  std::printf("plain quantized inference in %.3f ms (prove / inference = %.0f)\n",
              inference_seconds * 1e3, prove_seconds / inference_seconds);
  std::printf("prover phases (ms):");
  for (const auto& [phase, seconds] : result.times.phases())
    std::printf(" %s %.1f;", phase.c_str(), seconds * 1e3);
  std::printf("\n");
  if (inputs.size() > 1)
    std::printf("batch of %zu: %.4f s per inference\n", inputs.size(),
                prove_seconds / static_cast<double>(inputs.size()));
  if (plain != result.output.values)
    fail("prover: the proven output differs from the integer reference executor (a bug)");

  if (!args.log.db.empty() || !args.log.pg.empty()) {
    const audit::Entry entry =
        entry_for_proof(result.proof, bytes, started, audit::system_clock_now(), args.signer);
    const std::uint64_t index = audit::append_entry(*args.log.open(), entry);
    std::printf("logged as entry %llu\n", static_cast<unsigned long long>(index));
  }
  std::fprintf(stderr, "done in %.3f s\n", seconds_since(begin));
  return kExitOk;
}

}  // namespace

void add_prove_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ProveArgs>();
  CLI::App* cmd = app.add_subcommand("prove", "prove one inference in zero knowledge");
  cmd->add_option("--model", args->model, "the private model package (.zkm)")
      ->required()
      ->check(CLI::ExistingFile);
  auto* input =
      cmd->add_option("--input", args->input, "the input, JSON {\"shape\": [...], \"data\": [...]}")
          ->check(CLI::ExistingFile);
  auto* batch = cmd->add_option("--batch", args->batch,
                                "several inputs proven in one proof: JSON lines, one input each")
                    ->check(CLI::ExistingFile);
  input->excludes(batch);
  cmd->add_option("-o,--output", args->output, "the proof file to write (.zkp)")->required();
  cmd->add_option("--opening", args->opening,
                  "where to write the input commitment and its salt (default: OUTPUT.input.json)");
  auto* db =
      cmd->add_option("--log", args->log.db, "append the proof's entry to this SQLite audit log");
  auto* pg = cmd->add_option("--log-pg", args->log.pg,
                             "append it to this PostgreSQL audit log (connection string)");
  cmd->add_option("--log-pg-schema", args->log.pg_schema, "PostgreSQL schema of the log");
  db->excludes(pg);
  cmd->add_option("--signer", args->signer, "identity recorded in the log entry");
  cmd->callback([args, &exit_code] { exit_code = run_prove(*args); });
}

}  // namespace zkinfer::cli
