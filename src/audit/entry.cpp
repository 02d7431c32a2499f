// SPDX-License-Identifier: Apache-2.0
#include "audit/entry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <utility>

#include "audit/base64.hpp"
#include "base/error.hpp"
#include "base/hex.hpp"

namespace zkinfer::audit {
namespace {

using nlohmann::json;

// Deeper JSON is rejected before parsing: nlohmann's dump() and our checks
// recurse, so unbounded nesting in hostile input would exhaust the stack.
constexpr int kMaxJsonDepth = 64;

[[noreturn]] void fail_field(std::string_view field, const std::string& what) {
  fail("audit entry: " + std::string(field) + ": " + what);
}

Bytes parse_hex(const std::string& text, std::string_view field) {
  return hex_decode(text, "audit entry: " + std::string(field));
}

void check_text(const std::string& text, std::string_view field) {
  if (text.empty()) fail_field(field, "must not be empty");
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) fail_field(field, "contains a control character");
  }
}

void check_commitment(const Bytes& value, std::string_view field) {
  if (value.size() < kMinCommitmentBytes || value.size() > kMaxCommitmentBytes)
    fail_field(field, std::to_string(value.size()) + " bytes; expected " +
                          std::to_string(kMinCommitmentBytes) + " to " +
                          std::to_string(kMaxCommitmentBytes));
}

// A JSON value that serializes and parses back to itself.
void check_json_value(const json& value, std::string_view field, int depth = 0) {
  if (depth > kMaxJsonDepth)
    fail_field(field, "nested deeper than " + std::to_string(kMaxJsonDepth));
  switch (value.type()) {
    case json::value_t::number_float:
      if (!std::isfinite(value.get<double>())) fail_field(field, "non-finite number");
      return;
    case json::value_t::binary:
    case json::value_t::discarded:
      fail_field(field, "not a JSON value");
    case json::value_t::array:
    case json::value_t::object:
      for (const json& element : value) check_json_value(element, field, depth + 1);
      return;
    default:
      return;
  }
}

void validate(const Entry& e) {
  if (e.end_time < e.start_time)
    fail_field("end_time", format_timestamp(e.end_time) + " is before start_time " +
                               format_timestamp(e.start_time));
  check_commitment(e.model_id, "model_id");
  check_commitment(e.arch_digest, "arch_digest");
  check_commitment(e.input_commitment, "input_commitment");
  check_json_value(e.disclosed_output, "disclosed_output");
  if (e.policy.is_string()) {
    check_text(e.policy.get<std::string>(), "policy");
  } else if (e.policy.is_object()) {
    check_json_value(e.policy, "policy");
  } else {
    fail_field("policy", "must be a JSON object or a policy id string");
  }
  if (e.proof.bytes.has_value() == e.proof.address.has_value())
    fail_field("proof", "exactly one of 'bytes' and 'address' must be present");
  if (e.proof.bytes) {
    if (e.proof.bytes->empty()) fail_field("proof.bytes", "must not be empty");
    if (hash::sha256(*e.proof.bytes) != e.proof.digest)
      fail_field("proof.digest", "does not match SHA-256 of proof.bytes");
  } else {
    check_text(*e.proof.address, "proof.address");
  }
  check_text(e.prover.software, "prover.software");
  if (e.prover.ranks == 0) fail_field("prover.ranks", "must be at least 1");
  if (e.prover.threads == 0) fail_field("prover.threads", "must be at least 1");
  std::set<std::string_view> verifiers;
  for (const std::string& verifier : e.human_verifiers) {
    check_text(verifier, "human_verifiers");
    if (!verifiers.insert(verifier).second)
      fail_field("human_verifiers", "'" + verifier + "' listed twice");
  }
  if (e.reference_database) check_text(*e.reference_database, "reference_database");
  check_text(e.signer, "signer");
}

json to_json(const Entry& e) {
  json proof = json::object();
  proof["digest"] = hash::to_hex(e.proof.digest);
  if (e.proof.bytes) proof["bytes"] = base64_encode(*e.proof.bytes);
  if (e.proof.address) proof["address"] = *e.proof.address;

  json prover = json::object();
  prover["proof_format_version"] = e.prover.proof_format_version;
  prover["software"] = e.prover.software;
  prover["ranks"] = e.prover.ranks;
  prover["threads"] = e.prover.threads;

  json j = json::object();
  j["format_version"] = kEntryFormatVersion;
  j["start_time"] = format_timestamp(e.start_time);
  j["end_time"] = format_timestamp(e.end_time);
  j["model_id"] = hex_encode(e.model_id);
  j["arch_digest"] = hex_encode(e.arch_digest);
  j["input_commitment"] = hex_encode(e.input_commitment);
  j["disclosed_output"] = e.disclosed_output;
  j["policy"] = e.policy;
  j["proof"] = std::move(proof);
  j["prover"] = std::move(prover);
  if (!e.human_verifiers.empty()) j["human_verifiers"] = e.human_verifiers;
  if (e.reference_database) j["reference_database"] = *e.reference_database;
  j["signer"] = e.signer;
  return j;
}

// Reads one JSON object field by field and rejects keys nobody asked for.
class ObjectFields {
 public:
  ObjectFields(const json& object, std::string path) : object_(object), path_(std::move(path)) {
    if (!object.is_object()) fail_field(path_.empty() ? "entry" : path_, "expected a JSON object");
  }

  std::string name(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  const json* optional(std::string_view key) {
    auto it = object_.find(key);
    if (it == object_.end()) return nullptr;
    seen_.insert(std::string(key));
    return &*it;
  }

  const json& required(std::string_view key) {
    const json* value = optional(key);
    if (value == nullptr) fail("audit entry: missing field '" + name(key) + "'");
    return *value;
  }

  std::string string(std::string_view key) { return as_string(required(key), name(key)); }

  std::uint32_t u32(std::string_view key) {
    const json& value = required(key);
    if (!value.is_number_unsigned() ||
        value.get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max())
      fail_field(name(key), "expected an integer in [0, 2^32)");
    return value.get<std::uint32_t>();
  }

  void reject_unknown() const {
    for (const auto& item : object_.items()) {
      if (!seen_.contains(item.key()))
        fail("audit entry: unknown field '" + name(item.key()) + "'");
    }
  }

  static std::string as_string(const json& value, const std::string& field) {
    if (!value.is_string()) fail_field(field, "expected a string");
    return value.get<std::string>();
  }

 private:
  const json& object_;
  std::string path_;
  std::set<std::string> seen_;
};

Entry from_json(const json& j) {
  ObjectFields fields(j, "");
  const std::uint32_t version = fields.u32("format_version");
  if (version != kEntryFormatVersion)
    fail("audit entry: unsupported format_version " + std::to_string(version) +
         " (this build reads " + std::to_string(kEntryFormatVersion) + ")");
  Entry e;
  e.start_time = parse_timestamp(fields.string("start_time"), "start_time");
  e.end_time = parse_timestamp(fields.string("end_time"), "end_time");
  e.model_id = parse_hex(fields.string("model_id"), "model_id");
  e.arch_digest = parse_hex(fields.string("arch_digest"), "arch_digest");
  e.input_commitment = parse_hex(fields.string("input_commitment"), "input_commitment");
  e.disclosed_output = fields.required("disclosed_output");
  e.policy = fields.required("policy");

  ObjectFields proof(fields.required("proof"), "proof");
  const Bytes digest = parse_hex(proof.string("digest"), "proof.digest");
  if (digest.size() != e.proof.digest.bytes.size())
    fail_field("proof.digest", std::to_string(digest.size()) + " bytes; expected 32");
  std::copy(digest.begin(), digest.end(), e.proof.digest.bytes.begin());
  if (const json* bytes = proof.optional("bytes"))
    e.proof.bytes =
        base64_decode(ObjectFields::as_string(*bytes, "proof.bytes"), "audit entry: proof.bytes");
  if (const json* address = proof.optional("address"))
    e.proof.address = ObjectFields::as_string(*address, "proof.address");
  proof.reject_unknown();

  ObjectFields prover(fields.required("prover"), "prover");
  e.prover.proof_format_version = prover.u32("proof_format_version");
  e.prover.software = prover.string("software");
  e.prover.ranks = prover.u32("ranks");
  e.prover.threads = prover.u32("threads");
  prover.reject_unknown();

  if (const json* verifiers = fields.optional("human_verifiers")) {
    if (!verifiers->is_array() || verifiers->empty())
      fail_field("human_verifiers", "expected a non-empty array of strings (omit it when empty)");
    for (const json& v : *verifiers)
      e.human_verifiers.push_back(ObjectFields::as_string(v, "human_verifiers"));
  }
  if (const json* database = fields.optional("reference_database"))
    e.reference_database = ObjectFields::as_string(*database, "reference_database");
  e.signer = fields.string("signer");
  fields.reject_unknown();
  return e;
}

// Nesting depth of JSON text, counting brackets outside strings.
int json_depth(ByteSpan text) {
  int depth = 0;
  int max_depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::uint8_t c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

}  // namespace

std::string format_timestamp(Timestamp t) {
  using namespace std::chrono;
  const sys_days day = floor<days>(t);
  const year_month_day ymd(day);
  const int y = static_cast<int>(ymd.year());
  if (y < 0 || y > 9999) fail("timestamp outside the years 0000-9999");
  const hh_mm_ss<milliseconds> time(t - day);
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", y,
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                static_cast<int>(time.seconds().count()),
                static_cast<int>(time.subseconds().count()));
  return out;
}

Timestamp parse_timestamp(std::string_view text, std::string_view field) {
  using namespace std::chrono;
  constexpr std::string_view kPattern = "dddd-dd-ddTdd:dd:dd.dddZ";
  bool matches = text.size() == kPattern.size();
  for (std::size_t i = 0; matches && i < text.size(); ++i) {
    matches = kPattern[i] == 'd' ? (text[i] >= '0' && text[i] <= '9') : text[i] == kPattern[i];
  }
  if (!matches)
    fail_field(field, "'" + std::string(text) + "' is not of the form YYYY-MM-DDTHH:MM:SS.mmmZ");
  auto number = [&](std::size_t pos, std::size_t len) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) v = 10 * v + (text[i] - '0');
    return v;
  };
  const year_month_day ymd{year(number(0, 4)), month(static_cast<unsigned>(number(5, 2))),
                           day(static_cast<unsigned>(number(8, 2)))};
  const int h = number(11, 2), m = number(14, 2), s = number(17, 2);
  if (!ymd.ok() || h > 23 || m > 59 || s > 59)
    fail_field(field, "'" + std::string(text) + "' is not a valid date and time");
  return Timestamp(sys_days(ymd)) + hours(h) + minutes(m) + seconds(s) +
         milliseconds(number(20, 3));
}

Bytes serialize_entry(const Entry& entry) {
  validate(entry);
  std::string text;
  try {
    text = to_json(entry).dump();
  } catch (const json::exception& e) {
    fail(std::string("audit entry: cannot serialize (a string is not valid UTF-8?): ") + e.what());
  }
  return Bytes(text.begin(), text.end());
}

Entry parse_entry(ByteSpan bytes) {
  if (bytes.size() > kMaxEntryBytes)
    fail("audit entry: " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
         std::to_string(kMaxEntryBytes));
  if (json_depth(bytes) > kMaxJsonDepth)
    fail("audit entry: JSON nested deeper than " + std::to_string(kMaxJsonDepth));
  json j;
  try {
    j = json::parse(bytes.begin(), bytes.end());
  } catch (const json::exception& e) {
    fail(std::string("audit entry: not valid JSON: ") + e.what());
  }
  Entry entry = from_json(j);
  const Bytes canonical = serialize_entry(entry);
  if (!std::ranges::equal(canonical, bytes)) {
    const auto diff = std::ranges::mismatch(canonical, bytes);
    fail("audit entry: not in canonical form (first difference at byte " +
         std::to_string(diff.in2 - bytes.begin()) + ")");
  }
  return entry;
}

hash::Digest entry_leaf_hash(ByteSpan entry_bytes) {
  const std::uint8_t leaf_prefix = 0x00;
  hash::Sha256 hasher;
  hasher.update(ByteSpan(&leaf_prefix, 1)).update(entry_bytes);
  return hasher.finalize();
}

}  // namespace zkinfer::audit
