// SPDX-License-Identifier: Apache-2.0
//
// Rows edited, deleted, reordered or inserted directly in the database,
// bypassing the store, are reported by verify_store and, where the row is
// read, by entry().
#include <gtest/gtest.h>

#include "base/error.hpp"
#include "store_fixture.hpp"

namespace zkinfer::audit {
namespace {

using testing::append_entries;
using testing::has_problem;
using testing::make_entry;
using testing::problems_text;
using testing::StoreTest;

constexpr std::size_t kEntries = 8;

class StoreTamperTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    if (IsSkipped()) return;
    auto store = create();
    bodies_ = append_entries(*store, kEntries);
    ASSERT_TRUE(verify_store(*store).ok());
  }

  // Verifies the tampered log and expects a problem mentioning `fragment`.
  void expect_detected(const std::string& fragment) {
    const StoreVerification v = verify_store(*open());
    EXPECT_FALSE(v.ok());
    EXPECT_TRUE(has_problem(v, fragment)) << "no problem mentions '" << fragment << "':\n"
                                          << problems_text(v);
  }

  void expect_entry_fails(std::uint64_t index, const std::string& fragment) {
    try {
      open()->entry(index);
      ADD_FAILURE() << "entry " << index << " read without error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }

  std::string set_row(std::int64_t index, const std::string& assignments) const {
    return "UPDATE audit_entries SET " + assignments + " WHERE idx = " + std::to_string(index);
  }

  std::vector<Bytes> bodies_;
};
ZKINFER_STORE_TEST_SUITE(StoreTamperTest);

TEST_P(StoreTamperTest, EditedBody) {
  const Bytes forged = serialize_entry(make_entry("forged", 1234));
  exec_sql(set_row(3, "body = " + blob_literal(forged)));
  expect_detected("entry 3: the body does not match its leaf hash");
  expect_entry_fails(3, "does not match its leaf hash");
}

TEST_P(StoreTamperTest, EditedBodyAndLeafHash) {
  const Bytes forged = serialize_entry(make_entry("forged", 1234));
  exec_sql(set_row(3, "body = " + blob_literal(forged) +
                          ", leaf_hash = " + blob_literal(entry_leaf_hash(forged).bytes)));
  expect_detected("entry 3: the chain hash does not follow from entry 2");
}

TEST_P(StoreTamperTest, DeletedRow) {
  exec_sql("DELETE FROM audit_entries WHERE idx = 5");
  expect_detected("entry 5 is missing");
  expect_entry_fails(5, "missing");
  EXPECT_THROW(open()->leaf_hashes(0, kEntries), Error);
}

TEST_P(StoreTamperTest, DeletedLastRow) {
  exec_sql("DELETE FROM audit_entries WHERE idx = 7");
  expect_detected("entry 7 is missing");
}

TEST_P(StoreTamperTest, TruncatedWithStateRewritten) {
  // A careful intruder also rewinds the state row to the previous head; only
  // the stored checkpoint still remembers the old size.
  open()->save_checkpoint(kEntries, "checkpoint 8");
  const std::vector<RawRow> rows = open()->raw_rows(6, 1);
  exec_sql("DELETE FROM audit_entries WHERE idx = 7");
  exec_sql("UPDATE audit_state SET size = 7, head = " + blob_literal(rows[0].chain_hash));
  expect_detected("a checkpoint of 8 entries is stored but the log holds only 7");
}

TEST_P(StoreTamperTest, StateRowShrunk) {
  exec_sql("UPDATE audit_state SET size = 6");
  expect_detected("lies outside the log of 6 entries");
}

TEST_P(StoreTamperTest, SwappedRows) {
  exec_sql(set_row(2, "idx = -1"));
  exec_sql(set_row(6, "idx = 2"));
  exec_sql(set_row(-1, "idx = 6"));
  // Each body still matches its own leaf hash; the chain ties rows to indices.
  EXPECT_EQ(*open()->entry(2).body, bodies_[6]);
  expect_detected("entry 2: the chain hash does not follow from entry 1");
  expect_detected("entry 6: the chain hash does not follow from entry 5");
}

TEST_P(StoreTamperTest, InsertedRow) {
  const Bytes extra = serialize_entry(make_entry("extra", 77));
  const RawRow last = open()->raw_rows(7, 1)[0];
  exec_sql(
      "INSERT INTO audit_entries (idx, leaf_hash, chain_hash, body, logged_at_ms) VALUES (8, " +
      blob_literal(entry_leaf_hash(extra).bytes) + ", " + blob_literal(last.chain_hash) + ", " +
      blob_literal(extra) + ", 0)");
  expect_detected("a row with index 8 lies outside the log");
}

TEST_P(StoreTamperTest, BodyDeletedWithoutPruning) {
  exec_sql(set_row(4, "body = NULL"));
  expect_detected("entry 4: the body is missing without a pruning record");
  expect_entry_fails(4, "missing but was never pruned");
}

TEST_P(StoreTamperTest, MalformedLeafHash) {
  exec_sql(set_row(1, "leaf_hash = " + blob_literal(Bytes{1, 2, 3})));
  expect_detected("entry 1 has a malformed leaf hash");
  expect_entry_fails(1, "malformed leaf hash");
}

TEST_P(StoreTamperTest, UntouchedLogStillVerifies) {
  const StoreVerification v = verify_store(*open());
  EXPECT_TRUE(v.ok()) << problems_text(v);
  EXPECT_EQ(v.bodies_checked, kEntries);
}

}  // namespace
}  // namespace zkinfer::audit
