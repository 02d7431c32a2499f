// SPDX-License-Identifier: Apache-2.0
#include "audit/receipt.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "audit/base64.hpp"
#include "base/error.hpp"

namespace zkinfer::audit {
namespace {

using nlohmann::json;

Bytes to_bytes(std::string_view text) {
  return Bytes(text.begin(), text.end());
}

const json& field(const json& object, const char* name, json::value_t type, const char* where) {
  if (!(object.is_object())) fail(std::string(where) + " is not a JSON object");
  const auto it = object.find(name);
  if (!(it != object.end())) fail(std::string(where) + ": missing field \"" + name + "\"");
  if (!(it->type() == type || (type == json::value_t::number_unsigned && it->is_number_unsigned())))
    fail(std::string(where) + ": field \"" + name + "\" has the wrong type");
  return *it;
}

std::string string_field(const json& object, const char* name, const char* where) {
  return field(object, name, json::value_t::string, where).get<std::string>();
}

}  // namespace

Bytes dsse_pae(std::string_view payload_type, ByteSpan payload) {
  std::string header = "DSSEv1 ";
  header.append(std::to_string(payload_type.size())).append(" ").append(payload_type);
  header.append(" ").append(std::to_string(payload.size())).append(" ");
  Bytes bytes = to_bytes(header);
  bytes.insert(bytes.end(), payload.begin(), payload.end());
  return bytes;
}

std::string export_receipt(TransparencyLog& log, std::uint64_t index) {
  const std::optional<StoredCheckpoint> published = log.store().latest_checkpoint(true);
  if (!(published.has_value() && index < published->size))
    fail("entry " + std::to_string(index) + " is not covered by a published checkpoint yet");
  const StoredEntry stored = log.store().entry(index);
  if (!(stored.body.has_value()))
    fail("entry " + std::to_string(index) + " was pruned: no receipt can be issued");
  const Entry entry = parse_entry(*stored.body);

  const json statement = {
      {"_type", kInTotoStatementType},
      {"subject", json::array({{{"name", "proof"},
                                {"digest", {{"sha256", hash::to_hex(entry.proof.digest)}}}}})},
      {"predicateType", kReceiptPredicateType},
      {"predicate", json::parse(stored.body->begin(), stored.body->end())},
  };
  const Bytes payload = to_bytes(statement.dump());
  const std::optional<std::string> note = log.checkpoint_note(published->size);
  require(note.has_value(), "the published checkpoint disappeared");

  // The log signs the envelope with the key that signs its checkpoints; a
  // dedicated receipt key would need a second trust anchor for verifiers.
  const NoteSignerKey& signer = log.signer();
  const Ed25519Signature signature = signer.key.sign(dsse_pae(kInTotoPayloadType, payload));
  json proof = json::array();
  for (const Digest& d : log.inclusion_proof(index, published->size))
    proof.push_back(base64_encode(d.bytes));
  const json receipt = {
      {"format", kReceiptFormat},
      {"envelope",
       {{"payloadType", kInTotoPayloadType},
        {"payload", base64_encode(payload)},
        {"signatures", json::array({{{"keyid", format_verifier_key(signer.verifier())},
                                     {"sig", base64_encode(signature)}}})}}},
      {"log_index", index},
      {"inclusion_proof", proof},
      {"checkpoint", *note},
  };
  return receipt.dump(2) + "\n";
}

VerifiedReceipt verify_receipt(std::string_view receipt_json, const NoteVerifierKey& log_key,
                               std::span<const NoteVerifierKey> witnesses) {
  require(receipt_json.size() <= kMaxReceiptBytes, "receipt larger than the maximum size");
  const json receipt = json::parse(receipt_json, nullptr, false);
  require(!receipt.is_discarded(), "receipt is not valid JSON");
  if (!(string_field(receipt, "format", "receipt") == kReceiptFormat))
    fail("receipt: unknown format (expected " + std::string(kReceiptFormat) + ")");

  // DSSE: verify the signature over PAE before looking at the payload.
  const json& envelope = field(receipt, "envelope", json::value_t::object, "receipt");
  const std::string payload_type = string_field(envelope, "payloadType", "envelope");
  if (!(payload_type == kInTotoPayloadType))
    fail("envelope: payloadType is \"" + payload_type + "\", expected " +
         std::string(kInTotoPayloadType));
  const Bytes payload =
      base64_decode(string_field(envelope, "payload", "envelope"), "envelope payload");
  const json& signatures = field(envelope, "signatures", json::value_t::array, "envelope");
  const Bytes pae = dsse_pae(payload_type, payload);
  const std::string log_keyid = format_verifier_key(log_key);
  // DSSE: keyid is an unauthenticated hint, used only to skip signatures
  // that name another key; the envelope is accepted when any signature
  // verifies under the log key.
  bool signed_by_log = false;
  for (const json& s : signatures) {
    if (s.contains("keyid") && s["keyid"].is_string() && !s["keyid"].get<std::string>().empty() &&
        s["keyid"].get<std::string>() != log_keyid)
      continue;
    const Bytes sig = base64_decode(string_field(s, "sig", "envelope signature"), "signature");
    if (ed25519_verify(log_key.key, pae, sig)) signed_by_log = true;
  }
  if (!signed_by_log) fail("envelope: no valid DSSE signature by the log key " + log_key.name);

  // in-toto Statement v1.
  const json statement = json::parse(payload.begin(), payload.end(), nullptr, false);
  require(!statement.is_discarded(), "envelope payload is not valid JSON");
  if (!(string_field(statement, "_type", "statement") == kInTotoStatementType))
    fail("statement: _type is not " + std::string(kInTotoStatementType));
  if (!(string_field(statement, "predicateType", "statement") == kReceiptPredicateType))
    fail("statement: predicateType is not " + std::string(kReceiptPredicateType));
  const json& predicate = field(statement, "predicate", json::value_t::object, "statement");
  const Bytes entry_bytes = to_bytes(predicate.dump());
  VerifiedReceipt out;
  out.entry = parse_entry(entry_bytes);
  const json& subjects = field(statement, "subject", json::value_t::array, "statement");
  require(subjects.size() == 1, "statement: expected exactly one subject");
  require(string_field(subjects[0], "name", "subject") == "proof",
          "statement: the subject is not named \"proof\"");
  const json& digest = field(subjects[0], "digest", json::value_t::object, "subject");
  require(string_field(digest, "sha256", "subject digest") == hash::to_hex(out.entry.proof.digest),
          "statement: the subject digest is not the entry's proof digest");

  // Inclusion under the (cosigned) checkpoint.
  const OpenedCheckpoint opened =
      open_checkpoint(string_field(receipt, "checkpoint", "receipt"), log_key, witnesses);
  require_cosigned(opened, witnesses);
  out.index =
      field(receipt, "log_index", json::value_t::number_unsigned, "receipt").get<std::uint64_t>();
  std::vector<Digest> proof;
  for (const json& h : field(receipt, "inclusion_proof", json::value_t::array, "receipt")) {
    require(h.is_string(), "receipt: inclusion_proof holds a non-string");
    const Bytes bytes = base64_decode(h.get<std::string>(), "inclusion proof hash");
    require(bytes.size() == 32, "receipt: an inclusion proof hash is not 32 bytes");
    Digest d;
    std::copy(bytes.begin(), bytes.end(), d.bytes.begin());
    proof.push_back(d);
  }
  verify_inclusion(entry_leaf_hash(entry_bytes), out.index, opened.checkpoint.size, proof,
                   opened.checkpoint.root);
  out.checkpoint = opened.checkpoint;
  return out;
}

}  // namespace zkinfer::audit
