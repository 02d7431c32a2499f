// SPDX-License-Identifier: Apache-2.0
//
// TransparencyLog end to end on both backends: checkpoints, proofs, the
// witness gate, and audit_log finding every kind of tampering.
#include "audit/log.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "base/error.hpp"
#include "log_fixture.hpp"

namespace zkinfer::audit {
namespace {

using testing::LogTest;
using testing::make_entry;
using testing::mentions;
using testing::problems_text;

class TransparencyLogTest : public LogTest {};
ZKINFER_STORE_TEST_SUITE(TransparencyLogTest);

TEST_P(TransparencyLogTest, CheckpointsAndProofsVerify) {
  auto log = make_log();
  append(*log, 10);
  const OpenedCheckpoint first = open_checkpoint(log->checkpoint(), log_key_.verifier());
  EXPECT_EQ(first.checkpoint.size, 10u);
  EXPECT_EQ(log->latest_published_note(), log->checkpoint_note(10));
  for (std::uint64_t i = 0; i < 10; ++i) {
    const Digest leaf = entry_leaf_hash(*log->store().entry(i).body);
    EXPECT_NO_THROW(
        verify_inclusion(leaf, i, 10, log->inclusion_proof(i, 10), first.checkpoint.root))
        << "entry " << i;
  }
  append(*log, 7, 100);
  const OpenedCheckpoint second = open_checkpoint(log->checkpoint(), log_key_.verifier());
  EXPECT_EQ(second.checkpoint.size, 17u);
  EXPECT_NO_THROW(verify_consistency(10, 17, log->consistency_proof(10, 17), first.checkpoint.root,
                                     second.checkpoint.root));
  EXPECT_THROW(log->inclusion_proof(17, 17), Error);
  EXPECT_THROW(log->consistency_proof(5, 18), Error);

  // A second log object on the same store (another process) sees the same tree.
  TransparencyLog reader(open(), log_key_.verifier());
  EXPECT_EQ(reader.inclusion_proof(3, 17), log->inclusion_proof(3, 17));
  EXPECT_THROW(reader.checkpoint(), Error);

  const LogAudit report = audit();
  EXPECT_TRUE(report.ok()) << problems_text(report.problems);
  EXPECT_EQ(report.checkpoints_checked, 2u);
  EXPECT_EQ(report.size, 17u);
}

TEST_P(TransparencyLogTest, CheckpointPublishedOnlyOnceEveryWitnessCosigned) {
  const NoteSignerKey second_key =
      testing::test_key("witness-2.example", NoteKeyType::kCosignatureV1, 3);
  auto log = make_log({witness_key_.verifier(), second_key.verifier()});
  Witness first = make_witness();
  Witness second(second_key, {log_key_.verifier()}, dir_.path() / "second-state");
  append(*log, 5);
  log->checkpoint();
  EXPECT_FALSE(log->latest_published_note().has_value());
  const AddCheckpointRequest request = log->witness_request(5);
  EXPECT_FALSE(log->add_cosignature(5, format_signature_line(first.add_checkpoint(request, 10))));
  EXPECT_FALSE(log->latest_published_note().has_value());
  EXPECT_TRUE(log->add_cosignature(5, format_signature_line(second.add_checkpoint(request, 11))));
  const std::vector<NoteVerifierKey> witnesses = {witness_key_.verifier(), second_key.verifier()};
  const OpenedCheckpoint published =
      open_checkpoint(*log->latest_published_note(), log_key_.verifier(), witnesses);
  EXPECT_NO_THROW(require_cosigned(published, witnesses));

  // The next checkpoint goes to the witnesses with a consistency proof from size 5.
  append(*log, 4, 50);
  log->checkpoint();
  const AddCheckpointRequest next = log->witness_request(9);
  EXPECT_EQ(next.old_size, 5u);
  log->add_cosignature(9, format_signature_line(first.add_checkpoint(next, 12)));
  EXPECT_TRUE(log->add_cosignature(9, format_signature_line(second.add_checkpoint(next, 13))));
  EXPECT_EQ(open_checkpoint(*log->latest_published_note(), log_key_.verifier()).checkpoint.size,
            9u);

  // A cosignature by a key the log does not know is refused.
  const NoteSignerKey stranger = testing::test_key("stranger", NoteKeyType::kCosignatureV1, 9);
  EXPECT_THROW(
      log->add_cosignature(9, format_signature_line(cosign_note(
                                  parse_note(*log->checkpoint_note(9)).text, stranger, 14))),
      Error);
  const LogAudit report = audit(witnesses);
  EXPECT_TRUE(report.ok()) << problems_text(report.problems);
}

TEST_P(TransparencyLogTest, AuditRequiresWitnessCosignatures) {
  auto log = make_log();
  append(*log, 3);
  log->checkpoint();  // published without witnesses
  const LogAudit report = audit({witness_key_.verifier()});
  EXPECT_TRUE(mentions(report.problems, "no cosignature from witness witness.example"))
      << problems_text(report.problems);
}

class LogTamperTest : public LogTest {
 protected:
  void SetUp() override {
    LogTest::SetUp();
    if (IsSkipped()) return;
    auto log = make_log();
    append(*log, 8);
    log->checkpoint();
    ASSERT_TRUE(audit().ok());
  }

  void expect_detected(const std::string& fragment) {
    const LogAudit report = audit();
    EXPECT_FALSE(report.ok());
    EXPECT_TRUE(mentions(report.problems, fragment))
        << "no problem mentions '" << fragment << "':\n"
        << problems_text(report.problems);
  }

  std::string set_row(std::int64_t index, const std::string& assignments) const {
    return "UPDATE audit_entries SET " + assignments + " WHERE idx = " + std::to_string(index);
  }
};
ZKINFER_STORE_TEST_SUITE(LogTamperTest);

TEST_P(LogTamperTest, EditedBody) {
  exec_sql(set_row(3, "body = " + blob_literal(serialize_entry(make_entry("forged", 7)))));
  expect_detected("entry 3: the body does not match its leaf hash");
}

TEST_P(LogTamperTest, EditedBodyAndLeafHash) {
  const Bytes forged = serialize_entry(make_entry("forged", 7));
  exec_sql(set_row(3, "body = " + blob_literal(forged) +
                          ", leaf_hash = " + blob_literal(entry_leaf_hash(forged).bytes)));
  expect_detected("checkpoint of size 8: signed root");
}

TEST_P(LogTamperTest, EditedRowWithRewrittenChain) {
  // An intruder who rewrites the whole hash chain passes verify_store; only
  // the signed checkpoint gives the edit away.
  const Bytes forged = serialize_entry(make_entry("forged", 7));
  std::vector<Digest> leaves = open()->leaf_hashes(0, 8);
  leaves[3] = entry_leaf_hash(forged);
  exec_sql(set_row(
      3, "body = " + blob_literal(forged) + ", leaf_hash = " + blob_literal(leaves[3].bytes)));
  Digest chain = kChainGenesis;
  for (std::uint64_t i = 0; i < 8; ++i) {
    chain = chain_hash(chain, i, leaves[i]);
    exec_sql(set_row(static_cast<std::int64_t>(i), "chain_hash = " + blob_literal(chain.bytes)));
  }
  exec_sql("UPDATE audit_state SET head = " + blob_literal(chain.bytes));
  const LogAudit report = audit();
  ASSERT_EQ(report.problems.size(), 1u) << problems_text(report.problems);
  EXPECT_TRUE(mentions(report.problems, "checkpoint of size 8: signed root"));
}

TEST_P(LogTamperTest, DeletedRow) {
  exec_sql("DELETE FROM audit_entries WHERE idx = 5");
  expect_detected("entry 5 is missing");
  expect_detected("cannot rebuild the tree");
}

TEST_P(LogTamperTest, ReorderedRows) {
  exec_sql(set_row(2, "idx = -1"));
  exec_sql(set_row(6, "idx = 2"));
  exec_sql(set_row(-1, "idx = 6"));
  expect_detected("checkpoint of size 8: signed root");
}

TEST_P(LogTamperTest, ForgedCheckpoint) {
  // Signed by another key under the log's name: the store takes opaque text.
  const NoteSignerKey forger = testing::test_key(testing::kOrigin, NoteKeyType::kEd25519, 66);
  auto store = open();
  store->save_checkpoint(4, sign_checkpoint({testing::kOrigin, 4, Digest{}, {}}, forger));
  expect_detected("checkpoint of size 4:");
}

TEST_P(LogTamperTest, CheckpointWithWrongRootSignedByTheLogKey) {
  auto store = open();
  store->save_checkpoint(5, sign_checkpoint({testing::kOrigin, 5, Digest{}, {}}, log_key_));
  expect_detected("checkpoint of size 5: signed root");
}

TEST_P(TransparencyLogTest, PruningKeepsAuditAndProofsGreen) {
  const Timestamp start = from_unix_ms(1767225600000);
  Timestamp now = start;
  StoreOptions options;
  options.retention.minimum = std::chrono::days(1);
  options.clock = [&now] { return now; };
  auto log = make_log({}, options);
  append(*log, 6);
  now += std::chrono::hours(1);
  append(*log, 3, 40);
  log->checkpoint();
  now += std::chrono::days(2);
  EXPECT_EQ(log->store().prune_entries_before(start + std::chrono::minutes(1)), 6u);
  const OpenedCheckpoint cp = open_checkpoint(*log->latest_published_note(), log_key_.verifier());
  const Digest leaf = log->store().entry(2).leaf_hash;
  EXPECT_FALSE(log->store().entry(2).body.has_value());
  EXPECT_NO_THROW(verify_inclusion(leaf, 2, 9, log->inclusion_proof(2, 9), cp.checkpoint.root));
  const LogAudit report = audit_log(log->store(), log_key_.verifier());
  EXPECT_TRUE(report.ok()) << problems_text(report.problems);
  EXPECT_THROW(log->export_tiles(dir_.path() / "tiles"), Error);
}

TEST_P(TransparencyLogTest, TilesExportAndMonitor) {
  auto log = make_log({witness_key_.verifier()});
  Witness witness = make_witness();
  append(*log, 300);
  cosigned_checkpoint(*log, witness);
  const std::filesystem::path tiles = dir_.path() / "tiles";
  log->export_tiles(tiles);
  const std::vector<NoteVerifierKey> witnesses = {witness_key_.verifier()};
  const TileAudit good = monitor_tiles(tiles, log_key_.verifier(), witnesses);
  EXPECT_TRUE(good.ok()) << problems_text(good.problems);
  EXPECT_EQ(good.entries_checked, 300u);

  // The wrong log key, or a witness that did not cosign, fails at the checkpoint.
  const NoteSignerKey other = testing::test_key(testing::kOrigin, NoteKeyType::kEd25519, 5);
  EXPECT_FALSE(monitor_tiles(tiles, other.verifier()).ok());
  const NoteSignerKey absent = testing::test_key("absent", NoteKeyType::kCosignatureV1, 6);
  EXPECT_FALSE(monitor_tiles(tiles, log_key_.verifier(), std::vector{absent.verifier()}).ok());

  // One flipped byte in a full tile is found.
  const std::filesystem::path tile = tiles / tile_path(0, 0, 256);
  std::fstream file(tile, std::ios::in | std::ios::out | std::ios::binary);
  file.seekp(100);
  file.put('\x5a');
  file.close();
  const TileAudit bad = monitor_tiles(tiles, log_key_.verifier(), witnesses);
  EXPECT_FALSE(bad.ok());
}

}  // namespace
}  // namespace zkinfer::audit
