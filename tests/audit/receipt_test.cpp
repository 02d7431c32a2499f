// SPDX-License-Identifier: Apache-2.0
//
// Receipts (DSSE envelope of an in-toto statement, inclusion proof,
// cosigned checkpoint): export and offline verification, and every
// modification of the file rejected.
#include "audit/receipt.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "audit/base64.hpp"
#include "base/error.hpp"
#include "log_fixture.hpp"

namespace zkinfer::audit {
namespace {

using nlohmann::json;
using testing::LogTest;
using testing::make_entry;

TEST(DssePae, MatchesTheSpecificationExample) {
  // The worked example of the DSSE protocol specification.
  const std::string body = "hello world";
  const Bytes pae = dsse_pae("http://example.com/HelloWorld", Bytes(body.begin(), body.end()));
  EXPECT_EQ(std::string(pae.begin(), pae.end()),
            "DSSEv1 29 http://example.com/HelloWorld 11 hello world");
}

class ReceiptTest : public LogTest {
 protected:
  void SetUp() override {
    LogTest::SetUp();
    if (IsSkipped()) return;
    log_ = make_log({witness_key_.verifier()});
    Witness witness = make_witness();
    append(*log_, 11);
    cosigned_checkpoint(*log_, witness);
    receipt_ = export_receipt(*log_, 6);
  }

  std::vector<NoteVerifierKey> witnesses() const { return {witness_key_.verifier()}; }

  void expect_rejected(const json& receipt, const std::string& fragment) const {
    try {
      verify_receipt(receipt.dump(), log_key_.verifier(), witnesses());
      ADD_FAILURE() << "modified receipt accepted (expected: " << fragment << ")";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }

  // The receipt with its statement replaced by `edit(statement)`.
  json with_statement(const std::function<void(json&)>& edit) const {
    json receipt = json::parse(receipt_);
    const Bytes payload = base64_decode(receipt["envelope"]["payload"].get<std::string>(), "p");
    json statement = json::parse(payload.begin(), payload.end());
    edit(statement);
    const std::string text = statement.dump();
    receipt["envelope"]["payload"] = base64_encode(Bytes(text.begin(), text.end()));
    return receipt;
  }

  std::unique_ptr<TransparencyLog> log_;
  std::string receipt_;
};
ZKINFER_STORE_TEST_SUITE(ReceiptTest);

TEST_P(ReceiptTest, VerifiesOffline) {
  const VerifiedReceipt v = verify_receipt(receipt_, log_key_.verifier(), witnesses());
  EXPECT_EQ(v.index, 6u);
  EXPECT_EQ(v.checkpoint.size, 11u);
  EXPECT_EQ(serialize_entry(v.entry), *log_->store().entry(6).body);

  const json receipt = json::parse(receipt_);
  const Bytes payload = base64_decode(receipt["envelope"]["payload"].get<std::string>(), "p");
  const json statement = json::parse(payload.begin(), payload.end());
  EXPECT_EQ(statement["_type"], "https://in-toto.io/Statement/v1");
  EXPECT_EQ(statement["subject"][0]["name"], "proof");
  EXPECT_EQ(statement["subject"][0]["digest"]["sha256"], hash::to_hex(v.entry.proof.digest));
  EXPECT_EQ(receipt["envelope"]["payloadType"], "application/vnd.in-toto+json");
}

TEST_P(ReceiptTest, WrongLogKeyRejected) {
  const NoteSignerKey other = testing::test_key(testing::kOrigin, NoteKeyType::kEd25519, 77);
  EXPECT_THROW(verify_receipt(receipt_, other.verifier(), witnesses()), Error);
}

TEST_P(ReceiptTest, MissingWitnessCosignatureRejected) {
  const NoteSignerKey absent = testing::test_key("absent", NoteKeyType::kCosignatureV1, 8);
  EXPECT_THROW(verify_receipt(receipt_, log_key_.verifier(), std::vector{absent.verifier()}),
               Error);
}

TEST_P(ReceiptTest, ModifiedPredicateRejected) {
  expect_rejected(with_statement([](json& s) { s["predicate"]["signer"] = "mallory"; }),
                  "DSSE signature");
}

TEST_P(ReceiptTest, ModifiedSubjectRejected) {
  expect_rejected(with_statement([](json& s) { s["subject"][0]["digest"]["sha256"] = "00"; }),
                  "DSSE signature");
}

TEST_P(ReceiptTest, ModifiedPayloadTypeRejected) {
  json receipt = json::parse(receipt_);
  receipt["envelope"]["payloadType"] = "application/json";
  expect_rejected(receipt, "payloadType");
}

TEST_P(ReceiptTest, ModifiedIndexRejected) {
  json receipt = json::parse(receipt_);
  receipt["log_index"] = 7;
  expect_rejected(receipt, "");
}

TEST_P(ReceiptTest, ModifiedProofRejected) {
  json receipt = json::parse(receipt_);
  receipt["inclusion_proof"][1] = base64_encode(Digest{}.bytes);
  expect_rejected(receipt, "");
}

TEST_P(ReceiptTest, ModifiedCheckpointRejected) {
  json receipt = json::parse(receipt_);
  std::string note = receipt["checkpoint"].get<std::string>();
  note.replace(note.find("\n11\n"), 4, "\n12\n");
  receipt["checkpoint"] = note;
  expect_rejected(receipt, "");
}

TEST_P(ReceiptTest, ReceiptForAnotherEntryDoesNotVerifyThisOne) {
  // Swapping in another entry's envelope with this entry's proof fails inclusion.
  json receipt = json::parse(receipt_);
  receipt["envelope"] = json::parse(export_receipt(*log_, 2))["envelope"];
  expect_rejected(receipt, "");
}

TEST_P(ReceiptTest, UncoveredOrPrunedEntryHasNoReceipt) {
  log_->append(make_entry("late", 99));
  EXPECT_THROW(export_receipt(*log_, 11), Error);
}

}  // namespace
}  // namespace zkinfer::audit
