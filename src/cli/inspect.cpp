// SPDX-License-Identifier: Apache-2.0
// zkinfer inspect: the statement of a proof and the size of its parts.
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/atomic_file.hpp"
#include "cli/commands.hpp"
#include "proof/inference.hpp"

namespace zkinfer::cli {

void add_inspect_command(CLI::App& app, int& exit_code) {
  auto proof_file = std::make_shared<std::string>();
  auto card_file = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("inspect", "show a proof's statement and sizes");
  cmd->add_option("proof", *proof_file, "the proof (.zkp)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--card", *card_file, "model card: also print the soundness of the proof's shape")
      ->check(CLI::ExistingFile);
  cmd->callback([=, &exit_code] {
    const Bytes bytes = read_file(*proof_file, std::size_t{1} << 30);
    const proof::InferenceProof p = proof::parse_proof(bytes);
    std::printf("zkinfer proof, format version %u, %zu bytes\n", proof::kProofFormatVersion,
                bytes.size());
    std::printf("  batch             %u inference%s\n", p.statement.batch,
                p.statement.batch == 1 ? "" : "s");
    std::printf("  model_id          %s\n", proof::digest_hex(p.statement.model_id).c_str());
    std::printf("  architecture      %s\n", hash::to_hex(p.statement.arch_digest).c_str());
    std::printf("  input_commitment  %s\n",
                proof::digest_hex(p.statement.input_commitment).c_str());
    std::printf("  disclosed output  %s\n", nlohmann::json(p.statement.output).dump().c_str());
    std::printf("  commitment root   %s\n", hash::to_hex(p.commitment.root).c_str());
    std::printf("  sub-proofs        %zu bytes\n", p.sub_proofs.size());
    std::printf("  constraint proof  %zu bytes (ZK-Ligero)\n", p.constraint_proof.size());
    if (!card_file->empty()) {
      const proof::InferenceCircuit circuit(proof::read_card(*card_file).architecture,
                                            p.statement.batch);
      std::printf("soundness (bits = -log2 of each error):\n");
      for (const auto& term : circuit.soundness(pcs::Ligero{}))
        std::printf("  %7.1f  %s\n", -std::log2(term.error), term.component.c_str());
    }
    exit_code = kExitOk;
  });
}

}  // namespace zkinfer::cli
