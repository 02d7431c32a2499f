// SPDX-License-Identifier: Apache-2.0
// zkinfer verify: check a proof of inference against a model card.
#include <cstdio>
#include <memory>
#include <string>

#include "base/atomic_file.hpp"
#include "cli/commands.hpp"
#include "proof/inference.hpp"

namespace zkinfer::cli {
namespace {

// Proofs are hundreds of kilobytes to a few megabytes.
constexpr std::size_t kMaxProofBytes = std::size_t{1} << 30;

int run_verify(const std::string& card_path, const std::string& proof_path) {
  const proof::ModelCard card = proof::read_card(card_path);
  const Bytes bytes = read_file(proof_path, kMaxProofBytes);
  const auto start = std::chrono::steady_clock::now();
  proof::Verdict verdict;
  try {
    verdict = proof::verify_inference(card, proof::parse_proof(bytes));
  } catch (const Error& e) {
    verdict = {false, std::string("malformed proof: ") + e.what()};
  }
  const double seconds = seconds_since(start);
  if (!verdict.accepted) {
    std::printf("REJECT: %s\n", verdict.reason.c_str());
    return kExitRejected;
  }
  std::printf("ACCEPT: model_id %s produced the disclosed output on the committed input\n",
              proof::digest_hex(card.model_id).c_str());
  // The command's time less process start-up and reading the two files.
  std::printf("verified in %.1f ms\n", seconds * 1e3);
  return kExitOk;
}

}  // namespace

void add_verify_command(CLI::App& app, int& exit_code) {
  auto card = std::make_shared<std::string>();
  auto proof_file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("verify", "verify a proof of inference against a model card");
  cmd->add_option("--card", *card, "the certified model card (JSON)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("proof", *proof_file, "the proof (.zkp)")->required()->check(CLI::ExistingFile);
  cmd->callback([=, &exit_code] { exit_code = run_verify(*card, *proof_file); });
}

}  // namespace zkinfer::cli
