// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.hpp"
#include "hash/sha256.hpp"

namespace zkinfer::audit {

// One log entry: the record of one use of a certified model (EU AI Act
// Art. 12), carrying the zero-knowledge proof of that use. Nothing personal
// ever enters it: the input is present only as a salted commitment. The
// schema and its canonical encoding are specified in docs/audit-storage.md.

// UTC, millisecond resolution, POSIX time (no leap seconds).
using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// The one RFC 3339 form the log writes and accepts: "YYYY-MM-DDTHH:MM:SS.mmmZ",
// years 0000-9999. `field` names the value in error messages.
std::string format_timestamp(Timestamp t);
Timestamp parse_timestamp(std::string_view text, std::string_view field);

inline std::int64_t to_unix_ms(Timestamp t) {
  return t.time_since_epoch().count();
}
inline Timestamp from_unix_ms(std::int64_t ms) {
  return Timestamp(std::chrono::milliseconds(ms));
}

inline constexpr std::uint32_t kEntryFormatVersion = 1;
// Larger proofs belong in content-addressed storage (ProofReference::address).
inline constexpr std::size_t kMaxEntryBytes = std::size_t{64} << 20;
// model_id, arch_digest and input_commitment are digests or commitments: at
// least 128 bits (anything shorter cannot be binding), at most 512.
inline constexpr std::size_t kMinCommitmentBytes = 16;
inline constexpr std::size_t kMaxCommitmentBytes = 64;

struct ProofReference {
  hash::Digest digest;                 // SHA-256 of the serialized proof
  std::optional<Bytes> bytes;          // the proof itself (base64 in the entry), or
  std::optional<std::string> address;  // where to fetch it, e.g. "sha256:<hex>" or a URI
  bool operator==(const ProofReference&) const = default;
};

struct ProverSettings {
  std::uint32_t proof_format_version = 0;
  std::string software;     // e.g. "zkinfer 0.1.0"
  std::uint32_t ranks = 1;  // MPI world size (the proof shape may depend on it)
  std::uint32_t threads = 1;
  bool operator==(const ProverSettings&) const = default;
};

struct Entry {
  Timestamp start_time{};
  Timestamp end_time{};  // >= start_time
  Bytes model_id;
  Bytes arch_digest;
  Bytes input_commitment;           // salted: Poseidon2(salt_in ‖ input)
  nlohmann::json disclosed_output;  // any JSON value; numbers must be finite
  nlohmann::json policy;            // a policy object, or a non-empty policy id string
  ProofReference proof;
  ProverSettings prover;
  // Art. 14(5): the natural persons who verified the result (biometric
  // identification needs two). Use pseudonymous staff ids: the log is immutable.
  std::vector<std::string> human_verifiers;
  std::optional<std::string> reference_database;  // the reference database checked
  std::string signer;                             // identity of the party that submitted the entry
  bool operator==(const Entry&) const = default;
};

// Canonical bytes: UTF-8 JSON, object keys sorted, no whitespace, optional
// fields omitted when absent, hex lowercase, base64 padded. Equal entries
// always give identical bytes. Throws Error naming the field if the entry
// is invalid, so nothing invalid is ever serialized.
Bytes serialize_entry(const Entry& entry);

// Strict inverse of serialize_entry: rejects with an Error naming the
// problem any input that is not the canonical serialization of a valid entry
// (unknown or missing fields, wrong types, bad hex or times, a proof that
// does not match its digest, whitespace, unsorted keys, ...).
Entry parse_entry(ByteSpan bytes);

// RFC 9162 section 2.1.1 leaf hash of an entry: SHA-256(0x00 ‖ entry bytes).
// (Local to the storage layer; the Merkle tree code computes the same.)
hash::Digest entry_leaf_hash(ByteSpan entry_bytes);

}  // namespace zkinfer::audit
