// SPDX-License-Identifier: Apache-2.0
//
// The log entry schema: canonical serialization, strict parsing, leaf hash.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <string>

#include "audit/entry.hpp"
#include "base/error.hpp"
#include "store_fixture.hpp"

namespace zkinfer::audit {
namespace {

using testing::make_entry;

std::string text(const Bytes& b) {
  return std::string(b.begin(), b.end());
}
Bytes bytes(const std::string& s) {
  return Bytes(s.begin(), s.end());
}

Bytes filled(std::size_t n, std::uint8_t v) {
  return Bytes(n, v);
}

// A fixed entry and its exact canonical bytes (also in docs/audit-storage.md).
Entry golden_entry() {
  Entry e;
  e.start_time = parse_timestamp("2026-03-01T09:30:00.125Z", "start_time");
  e.end_time = parse_timestamp("2026-03-01T09:30:02.500Z", "end_time");
  e.model_id = filled(32, 0x11);
  e.arch_digest = filled(32, 0x22);
  e.input_commitment = filled(32, 0x33);
  e.disclosed_output = nlohmann::json{{"decision", "approve"}};
  e.policy = "credit-risk/v3";
  e.proof.address = "sha256:" + std::string(64, 'a');
  e.proof.digest.bytes.fill(0xaa);
  e.prover = ProverSettings{1, "zkinfer 0.1.0", 2, 8};
  e.human_verifiers = {"staff-0042"};
  e.reference_database = "watchlist-2026-02";
  e.signer = "bank-eu-west/prover-1";
  return e;
}

const std::string kGoldenBytes =
    R"({"arch_digest":"2222222222222222222222222222222222222222222222222222222222222222",)"
    R"("disclosed_output":{"decision":"approve"},"end_time":"2026-03-01T09:30:02.500Z",)"
    R"("format_version":1,"human_verifiers":["staff-0042"],)"
    R"("input_commitment":"3333333333333333333333333333333333333333333333333333333333333333",)"
    R"("model_id":"1111111111111111111111111111111111111111111111111111111111111111",)"
    R"("policy":"credit-risk/v3","proof":{"address":"sha256:)" +
    std::string(64, 'a') + R"(","digest":")" + std::string(64, 'a') +
    R"("},"prover":{"proof_format_version":1,"ranks":2,"software":"zkinfer 0.1.0","threads":8},)"
    R"("reference_database":"watchlist-2026-02","signer":"bank-eu-west/prover-1",)"
    R"("start_time":"2026-03-01T09:30:00.125Z"})";

// Expects parse_entry to reject `input` with an Error mentioning `fragment`.
void expect_rejected(const std::string& input, const std::string& fragment) {
  try {
    parse_entry(bytes(input));
    ADD_FAILURE() << "accepted: " << input;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "message '" << e.what() << "' lacks '" << fragment << "'";
  }
}

// The golden text with `from` replaced by `to` (which must occur once).
std::string golden_with(const std::string& from, const std::string& to) {
  std::string s = kGoldenBytes;
  const std::size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  EXPECT_EQ(s.find(from, pos + 1), std::string::npos) << from;
  return s.replace(pos, from.size(), to);
}

TEST(StoreEntry, GoldenCanonicalBytes) {
  EXPECT_EQ(text(serialize_entry(golden_entry())), kGoldenBytes);
  EXPECT_EQ(parse_entry(bytes(kGoldenBytes)), golden_entry());
}

TEST(StoreEntry, RoundTripOfVariedEntries) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    Entry e = make_entry("signer-" + std::to_string(seed), seed);
    if (seed % 3 == 0) e.human_verifiers = {"a", "b"};
    if (seed % 4 == 0) e.reference_database = "db";
    if (seed % 5 == 0) {
      e.proof.bytes.reset();
      e.proof.address = "https://proofs.example/" + std::to_string(seed);
    }
    if (seed % 2 == 0) e.policy = {{"kind", "risk-bound"}, {"max", 0.25}, {"min", -1.5e-3}};
    const Bytes b = serialize_entry(e);
    EXPECT_EQ(parse_entry(b), e) << text(b);
    EXPECT_EQ(serialize_entry(parse_entry(b)), b);
  }
}

TEST(StoreEntry, EqualEntriesSerializeIdentically) {
  // Same values, built in a different order and through different routes.
  Entry a = golden_entry();
  Entry b = golden_entry();
  a.disclosed_output = nlohmann::json::object();
  a.disclosed_output["z"] = 1;
  a.disclosed_output["a"] = {{"y", true}, {"b", nullptr}};
  b.disclosed_output = nlohmann::json::parse(R"({ "a" : { "b" : null, "y" : true }, "z" : 1 })");
  a.policy = {{"threshold", 0.5}, {"id", "p"}};
  b.policy = nlohmann::json::parse(R"({"id":"p","threshold":5e-1})");
  b.start_time = parse_timestamp(format_timestamp(a.start_time), "start_time");
  EXPECT_EQ(a, b);
  EXPECT_EQ(serialize_entry(a), serialize_entry(b));
}

TEST(StoreEntry, LeafHashIsRfc9162) {
  const Bytes b = serialize_entry(golden_entry());
  Bytes prefixed{0x00};
  prefixed.insert(prefixed.end(), b.begin(), b.end());
  hash::Digest expected;
  SHA256(prefixed.data(), prefixed.size(), expected.bytes.data());
  EXPECT_EQ(entry_leaf_hash(b), expected);
}

TEST(StoreEntry, Timestamps) {
  const Timestamp t = parse_timestamp("2024-02-29T23:59:59.999Z", "t");
  EXPECT_EQ(to_unix_ms(t), 1709251199999);
  EXPECT_EQ(format_timestamp(t), "2024-02-29T23:59:59.999Z");
  EXPECT_EQ(format_timestamp(from_unix_ms(0)), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(from_unix_ms(-1)), "1969-12-31T23:59:59.999Z");
  for (const char* bad :
       {"2025-02-29T00:00:00.000Z", "2026-01-01T00:00:00Z", "2026-01-01T24:00:00.000Z",
        "2026-01-01T00:60:00.000Z", "2026-01-01T00:00:60.000Z", "2026-13-01T00:00:00.000Z",
        "2026-01-01t00:00:00.000Z", "2026-01-01T00:00:00.000z", "2026-01-01T00:00:00.000+00:00",
        "2026-01-01 00:00:00.000Z", " 2026-01-01T00:00:00.000Z", "", "2026-1-01T00:00:00.000Z"}) {
    EXPECT_THROW(parse_timestamp(bad, "t"), Error) << bad;
  }
}

TEST(StoreEntry, RejectsMalformedJson) {
  expect_rejected("", "not valid JSON");
  expect_rejected("{", "not valid JSON");
  expect_rejected("[]", "expected a JSON object");
  expect_rejected("\"x\"", "expected a JSON object");
  expect_rejected(kGoldenBytes + "x", "not valid JSON");
  expect_rejected(std::string(100000, '[') + std::string(100000, ']'), "nested deeper");
}

TEST(StoreEntry, RejectsMissingAndUnknownFields) {
  for (const char* field :
       {"arch_digest", "disclosed_output", "end_time", "format_version", "input_commitment",
        "model_id", "policy", "proof", "prover", "signer", "start_time"}) {
    nlohmann::json j = nlohmann::json::parse(kGoldenBytes);
    j.erase(field);
    expect_rejected(j.dump(), std::string("missing field '") + field + "'");
  }
  for (const char* field : {"digest", "proof_format_version", "software", "ranks", "threads"}) {
    nlohmann::json j = nlohmann::json::parse(kGoldenBytes);
    (j["proof"].contains(field) ? j["proof"] : j["prover"]).erase(field);
    expect_rejected(j.dump(), std::string("missing field '"));
  }
  nlohmann::json j = nlohmann::json::parse(kGoldenBytes);
  j["comment"] = "x";
  expect_rejected(j.dump(), "unknown field 'comment'");
  j = nlohmann::json::parse(kGoldenBytes);
  j["prover"]["gpu"] = true;
  expect_rejected(j.dump(), "unknown field 'prover.gpu'");
}

TEST(StoreEntry, RejectsBadFieldValues) {
  expect_rejected(golden_with(R"("format_version":1)", R"("format_version":2)"),
                  "unsupported format_version 2");
  expect_rejected(golden_with(R"("format_version":1)", R"("format_version":"1")"),
                  "format_version");
  expect_rejected(golden_with("\"model_id\":\"11", "\"model_id\":\"1A"), "model_id");
  expect_rejected(golden_with("\"model_id\":\"11", "\"model_id\":\"1"), "odd length");
  expect_rejected(golden_with("\"model_id\":\"" + std::string(64, '1'),
                              "\"model_id\":\"" + std::string(16, '1')),
                  "model_id: 8 bytes");
  expect_rejected(golden_with("09:30:02.500Z", "09:29:00.000Z"), "before start_time");
  expect_rejected(golden_with("09:30:02.500Z", "09:30:02Z"), "end_time");
  expect_rejected(golden_with(R"("policy":"credit-risk/v3")", R"("policy":7)"), "policy");
  expect_rejected(golden_with(R"("policy":"credit-risk/v3")", R"("policy":"")"), "policy");
  expect_rejected(golden_with(R"("ranks":2)", R"("ranks":0)"), "prover.ranks");
  expect_rejected(golden_with(R"("threads":8)", R"("threads":-8)"), "prover.threads");
  expect_rejected(golden_with(R"("threads":8)", R"("threads":8.0)"), "prover.threads");
  expect_rejected(golden_with(R"("threads":8)", R"("threads":4294967296)"), "prover.threads");
  expect_rejected(golden_with(R"(["staff-0042"])", R"([])"), "human_verifiers");
  expect_rejected(golden_with(R"(["staff-0042"])", R"(["x","x"])"), "listed twice");
  expect_rejected(golden_with(R"("signer":"bank-eu-west/prover-1")", R"("signer":"a\nb")"),
                  "signer: contains a control character");
  expect_rejected(
      golden_with(R"("digest":")" + std::string(64, 'a'), R"("digest":")" + std::string(62, 'a')),
      "proof.digest: 31 bytes");
  expect_rejected(golden_with(R"("address":"sha256:)" + std::string(64, 'a') + "\",", ""),
                  "exactly one of 'bytes' and 'address'");
}

TEST(StoreEntry, ProofBytesMustMatchDigest) {
  Entry e = golden_entry();
  e.proof.address.reset();
  e.proof.bytes = Bytes{1, 2, 3, 4, 5};
  EXPECT_THROW(serialize_entry(e), Error);  // digest is still 0xaa...
  e.proof.digest = hash::sha256(*e.proof.bytes);
  const std::string good = text(serialize_entry(e));
  EXPECT_NE(good.find(R"("bytes":"AQIDBAU=")"), std::string::npos) << good;
  std::string flipped = good;
  flipped.replace(flipped.find("AQIDBAU="), 8, "AQIDBAY=");
  expect_rejected(flipped, "does not match SHA-256 of proof.bytes");
  std::string non_canonical = good;
  non_canonical.replace(non_canonical.find("AQIDBAU="), 8, "AQIDBAV=");
  expect_rejected(non_canonical, "proof.bytes");
  std::string bad_char = good;
  bad_char.replace(bad_char.find("AQIDBAU="), 8, "AQID*AU=");
  expect_rejected(bad_char, "proof.bytes");
}

TEST(StoreEntry, RejectsNonCanonicalForms) {
  // Each is the golden entry, semantically, written differently.
  nlohmann::json j = nlohmann::json::parse(kGoldenBytes);
  expect_rejected(j.dump(2), "not in canonical form");
  expect_rejected(" " + kGoldenBytes, "not in canonical form");
  expect_rejected(golden_with(R"("decision":"approve")", R"("decision":"appro\u0076e")"),
                  "not in canonical form");
  // Keys out of order: move "signer" to the front.
  std::string reordered = golden_with(R"(,"signer":"bank-eu-west/prover-1")", "");
  reordered.insert(1, R"("signer":"bank-eu-west/prover-1",)");
  expect_rejected(reordered, "not in canonical form");
  // A duplicated key (the parser keeps one; the bytes are not canonical).
  expect_rejected(golden_with(R"("signer":"bank-eu-west/prover-1")",
                              R"("signer":"x","signer":"bank-eu-west/prover-1")"),
                  "not in canonical form");
  expect_rejected(golden_with(R"({"decision":"approve"})", R"({"decision":"approve","n":1.50})"),
                  "not in canonical form");
}

TEST(StoreEntry, SerializeRejectsInvalidEntries) {
  Entry e = golden_entry();
  e.disclosed_output = std::numeric_limits<double>::quiet_NaN();
  EXPECT_THROW(serialize_entry(e), Error);
  e = golden_entry();
  e.signer = "";
  EXPECT_THROW(serialize_entry(e), Error);
  e = golden_entry();
  e.signer = "\xff\xfe";
  EXPECT_THROW(serialize_entry(e), Error);
  e = golden_entry();
  e.policy = nullptr;
  EXPECT_THROW(serialize_entry(e), Error);
  e = golden_entry();
  e.input_commitment = filled(65, 1);
  EXPECT_THROW(serialize_entry(e), Error);
  e = golden_entry();
  e.proof.bytes = Bytes{1};
  EXPECT_THROW(serialize_entry(e), Error);  // both bytes and address
}

TEST(StoreEntry, RejectsOversizedInput) {
  EXPECT_THROW(parse_entry(Bytes(kMaxEntryBytes + 1, ' ')), Error);
}

}  // namespace
}  // namespace zkinfer::audit
