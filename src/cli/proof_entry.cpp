// SPDX-License-Identifier: Apache-2.0
#include "cli/proof_entry.hpp"

#include <omp.h>

#include "base/error.hpp"
#include "base/hex.hpp"

namespace zkinfer::cli {

Bytes digest_bytes(const hash::Poseidon2Digest& digest) {
  return hex_decode(proof::digest_hex(digest), "digest");
}

nlohmann::json disclosed_output_json(const proof::Statement& statement) {
  return {{"quantized_output", statement.output}};
}

audit::Entry entry_for_proof(const proof::InferenceProof& proof, const Bytes& proof_bytes,
                             audit::Timestamp start, audit::Timestamp end,
                             const std::string& signer) {
  audit::Entry e;
  e.start_time = start;
  e.end_time = end;
  e.model_id = digest_bytes(proof.statement.model_id);
  e.arch_digest.assign(proof.statement.arch_digest.bytes.begin(),
                       proof.statement.arch_digest.bytes.end());
  e.input_commitment = digest_bytes(proof.statement.input_commitment);
  e.disclosed_output = disclosed_output_json(proof.statement);
  e.policy = "disclose-output";
  e.proof.bytes = proof_bytes;
  e.proof.digest = hash::sha256(proof_bytes);
  e.prover = audit::ProverSettings{proof::kProofFormatVersion, "zkinfer 0.1.0", 1,
                                   static_cast<std::uint32_t>(omp_get_max_threads())};
  e.signer = signer;
  return e;
}

proof::Verdict verify_entry_proof(const audit::Entry& entry, const proof::ModelCard& card) {
  if (!entry.proof.bytes) fail("the entry stores its proof by address only; no proof to check");
  const proof::InferenceProof proof = proof::parse_proof(*entry.proof.bytes);
  const proof::Statement& s = proof.statement;
  if (entry.model_id != digest_bytes(s.model_id)) fail("entry model_id differs from the proof's");
  if (entry.arch_digest != Bytes(s.arch_digest.bytes.begin(), s.arch_digest.bytes.end()))
    fail("entry architecture digest differs from the proof's");
  if (entry.input_commitment != digest_bytes(s.input_commitment))
    fail("entry input commitment differs from the proof's");
  if (entry.disclosed_output != disclosed_output_json(s))
    fail("entry disclosed output differs from the proof's");
  return proof::verify_inference(card, proof);
}

}  // namespace zkinfer::cli
