// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/note.hpp"
#include "audit/rfc9162.hpp"

namespace zkinfer::audit {

// A transparency-log witness (c2sp.org/tlog-witness, add-checkpoint): it
// remembers the latest checkpoint it cosigned for each log and cosigns a new
// one (c2sp.org/tlog-cosignature, cosignature/v1) only after checking the
// log's signature and a consistency proof from that checkpoint. A log that
// shows different trees to different readers (a split view) or rewrites its
// history cannot get both versions past the same witness.

// The add-checkpoint request body: "old <size>\n", up to 63 base64
// consistency-proof lines, a blank line, then the signed checkpoint.
struct AddCheckpointRequest {
  std::uint64_t old_size = 0;
  std::vector<Digest> consistency_proof;
  std::string checkpoint;
};

inline constexpr std::size_t kMaxRequestProofLines = 63;

AddCheckpointRequest parse_add_checkpoint_request(std::string_view body);
std::string format_add_checkpoint_request(const AddCheckpointRequest& request);

class Witness {
 public:
  // `key` is the witness's cosignature/v1 key; `logs` the Ed25519 keys of the
  // logs it follows, each named after its log's origin. The state lives in
  // `state_file` (created on the first cosignature) and `state_file`.lock.
  Witness(NoteSignerKey key, std::vector<NoteVerifierKey> logs, std::filesystem::path state_file);

  // Checks, in the order of the spec, and throws Error naming the failure:
  // the origin is a known log; the log's signature verifies; old_size does
  // not exceed the new size; old_size is the size this witness last cosigned
  // for the origin (0 if none; otherwise a conflict: the message carries the
  // witness's size so the log can retry); the consistency proof from that
  // checkpoint verifies (empty from size 0); at equal sizes the roots are
  // equal. Only then is the new checkpoint recorded (durably) and its
  // cosignature at POSIX time `now` returned. Reading, checking and
  // recording happen under an exclusive lock on the state, so concurrent
  // requests (threads or processes) can never roll the state back.
  NoteSignature add_checkpoint(const AddCheckpointRequest& request, std::uint64_t now);

  // The latest cosigned checkpoint for `origin`, if any.
  std::optional<Checkpoint> latest(std::string_view origin) const;
  NoteVerifierKey verifier() const { return key_.verifier(); }

 private:
  NoteSignerKey key_;
  std::vector<NoteVerifierKey> logs_;
  std::filesystem::path state_file_;
};

// Log side: adds the cosignatures in a witness's response (signature lines)
// to a signed checkpoint. Each one is verified against `witnesses` first;
// lines from unknown keys are dropped, an invalid one from a known key is an
// Error. A cosignature replaces an earlier one by the same witness.
std::string attach_cosignatures(std::string_view signed_checkpoint, std::string_view response,
                                std::span<const NoteVerifierKey> witnesses);

}  // namespace zkinfer::audit
