// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/entry.hpp"
#include "audit/log.hpp"
#include "audit/note.hpp"
#include "base/bytes.hpp"

namespace zkinfer::audit {

// A receipt: the offline evidence that an entry is in the log. It is a JSON
// file holding
//   - "envelope": a DSSE envelope (github.com/secure-systems-lab/dsse,
//     protocol v1) with payloadType application/vnd.in-toto+json, signed by
//     the log's Ed25519 key over PAE(payloadType, payload), whose payload is
//     an in-toto Statement v1 (subject: the proof's SHA-256 digest;
//     predicateType kReceiptPredicateType; predicate: the entry JSON);
//   - "log_index", "inclusion_proof" (base64 hashes) and "checkpoint" (the
//     cosigned checkpoint note the proof leads to).
// Specification: docs/audit-log.md, section "Receipts".

inline constexpr std::string_view kInTotoStatementType = "https://in-toto.io/Statement/v1";
inline constexpr std::string_view kInTotoPayloadType = "application/vnd.in-toto+json";
inline constexpr std::string_view kReceiptPredicateType = "https://zkinfer.dev/receipt/v1";
inline constexpr std::string_view kReceiptFormat = "zkinfer-receipt/v1";
inline constexpr std::size_t kMaxReceiptBytes = std::size_t{96} << 20;

// DSSE v1 pre-authentication encoding:
// "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in ASCII decimal.
Bytes dsse_pae(std::string_view payload_type, ByteSpan payload);

// The receipt for entry `index` under the latest published checkpoint of
// `log`, which needs its private key (it signs the envelope). Error if the
// entry is not covered by a published checkpoint or its body was pruned.
std::string export_receipt(TransparencyLog& log, std::uint64_t index);

struct VerifiedReceipt {
  Entry entry;
  std::uint64_t index = 0;
  Checkpoint checkpoint;
};

// Checks a receipt from its bytes alone: the DSSE signature by `log_key`
// (and keyid, when present), the statement's type, predicate type and
// subject (the entry's proof digest), that the predicate is a valid entry in
// canonical form, the checkpoint's log signature and a cosignature from
// every key in `witnesses`, and that the entry's leaf hash is included under
// the checkpoint root at `log_index`. Throws Error naming the first failure.
//
// It does NOT verify the zero-knowledge proof the entry carries against the
// model card: that check belongs to the proof layer and is to be added as a
// separate step on the returned entry (entry.proof) once the prover exists.
VerifiedReceipt verify_receipt(std::string_view receipt_json, const NoteVerifierKey& log_key,
                               std::span<const NoteVerifierKey> witnesses = {});

}  // namespace zkinfer::audit
