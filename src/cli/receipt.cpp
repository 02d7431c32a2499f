// SPDX-License-Identifier: Apache-2.0
#include "audit/receipt.hpp"

#include <cstdio>

#include "base/error.hpp"
#include "cli/commands.hpp"
#include "cli/log.hpp"
#include "cli/proof_entry.hpp"

namespace zkinfer::cli {
namespace {

void add_export(CLI::App& receipt, int& exit_code) {
  auto* cmd = receipt.add_subcommand("export", "write the receipt of entry N");
  auto location = std::make_shared<StoreLocation>();
  auto index = std::make_shared<std::uint64_t>();
  auto key = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  location->add_options(*cmd);
  cmd->add_option("N", *index, "entry index")->required();
  cmd->add_option("--key", *key, "the log's private key file (signs the envelope)")->required();
  cmd->add_option("-o,--out", *out, "receipt file to write")->required();
  cmd->callback([=, &exit_code] {
    const audit::NoteSignerKey signer = load_signer_key(*key);
    audit::TransparencyLog log(location->open(), signer.verifier(), signer);
    write_text_atomic(*out, audit::export_receipt(log, *index));
    exit_code = kExitOk;
  });
}

void add_verify(CLI::App& receipt, int& exit_code) {
  auto* cmd = receipt.add_subcommand("verify", "verify a receipt offline");
  auto file = std::make_shared<std::string>();
  auto log_key = std::make_shared<std::string>();
  auto witnesses = std::make_shared<std::vector<std::string>>();
  auto card = std::make_shared<std::string>();
  cmd->add_option("FILE", *file, "receipt file")->required();
  cmd->add_option("--card", *card,
                  "model card: also verify the zero-knowledge proof the entry carries")
      ->check(CLI::ExistingFile);
  cmd->add_option("--log-key", *log_key, "the log's verifier key (or file)")->required();
  add_key_list(*cmd, "--witness", *witnesses, "verifier key of a witness that must have cosigned");
  cmd->callback([=, &exit_code] {
    const std::string text = read_text(*file);
    const audit::NoteVerifierKey key = load_verifier_key(*log_key);
    const std::vector<audit::NoteVerifierKey> witness_keys = load_verifier_keys(*witnesses);
    try {
      const audit::VerifiedReceipt v = audit::verify_receipt(text, key, witness_keys);
      std::string proof_status = "the embedded proof was not checked (no --card)";
      if (!card->empty()) {
        const proof::Verdict verdict = verify_entry_proof(v.entry, proof::read_card(*card));
        if (!verdict.accepted) fail("the embedded proof is rejected: " + verdict.reason);
        proof_status = "its zero-knowledge proof verifies against the model card";
      }
      std::printf("ok: entry %llu is in %s at tree size %llu; %s\n",
                  static_cast<unsigned long long>(v.index), v.checkpoint.origin.c_str(),
                  static_cast<unsigned long long>(v.checkpoint.size), proof_status.c_str());
      exit_code = kExitOk;
    } catch (const Error& e) {
      std::printf("rejected: %s\n", e.what());
      exit_code = kExitRejected;
    }
  });
}

}  // namespace

void add_receipt_command(CLI::App& app, int& exit_code) {
  auto* receipt = app.add_subcommand("receipt", "export and verify proof receipts");
  receipt->require_subcommand(1);
  add_export(*receipt, exit_code);
  add_verify(*receipt, exit_code);
}

}  // namespace zkinfer::cli
