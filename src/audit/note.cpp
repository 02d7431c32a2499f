// SPDX-License-Identifier: Apache-2.0
#include "audit/note.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <limits>
#include <set>
#include <utility>

#include "audit/base64.hpp"
#include "base/error.hpp"

namespace zkinfer::audit {
namespace {

constexpr std::string_view kEmDashSpace = "\xe2\x80\x94 ";  // U+2014, U+0020
constexpr std::uint64_t kMaxTimestamp = std::numeric_limits<std::int64_t>::max();

// Decodes the UTF-8 sequence at text[i], advancing i; nullopt if it is not
// the shortest encoding of a Unicode scalar value.
std::optional<char32_t> next_code_point(std::string_view text, std::size_t& i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(text[k]); };
  const std::uint8_t lead = byte(i);
  std::size_t length;
  char32_t cp;
  if (lead < 0x80) {
    ++i;
    return lead;
  } else if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2, cp = lead & 0x1f;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3, cp = lead & 0x0f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4, cp = lead & 0x07;
  } else {
    return std::nullopt;
  }
  if (i + length > text.size()) return std::nullopt;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  const char32_t min_value[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_value[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return std::nullopt;
  i += length;
  return cp;
}

// Unicode White_Space characters (what Go's unicode.IsSpace tests).
bool is_unicode_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0d) || c == 0x20 || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f ||
         c == 0x3000;
}

// Signed notes are valid UTF-8 without ASCII control characters other than
// newline.
void check_note_characters(std::string_view text, const char* what) {
  for (std::size_t i = 0; i < text.size();) {
    const std::size_t at = i;
    const auto cp = next_code_point(text, i);
    if (!cp) fail(std::string(what) + ": invalid UTF-8 at byte " + std::to_string(at));
    if (*cp < 0x20 && *cp != '\n')
      fail(std::string(what) + ": control character " + std::to_string(*cp) + " at byte " +
           std::to_string(at));
  }
}

void check_note_text(std::string_view text, const char* what) {
  check_note_characters(text, what);
  if (text.empty() || text.back() != '\n')
    fail(std::string(what) + ": text must end with a newline");
}

void check_key_name(std::string_view name) {
  if (!is_valid_key_name(name)) fail("invalid key name \"" + std::string(name) + "\"");
}

std::string hex8(std::uint32_t v) {
  char buffer[9];
  std::snprintf(buffer, sizeof buffer, "%08x", v);
  return buffer;
}

std::uint32_t parse_hex8(std::string_view text, const char* what) {
  if (text.size() != 8) fail(std::string(what) + ": key ID must be 8 hex digits");
  std::uint32_t v = 0;
  for (char c : text) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else {
      fail(std::string(what) + ": key ID must be 8 lowercase hex digits");
    }
    v = (v << 4) | static_cast<std::uint32_t>(d);
  }
  return v;
}

std::uint32_t read_be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}

void append_be(Bytes& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

NoteKeyType parse_key_type(std::uint8_t byte, const char* what) {
  if (byte == static_cast<std::uint8_t>(NoteKeyType::kEd25519)) return NoteKeyType::kEd25519;
  if (byte == static_cast<std::uint8_t>(NoteKeyType::kCosignatureV1))
    return NoteKeyType::kCosignatureV1;
  fail(std::string(what) + ": unsupported signature type " + std::to_string(byte));
}

// Splits "a+b+rest" at its first two '+' (the base64 tail may contain more).
std::array<std::string_view, 3> split_key_string(std::string_view text, const char* what) {
  const std::size_t first = text.find('+');
  const std::size_t second = first == std::string_view::npos ? first : text.find('+', first + 1);
  if (second == std::string_view::npos)
    fail(std::string(what) + ": expected <name>+<key ID>+<key>");
  return {text.substr(0, first), text.substr(first + 1, second - first - 1),
          text.substr(second + 1)};
}

std::string key_label(std::string_view name, std::uint32_t key_id) {
  return std::string(name) + "+" + hex8(key_id);
}

}  // namespace

bool is_valid_key_name(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size();) {
    const auto cp = next_code_point(name, i);
    if (!cp || *cp < 0x20 || *cp == '+' || is_unicode_space(*cp)) return false;
  }
  return true;
}

std::uint32_t note_key_id(std::string_view name, NoteKeyType type, const Ed25519PublicKey& key) {
  hash::Sha256 h;
  h.update(ByteSpan(reinterpret_cast<const std::uint8_t*>(name.data()), name.size()));
  const std::uint8_t separator[2] = {'\n', static_cast<std::uint8_t>(type)};
  h.update(separator);
  h.update(key.bytes);
  return read_be32(h.finalize().bytes.data());
}

NoteVerifierKey parse_verifier_key(std::string_view text) {
  const char* what = "verifier key";
  const auto [name, id, encoded] = split_key_string(text, what);
  check_key_name(name);
  const std::uint32_t key_id = parse_hex8(id, what);
  const Bytes raw = base64_decode(encoded, what);
  if (raw.size() != 33)
    fail("verifier key: expected a type byte and a 32-byte Ed25519 key, got " +
         std::to_string(raw.size()) + " bytes");
  NoteVerifierKey key{std::string(name), parse_key_type(raw[0], what), {}};
  std::copy(raw.begin() + 1, raw.end(), key.key.bytes.begin());
  if (key.key_id() != key_id)
    fail("verifier key " + key_label(name, key_id) + ": key ID does not match the key");
  return key;
}

std::string format_verifier_key(const NoteVerifierKey& key) {
  check_key_name(key.name);
  Bytes raw = {static_cast<std::uint8_t>(key.type)};
  raw.insert(raw.end(), key.key.bytes.begin(), key.key.bytes.end());
  return key_label(key.name, key.key_id()) + "+" + base64_encode(raw);
}

NoteSignerKey parse_signer_key(std::string_view text) {
  const char* what = "signer key";
  constexpr std::string_view kPrefix = "PRIVATE+KEY+";
  if (!text.starts_with(kPrefix)) fail("signer key: must start with PRIVATE+KEY+");
  const auto [name, id, encoded] = split_key_string(text.substr(kPrefix.size()), what);
  check_key_name(name);
  const std::uint32_t key_id = parse_hex8(id, what);
  Bytes raw = base64_decode(encoded, what);
  if (raw.size() != 33) fail("signer key: expected a type byte and a 32-byte Ed25519 seed");
  NoteSignerKey signer{
      std::string(name), parse_key_type(raw[0], what),
      Ed25519PrivateKey::from_seed(std::span<const std::uint8_t, 32>(raw.data() + 1, 32))};
  std::fill(raw.begin(), raw.end(), 0);
  if (signer.verifier().key_id() != key_id)
    fail("signer key " + key_label(name, key_id) + ": key ID does not match the key");
  return signer;
}

std::string format_signer_key(const NoteSignerKey& signer) {
  check_key_name(signer.name);
  Bytes raw = {static_cast<std::uint8_t>(signer.type)};
  raw.insert(raw.end(), signer.key.seed().begin(), signer.key.seed().end());
  std::string out = "PRIVATE+KEY+" + key_label(signer.name, signer.verifier().key_id()) + "+" +
                    base64_encode(raw);
  std::fill(raw.begin(), raw.end(), 0);
  return out;
}

SignedNote parse_note(std::string_view message) {
  check_note_characters(message, "signed note");
  if (message.empty() || message.back() != '\n') fail("signed note: must end with a newline");
  const std::size_t split = message.rfind("\n\n");
  if (split == std::string_view::npos)
    fail("signed note: no blank line between text and signatures");
  SignedNote note;
  note.text = std::string(message.substr(0, split + 1));
  std::string_view rest = message.substr(split + 2);
  if (rest.empty()) fail("signed note: no signature lines");
  std::set<std::pair<std::string, std::uint32_t>> seen;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');  // found: rest ends with a newline
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end + 1);
    const std::string line_number = std::to_string(note.signatures.size() + 1);
    if (note.signatures.size() == kMaxNoteSignatures)
      fail("signed note: more than " + std::to_string(kMaxNoteSignatures) + " signatures");
    if (!line.starts_with(kEmDashSpace))
      fail("signed note: signature line " + line_number + " does not start with \"— \"");
    line.remove_prefix(kEmDashSpace.size());
    const std::size_t space = line.find(' ');
    if (space == std::string_view::npos)
      fail("signed note: signature line " + line_number + " has no signature");
    const std::string_view name = line.substr(0, space);
    if (!is_valid_key_name(name))
      fail("signed note: signature line " + line_number + " has an invalid key name");
    const Bytes decoded = base64_decode(line.substr(space + 1), "signed note signature");
    if (decoded.size() < 5)
      fail("signed note: signature line " + line_number +
           " is shorter than a key ID and a signature");
    NoteSignature signature{std::string(name), read_be32(decoded.data()),
                            Bytes(decoded.begin() + 4, decoded.end())};
    if (!seen.emplace(signature.name, signature.key_id).second)
      fail("signed note: two signatures by key " + key_label(name, signature.key_id));
    note.signatures.push_back(std::move(signature));
  }
  return note;
}

std::string format_signature_line(const NoteSignature& signature) {
  check_key_name(signature.name);
  if (signature.signature.empty()) fail("note signature by " + signature.name + " is empty");
  Bytes raw;
  append_be(raw, signature.key_id, 4);
  raw.insert(raw.end(), signature.signature.begin(), signature.signature.end());
  return std::string(kEmDashSpace) + signature.name + " " + base64_encode(raw) + "\n";
}

std::string format_note(const SignedNote& note) {
  check_note_text(note.text, "note text");
  if (note.signatures.empty()) fail("a signed note needs at least one signature");
  std::string out = note.text + "\n";
  for (const NoteSignature& signature : note.signatures) out += format_signature_line(signature);
  // Round trip: what we write must be what parse_note accepts (e.g. no duplicate keys).
  if (parse_note(out) != note) fail("note cannot be written unambiguously");
  return out;
}

NoteSignature sign_note(std::string_view text, const NoteSignerKey& signer) {
  check_note_text(text, "note text");
  check_key_name(signer.name);
  if (signer.type != NoteKeyType::kEd25519)
    fail("key " + signer.name + " is not a plain Ed25519 note key");
  const Ed25519Signature signature =
      signer.key.sign(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  return {signer.name, signer.verifier().key_id(), Bytes(signature.begin(), signature.end())};
}

std::string cosignature_message(std::string_view checkpoint_text, std::uint64_t timestamp) {
  return "cosignature/v1\ntime " + std::to_string(timestamp) + "\n" + std::string(checkpoint_text);
}

NoteSignature cosign_note(std::string_view checkpoint_text, const NoteSignerKey& signer,
                          std::uint64_t timestamp) {
  check_key_name(signer.name);
  if (signer.type != NoteKeyType::kCosignatureV1)
    fail("key " + signer.name + " is not a cosignature/v1 key");
  if (timestamp > kMaxTimestamp) fail("cosignature timestamp exceeds 2^63 - 1");
  parse_checkpoint(checkpoint_text);  // witnesses cosign checkpoints only
  const std::string message = cosignature_message(checkpoint_text, timestamp);
  const Ed25519Signature signature = signer.key.sign(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(message.data()), message.size()));
  NoteSignature out{signer.name, signer.verifier().key_id(), {}};
  append_be(out.signature, timestamp, 8);
  out.signature.insert(out.signature.end(), signature.begin(), signature.end());
  return out;
}

std::vector<VerifiedSignature> verify_note(const SignedNote& note,
                                           std::span<const NoteVerifierKey> known) {
  std::vector<VerifiedSignature> verified;
  for (const NoteSignature& signature : note.signatures) {
    const NoteVerifierKey* match = nullptr;
    for (const NoteVerifierKey& key : known) {
      if (key.name != signature.name || key.key_id() != signature.key_id) continue;
      if (match != nullptr) fail("ambiguous key " + key_label(key.name, signature.key_id));
      match = &key;
    }
    if (match == nullptr) continue;  // unknown keys are ignored (signed-note)
    const std::string label = key_label(match->name, signature.key_id);
    const Bytes& sig = signature.signature;
    VerifiedSignature result{*match, std::nullopt};
    bool valid;
    if (match->type == NoteKeyType::kEd25519) {
      valid = ed25519_verify(
          match->key,
          ByteSpan(reinterpret_cast<const std::uint8_t*>(note.text.data()), note.text.size()), sig);
    } else {
      if (sig.size() != 72)
        fail("cosignature by " + label + " has " + std::to_string(sig.size()) +
             " bytes, expected 72");
      std::uint64_t timestamp = 0;
      for (int i = 0; i < 8; ++i) timestamp = (timestamp << 8) | sig[i];
      if (timestamp > kMaxTimestamp)
        fail("cosignature by " + label + " has a timestamp above 2^63 - 1");
      const std::string message = cosignature_message(note.text, timestamp);
      valid = ed25519_verify(
          match->key,
          ByteSpan(reinterpret_cast<const std::uint8_t*>(message.data()), message.size()),
          ByteSpan(sig).subspan(8));
      result.timestamp = timestamp;
    }
    if (!valid) fail("invalid signature for key " + label);
    verified.push_back(std::move(result));
  }
  if (verified.empty()) fail("note has no valid signature from a known key");
  return verified;
}

std::uint64_t parse_tree_size(std::string_view digits, const char* what) {
  if (digits.empty() || digits.size() > 20 || (digits.size() > 1 && digits[0] == '0'))
    fail(std::string(what) + ": \"" + std::string(digits.substr(0, 24)) +
         "\" is not a canonical decimal");
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9')
      fail(std::string(what) + ": \"" + std::string(digits) + "\" is not a decimal");
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      fail(std::string(what) + ": " + std::string(digits) + " exceeds 2^64 - 1");
    value = value * 10 + digit;
  }
  return value;
}

Checkpoint parse_checkpoint(std::string_view text) {
  check_note_text(text, "checkpoint");
  std::vector<std::string_view> lines;
  for (std::size_t begin = 0; begin < text.size();) {
    const std::size_t end = text.find('\n', begin);
    lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  if (lines.size() < 3) fail("checkpoint: needs origin, tree size and root hash lines");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) fail("checkpoint: line " + std::to_string(i + 1) + " is empty");
  }
  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  checkpoint.size = parse_tree_size(lines[1], "checkpoint tree size");
  const Bytes root = base64_decode(lines[2], "checkpoint root hash");
  if (root.size() != 32)
    fail("checkpoint: root hash has " + std::to_string(root.size()) + " bytes, expected 32");
  std::copy(root.begin(), root.end(), checkpoint.root.bytes.begin());
  for (std::size_t i = 3; i < lines.size(); ++i) checkpoint.extensions.emplace_back(lines[i]);
  return checkpoint;
}

std::string format_checkpoint(const Checkpoint& checkpoint) {
  std::string out = checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
                    base64_encode(checkpoint.root.bytes) + "\n";
  for (const std::string& line : checkpoint.extensions) out += line + "\n";
  if (parse_checkpoint(out) != checkpoint)
    fail("checkpoint: origin or extension line is empty or spans lines");
  return out;
}

OpenedCheckpoint open_checkpoint(std::string_view message, const NoteVerifierKey& log_key,
                                 std::span<const NoteVerifierKey> witnesses) {
  if (log_key.type != NoteKeyType::kEd25519)
    fail("log key " + log_key.name + " is not a plain Ed25519 note key");
  OpenedCheckpoint opened;
  opened.note = parse_note(message);
  std::vector<NoteVerifierKey> known(witnesses.begin(), witnesses.end());
  known.push_back(log_key);
  bool log_signed = false;
  for (VerifiedSignature& signature : verify_note(opened.note, known)) {
    if (signature.key == log_key) {
      log_signed = true;
    } else {
      opened.cosignatures.push_back(std::move(signature));
    }
  }
  if (!log_signed)
    fail("checkpoint is not signed by log key " + key_label(log_key.name, log_key.key_id()));
  opened.checkpoint = parse_checkpoint(opened.note.text);
  if (opened.checkpoint.origin != log_key.name)
    fail("checkpoint origin \"" + opened.checkpoint.origin + "\" is not the log key's name \"" +
         log_key.name + "\"");
  return opened;
}

std::string sign_checkpoint(const Checkpoint& checkpoint, const NoteSignerKey& log_key) {
  if (checkpoint.origin != log_key.name)
    fail("log key " + log_key.name + " cannot sign a checkpoint for origin " + checkpoint.origin);
  const std::string text = format_checkpoint(checkpoint);
  return format_note({text, {sign_note(text, log_key)}});
}

}  // namespace zkinfer::audit
