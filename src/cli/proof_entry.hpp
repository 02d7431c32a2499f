// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "audit/entry.hpp"
#include "proof/inference.hpp"

// The glue between a proof of inference and the audit log: the log entry a
// proof becomes, and the check that an entry (from a receipt) describes
// exactly the proof it carries. Here because audit knows nothing of proofs.
namespace zkinfer::cli {

audit::Entry entry_for_proof(const proof::InferenceProof& proof, const Bytes& proof_bytes,
                             audit::Timestamp start, audit::Timestamp end,
                             const std::string& signer);

// Verifies the proof carried by `entry` against `card` and checks that
// every statement field the entry records is the proof's. Error naming the
// first mismatch; false with the reason when the proof is rejected.
proof::Verdict verify_entry_proof(const audit::Entry& entry, const proof::ModelCard& card);

// The disclosed output as the entry records it.
nlohmann::json disclosed_output_json(const proof::Statement& statement);

// A Poseidon2 digest as the 32 bytes an entry records (digest_hex's bytes).
Bytes digest_bytes(const hash::Poseidon2Digest& digest);

}  // namespace zkinfer::cli
