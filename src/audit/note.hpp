// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/ed25519.hpp"
#include "base/bytes.hpp"
#include "hash/sha256.hpp"

namespace zkinfer::audit {

// C2SP signed notes (c2sp.org/signed-note), the checkpoints written in them
// (c2sp.org/tlog-checkpoint) and Ed25519 witness cosignatures
// (c2sp.org/tlog-cosignature, cosignature/v1). Parsing is strict: anything
// the specifications do not allow is an Error naming the offending part.

// Signature type bytes assigned by signed-note; they enter the key ID.
enum class NoteKeyType : std::uint8_t {
  kEd25519 = 0x01,        // plain Ed25519 over the note text (log keys)
  kCosignatureV1 = 0x04,  // timestamped Ed25519 witness cosignature
};

// SHA-256(name ‖ "\n" ‖ type ‖ public key)[:4], read big-endian.
std::uint32_t note_key_id(std::string_view name, NoteKeyType type, const Ed25519PublicKey& key);

// Key names are non-empty valid UTF-8 without Unicode spaces, '+' or
// control characters.
bool is_valid_key_name(std::string_view name);

// A public key a verifier trusts, written as the verifier key string
// "<name>+<8 hex digits key ID>+<base64(type ‖ 32-byte public key)>".
struct NoteVerifierKey {
  std::string name;
  NoteKeyType type = NoteKeyType::kEd25519;
  Ed25519PublicKey key;

  std::uint32_t key_id() const { return note_key_id(name, type, key); }
  bool operator==(const NoteVerifierKey&) const = default;
};

NoteVerifierKey parse_verifier_key(std::string_view text);
std::string format_verifier_key(const NoteVerifierKey& key);

// The matching private key in the string form of Go's golang.org/x/mod/sumdb/note
// ("PRIVATE+KEY+<name>+<key ID>+<base64(type ‖ seed)>"), so keys made by the
// Go tools work here.
struct NoteSignerKey {
  std::string name;
  NoteKeyType type = NoteKeyType::kEd25519;
  Ed25519PrivateKey key;

  NoteVerifierKey verifier() const { return {name, type, key.public_key()}; }
};

NoteSignerKey parse_signer_key(std::string_view text);
std::string format_signer_key(const NoteSignerKey& key);

struct NoteSignature {
  std::string name;
  std::uint32_t key_id = 0;
  Bytes signature;  // the bytes after the key ID
  bool operator==(const NoteSignature&) const = default;
};

struct SignedNote {
  std::string text;  // the signed text, ending in a newline
  std::vector<NoteSignature> signatures;
  bool operator==(const SignedNote&) const = default;
};

// The spec asks verifiers to accept at least 16; more is refused as abuse.
inline constexpr std::size_t kMaxNoteSignatures = 100;

// Strict parsing: valid UTF-8 without control characters other than
// newline, the text separated from one or more signature lines by the last
// blank line, each line "— <name> <base64(key ID ‖ signature)>", at most one
// signature per (name, key ID).
SignedNote parse_note(std::string_view message);
std::string format_note(const SignedNote& note);
// One "— <name> <base64>\n" line, e.g. a witness's response body.
std::string format_signature_line(const NoteSignature& signature);

// Signs `text` with a plain Ed25519 note signature.
NoteSignature sign_note(std::string_view text, const NoteSignerKey& signer);

// The message an Ed25519 cosignature/v1 signs: "cosignature/v1\n",
// "time <timestamp>\n", then the whole checkpoint text.
std::string cosignature_message(std::string_view checkpoint_text, std::uint64_t timestamp);
// A cosignature/v1 over `checkpoint_text` at POSIX time `timestamp`
// (<= 2^63 - 1): signature bytes are the big-endian timestamp and the
// Ed25519 signature. The signer's type must be kCosignatureV1.
NoteSignature cosign_note(std::string_view checkpoint_text, const NoteSignerKey& signer,
                          std::uint64_t timestamp);

struct VerifiedSignature {
  NoteVerifierKey key;
  std::optional<std::uint64_t> timestamp;  // cosignatures only
};

// Verifies a note against the keys the caller trusts, following the spec:
// signatures from unknown keys (no known key with that name and key ID) are
// ignored; a signature from a known key that fails is an Error for the whole
// note; a note with no valid signature from a known key is an Error. Returns
// the valid signatures in note order.
std::vector<VerifiedSignature> verify_note(const SignedNote& note,
                                           std::span<const NoteVerifierKey> known);

// The body of a checkpoint: origin line, tree size, base64 root hash and
// optional extension lines.
struct Checkpoint {
  std::string origin;
  std::uint64_t size = 0;
  hash::Digest root;
  std::vector<std::string> extensions;
  bool operator==(const Checkpoint&) const = default;
};

Checkpoint parse_checkpoint(std::string_view text);
// A tree size as checkpoints and witness requests write it: ASCII decimal,
// no sign, no leading zeros (except "0"), at most 2^64 - 1.
std::uint64_t parse_tree_size(std::string_view digits, const char* what);
std::string format_checkpoint(const Checkpoint& checkpoint);

// A checkpoint whose log signature verified.
struct OpenedCheckpoint {
  Checkpoint checkpoint;
  SignedNote note;
  std::vector<VerifiedSignature> cosignatures;  // valid ones from `witnesses`
};

// Parses a signed checkpoint and requires a valid Ed25519 signature by
// `log_key`, whose name must be the checkpoint's origin (so one log key can
// never speak for another origin). Signatures by `witnesses` are verified
// too and returned; any other signature is ignored.
OpenedCheckpoint open_checkpoint(std::string_view message, const NoteVerifierKey& log_key,
                                 std::span<const NoteVerifierKey> witnesses = {});

// Signs a checkpoint as its log (the signer's name must be the origin).
std::string sign_checkpoint(const Checkpoint& checkpoint, const NoteSignerKey& log_key);

}  // namespace zkinfer::audit
