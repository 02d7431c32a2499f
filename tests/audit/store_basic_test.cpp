// SPDX-License-Identifier: Apache-2.0
//
// LogStore on both backends: append and read back, reopen, checkpoints,
// and clear errors for missing, foreign, corrupt or unreachable databases.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <fstream>

#include "base/error.hpp"
#include "store_fixture.hpp"

namespace zkinfer::audit {
namespace {

using testing::append_entries;
using testing::make_entry;
using testing::problems_text;
using testing::StoreTest;

class StoreBasicTest : public StoreTest {};
ZKINFER_STORE_TEST_SUITE(StoreBasicTest);

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

hash::Digest openssl_leaf_hash(const Bytes& body) {
  Bytes prefixed{0x00};
  prefixed.insert(prefixed.end(), body.begin(), body.end());
  hash::Digest d;
  SHA256(prefixed.data(), prefixed.size(), d.bytes.data());
  return d;
}

TEST_P(StoreBasicTest, AppendAndReadBack) {
  const Timestamp now = parse_timestamp("2026-05-04T03:02:01.000Z", "now");
  StoreOptions options;
  options.clock = [now] { return now; };
  auto store = create(options);
  EXPECT_EQ(store->size(), 0u);
  EXPECT_TRUE(store->leaf_hashes(0, 0).empty());
  const std::vector<Bytes> bodies = append_entries(*store, 5);
  ASSERT_EQ(store->size(), 5u);
  for (std::uint64_t i = 0; i < 5; ++i) {
    const StoredEntry e = store->entry(i);
    EXPECT_EQ(e.index, i);
    ASSERT_TRUE(e.body.has_value());
    EXPECT_EQ(*e.body, bodies[i]);
    EXPECT_EQ(e.leaf_hash, openssl_leaf_hash(bodies[i]));
    EXPECT_EQ(e.logged_at, now);
    EXPECT_FALSE(e.pruned_at.has_value());
    EXPECT_EQ(parse_entry(*e.body).signer, "entry-" + std::to_string(i));
  }
  const std::vector<hash::Digest> leaves = store->leaf_hashes(1, 4);
  ASSERT_EQ(leaves.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(leaves[i], openssl_leaf_hash(bodies[i + 1]));
  EXPECT_NE(error_of([&] { store->entry(5); }).find("entry 5 does not exist"), std::string::npos);
  EXPECT_THROW(store->leaf_hashes(3, 6), Error);
  EXPECT_THROW(store->leaf_hashes(3, 2), Error);

  const std::vector<RawRow> rows = store->raw_rows(0, 100);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(rows[4].index, 4);
  EXPECT_EQ(rows[4].body, bodies[4]);
  const StoreVerification v = verify_store(*store);
  EXPECT_TRUE(v.ok()) << problems_text(v);
  EXPECT_EQ(v.size, 5u);
  EXPECT_EQ(v.bodies_checked, 5u);
}

TEST_P(StoreBasicTest, AppendEntryAndRefusedAppends) {
  auto store = create();
  const Entry e = make_entry("x", 7);
  EXPECT_EQ(append_entry(*store, e), 0u);
  EXPECT_EQ(parse_entry(*store->entry(0).body), e);
  const Bytes body = serialize_entry(make_entry("y", 8));
  hash::Digest wrong = entry_leaf_hash(body);
  wrong.bytes[0] ^= 1;
  EXPECT_NE(error_of([&] { store->append(body, wrong); }).find("leaf hash"), std::string::npos);
  EXPECT_THROW(store->append(Bytes{}, entry_leaf_hash(Bytes{})), Error);
  EXPECT_EQ(store->size(), 1u);
}

TEST_P(StoreBasicTest, SurvivesReopen) {
  std::vector<Bytes> bodies;
  {
    auto store = create();
    bodies = append_entries(*store, 3);
    store->save_checkpoint(3, "note for 3\n");
  }
  {
    auto again = create();  // creating an existing log opens it
    EXPECT_EQ(again->size(), 3u);
  }
  auto store = open();
  ASSERT_EQ(store->size(), 3u);
  for (std::uint64_t i = 0; i < 3; ++i) EXPECT_EQ(*store->entry(i).body, bodies[i]);
  EXPECT_EQ(store->latest_checkpoint(false)->note, "note for 3\n");
  const Bytes more = serialize_entry(make_entry("more", 99));
  EXPECT_EQ(store->append(more, entry_leaf_hash(more)), 3u);
  EXPECT_TRUE(verify_store(*store).ok());
}

TEST_P(StoreBasicTest, Checkpoints) {
  auto store = create();
  append_entries(*store, 6);
  EXPECT_FALSE(store->latest_checkpoint(false).has_value());
  store->save_checkpoint(3, "checkpoint 3");
  store->save_checkpoint(3, "checkpoint 3");  // the same again: no-op
  EXPECT_NE(error_of([&] { store->save_checkpoint(3, "another 3"); }).find("different checkpoint"),
            std::string::npos);
  EXPECT_NE(error_of([&] { store->save_checkpoint(7, "too big"); }).find("holds 6"),
            std::string::npos);
  store->add_cosignature(3, "witness-b", "sig b");
  store->add_cosignature(3, "witness-a", "sig a");
  store->add_cosignature(3, "witness-b", "sig b2");  // replaced
  EXPECT_THROW(store->add_cosignature(4, "witness-a", "sig"), Error);
  EXPECT_THROW(store->publish_checkpoint(4), Error);

  std::optional<StoredCheckpoint> c = store->checkpoint(3);
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->size, 3u);
  EXPECT_EQ(c->note, "checkpoint 3");
  EXPECT_FALSE(c->published);
  EXPECT_EQ(c->cosignatures,
            (std::vector<Cosignature>{{"witness-a", "sig a"}, {"witness-b", "sig b2"}}));
  EXPECT_FALSE(store->latest_checkpoint(true).has_value());
  store->publish_checkpoint(3);
  store->save_checkpoint(6, "checkpoint 6");
  EXPECT_EQ(store->latest_checkpoint(false)->size, 6u);
  EXPECT_TRUE(store->latest_checkpoint(false)->cosignatures.empty());
  EXPECT_EQ(store->latest_checkpoint(true)->size, 3u);
  EXPECT_EQ(store->latest_checkpoint(true)->cosignatures.size(), 2u);
  EXPECT_FALSE(store->checkpoint(5).has_value());
  store.reset();
  EXPECT_EQ(open()->latest_checkpoint(true)->note, "checkpoint 3");
}

TEST_P(StoreBasicTest, OpeningAMissingLogFails) {
  const std::string message = error_of([&] { open(); });
  EXPECT_NE(message.find(is_postgres() ? "not a zkinfer audit log" : "does not exist"),
            std::string::npos)
      << message;
}

TEST_P(StoreBasicTest, RetentionIsFixedAtCreation) {
  StoreOptions options;
  options.retention.minimum = std::chrono::days(3650);
  create(options);
  options.retention.minimum = std::chrono::days(1);
  EXPECT_EQ(open(options)->retention().minimum, std::chrono::days(3650));
  EXPECT_EQ(create(options)->retention().minimum, std::chrono::days(3650));
  options.retention.minimum = std::chrono::days(-1);
  EXPECT_THROW(create(options), Error);
}

TEST_P(StoreBasicTest, ForeignDatabaseIsNotALog) {
  exec_sql(is_postgres() ? "CREATE SCHEMA " + schema_ + "; CREATE TABLE " + schema_ + ".t (x int)"
                         : "CREATE TABLE t (x INTEGER)");
  const std::string message = error_of([&] { open(); });
  EXPECT_NE(message.find("not a zkinfer audit log"), std::string::npos) << message;
}

TEST_P(StoreBasicTest, UnsupportedSchemaVersion) {
  create();
  exec_sql("UPDATE audit_meta SET value = 'zkinfer-audit-store-99' WHERE key = 'schema'");
  const std::string message = error_of([&] { open(); });
  EXPECT_NE(message.find("unsupported store schema"), std::string::npos) << message;
}

class TempFile {
 public:
  explicit TempFile(const std::string& name)
      : path_(::testing::TempDir() + "zkinfer_" + std::to_string(getpid()) + "_" + name) {}
  ~TempFile() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(StoreSqliteErrors, GarbageFile) {
  TempFile file("garbage.db");
  std::ofstream(file.path()) << std::string(4096, 'x');
  const std::string message = error_of([&] { open_sqlite_store(file.path(), {}); });
  EXPECT_NE(message.find("not a database"), std::string::npos) << message;
  EXPECT_NE(message.find(file.path()), std::string::npos) << message;
}

TEST(StoreSqliteErrors, TruncatedLog) {
  TempFile file("truncated.db");
  {
    StoreOptions options;
    options.create_if_missing = true;
    auto store = open_sqlite_store(file.path(), options);
    testing::append_entries(*store, 200);
  }  // closing checkpoints the WAL into the main file
  const auto size = std::filesystem::file_size(file.path());
  ASSERT_GT(size, 8192u);
  std::filesystem::resize_file(file.path(), size / 2);
  const std::string message = error_of([&] {
    auto store = open_sqlite_store(file.path(), {});
    for (std::uint64_t i = 0; i < store->size(); ++i) store->entry(i);
    verify_store(*store);
  });
  EXPECT_NE(message.find("malformed"), std::string::npos) << message;
}

TEST(StoreSqliteErrors, UnwritableLocation) {
  StoreOptions options;
  options.create_if_missing = true;
  const std::string message =
      error_of([&] { open_sqlite_store("/nonexistent-dir/zkinfer/log.db", options); });
  EXPECT_NE(message.find("cannot open"), std::string::npos) << message;
}

TEST(StorePostgresErrors, UnreachableServer) {
  const std::vector<std::function<void()>> attempts = {
      [] { open_postgres_store("host=127.0.0.1 port=1 connect_timeout=5 password=hunter2", {}); },
      [] { open_store("postgresql://u:hunter2@127.0.0.1:1/d?connect_timeout=5", {}); },
  };
  for (const auto& attempt : attempts) {
    const std::string message = error_of(attempt);
    EXPECT_NE(message.find("cannot connect to the PostgreSQL server"), std::string::npos)
        << message;
    EXPECT_NE(message.find("127.0.0.1"), std::string::npos) << message;
    EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
  }
  const std::string socket =
      error_of([&] { open_postgres_store("host=/nonexistent-socket-dir dbname=d", {}); });
  EXPECT_NE(socket.find("cannot connect"), std::string::npos) << socket;
}

TEST(StorePostgresErrors, InvalidConnectionString) {
  const std::string message = error_of([&] { open_postgres_store("host=x bogus_keyword=1", {}); });
  EXPECT_NE(message.find("invalid PostgreSQL connection string"), std::string::npos) << message;
}

TEST(StoreLocation, SqlitePrefix) {
  TempFile file("prefixed.db");
  StoreOptions options;
  options.create_if_missing = true;
  auto store = open_store("sqlite:" + file.path(), options);
  EXPECT_EQ(store->describe(), "sqlite:" + file.path());
  EXPECT_TRUE(std::filesystem::exists(file.path()));
}

}  // namespace
}  // namespace zkinfer::audit
