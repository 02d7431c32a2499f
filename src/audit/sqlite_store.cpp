// SPDX-License-Identifier: Apache-2.0
#include "audit/sqlite_store.hpp"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <thread>

#include "base/error.hpp"
#include "base/os_random.hpp"

namespace zkinfer::audit {
namespace {

using std::chrono::steady_clock;

constexpr const char* kCreateSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_state (
  id INTEGER PRIMARY KEY CHECK (id = 0),
  size INTEGER NOT NULL,
  head BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS audit_entries (
  idx INTEGER PRIMARY KEY,
  leaf_hash BLOB NOT NULL,
  chain_hash BLOB NOT NULL,
  body BLOB,
  logged_at_ms INTEGER NOT NULL,
  pruned_at_ms INTEGER);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  size INTEGER PRIMARY KEY,
  note TEXT NOT NULL,
  saved_at_ms INTEGER NOT NULL,
  published INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS audit_cosignatures (
  size INTEGER NOT NULL,
  witness TEXT NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (size, witness));
INSERT INTO audit_state (id, size, head) VALUES (0, 0, zeroblob(32)) ON CONFLICT DO NOTHING;
)sql";

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StatementFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

class SqliteStore;

// One execution of a prepared statement: bind, step, read columns; the
// statement is reset and its bindings cleared when the Query goes away.
class Query {
 public:
  Query(const SqliteStore& store, const Statement& statement);
  ~Query() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;

  Query& bind(std::int64_t value) {
    check_bind(sqlite3_bind_int64(stmt_, ++next_param_, value));
    return *this;
  }
  Query& bind(ByteSpan blob) {
    // Bodies are at most kMaxEntryBytes, far below SQLite's 1 GB blob limit.
    check_bind(sqlite3_bind_blob(stmt_, ++next_param_, blob.data(), static_cast<int>(blob.size()),
                                 SQLITE_STATIC));
    return *this;
  }
  Query& bind(std::string_view text) {
    check_bind(sqlite3_bind_text(stmt_, ++next_param_, text.data(), static_cast<int>(text.size()),
                                 SQLITE_STATIC));
    return *this;
  }

  // True while there is a row to read.
  bool step();
  void run() {
    while (step()) {
    }
  }

  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  Bytes blob(int column) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt_, column));
    return Bytes(data, data + sqlite3_column_bytes(stmt_, column));
  }
  std::optional<Bytes> optional_blob(int column) const {
    if (is_null(column)) return std::nullopt;
    return blob(column);
  }
  std::optional<std::int64_t> optional_integer(int column) const {
    if (is_null(column)) return std::nullopt;
    return integer(column);
  }
  std::string text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return std::string(data, data + sqlite3_column_bytes(stmt_, column));
  }

 private:
  void check_bind(int rc);

  const SqliteStore& store_;
  sqlite3_stmt* stmt_;
  int next_param_ = 0;
};

class SqliteStore final : public LogStore {
 public:
  SqliteStore(const std::string& path, const StoreOptions& options);

  RawState read_state() const override;
  std::vector<RawRow> raw_rows(std::int64_t from_index, std::size_t max_rows) const override;
  std::string describe() const override { return "sqlite:" + path_; }

  [[noreturn]] void fail_sqlite(int rc, std::string_view doing) const {
    const char* message = db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(rc);
    fail_store(std::string(doing) + ": " + message + " (SQLite code " + std::to_string(rc) + ")");
  }

 protected:
  std::uint64_t append_row(ByteSpan body, const hash::Digest& leaf_hash,
                           std::int64_t logged_at_ms) override;
  std::vector<std::pair<std::int64_t, Bytes>> raw_leaf_hashes(std::uint64_t begin,
                                                              std::uint64_t end) const override;
  std::uint64_t prune_rows(std::int64_t cutoff_ms, std::int64_t now_ms) override;
  std::string insert_checkpoint(std::uint64_t tree_size, std::string_view note,
                                std::int64_t now_ms) override;
  void upsert_cosignature(std::uint64_t tree_size, std::string_view witness,
                          std::string_view signature) override;
  void mark_published(std::uint64_t tree_size) override;
  std::optional<StoredCheckpoint> read_checkpoint(std::optional<std::uint64_t> tree_size,
                                                  bool published_only) const override;

 private:
  // Holds the write lock (BEGIN IMMEDIATE) until commit(); rolls back if
  // destroyed before, e.g. by an exception.
  class WriteTransaction {
   public:
    explicit WriteTransaction(SqliteStore& store) : store_(store) {
      store_.step_waiting(store_.begin_immediate_, "starting a write transaction");
    }
    ~WriteTransaction() {
      if (!committed_) sqlite3_exec(store_.db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;
    void commit() {
      store_.step_waiting(store_.commit_, "committing");
      committed_ = true;
    }

   private:
    SqliteStore& store_;
    bool committed_ = false;
  };

  static int on_busy(void* self, int attempt);
  void exec(const char* sql, std::string_view doing);
  Statement prepare(const char* sql) const;
  // Steps a statement that takes the write lock, retrying SQLITE_BUSY until
  // the busy timeout (the busy handler waits inside each attempt).
  void step_waiting(const Statement& statement, std::string_view doing);
  void create_schema(const RetentionPolicy& retention);
  RetentionPolicy check_schema();
  std::vector<Cosignature> read_cosignatures(std::uint64_t tree_size) const;

  std::string path_;
  std::unique_ptr<sqlite3, DbCloser> db_;
  std::chrono::milliseconds busy_timeout_;
  steady_clock::time_point busy_since_;
  std::minstd_rand jitter_;

  Statement begin_immediate_, commit_, select_state_, insert_entry_, update_state_, select_rows_,
      select_leaf_hashes_, prune_, insert_checkpoint_, select_checkpoint_note_, upsert_cosignature_,
      publish_, select_checkpoint_, select_latest_checkpoint_, select_cosignatures_;

  friend class Query;
};

Query::Query(const SqliteStore& store, const Statement& statement)
    : store_(store), stmt_(statement.get()) {}

bool Query::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  store_.fail_sqlite(rc, std::string("running ") + sqlite3_sql(stmt_));
}

void Query::check_bind(int rc) {
  if (rc != SQLITE_OK) store_.fail_sqlite(rc, "binding a parameter");
}

SqliteStore::SqliteStore(const std::string& path, const StoreOptions& options)
    : LogStore(options),
      path_(path),
      busy_timeout_(options.busy_timeout),
      jitter_(static_cast<std::uint_fast32_t>(os_random_u64())) {
  validate_retention(options.retention);
  if (!options.create_if_missing && !std::filesystem::exists(path))
    fail_store("does not exist (create the log first)");
  const int flags = SQLITE_OPEN_READWRITE | (options.create_if_missing ? SQLITE_OPEN_CREATE : 0) |
                    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  db_.reset(db);
  if (rc != SQLITE_OK) fail_sqlite(rc, "cannot open");
  sqlite3_busy_handler(db_.get(), &SqliteStore::on_busy, this);
  // Hardening against a crafted database file: no schema writes through
  // PRAGMA, no SQL functions run from the schema.
  sqlite3_db_config(db_.get(), SQLITE_DBCONFIG_DEFENSIVE, 1, nullptr);
  exec("PRAGMA trusted_schema = OFF", "configuring the connection");

  begin_immediate_ = prepare("BEGIN IMMEDIATE");
  commit_ = prepare("COMMIT");
  {
    const Statement journal_mode = prepare("PRAGMA journal_mode = WAL");
    Query q(*this, journal_mode);
    if (!q.step() || q.text(0) != "wal")
      fail_store("cannot switch to WAL mode (is the file on a local file system?)");
  }
  // FULL: in WAL mode, every commit fsyncs the WAL before returning, so an
  // acknowledged append survives power loss (NORMAL only survives crashes
  // of the process). secure_delete: pruned bodies are overwritten on disk.
  exec("PRAGMA synchronous = FULL; PRAGMA secure_delete = ON", "configuring the connection");
  if (options.create_if_missing) create_schema(options.retention);
  set_retention(check_schema());

  select_state_ = prepare("SELECT size, head FROM audit_state WHERE id = 0");
  insert_entry_ = prepare(
      "INSERT INTO audit_entries (idx, leaf_hash, chain_hash, body, logged_at_ms) "
      "VALUES (?1, ?2, ?3, ?4, ?5)");
  update_state_ = prepare("UPDATE audit_state SET size = ?1, head = ?2 WHERE id = 0");
  select_rows_ = prepare(
      "SELECT idx, leaf_hash, chain_hash, body, logged_at_ms, pruned_at_ms FROM audit_entries "
      "WHERE idx >= ?1 ORDER BY idx LIMIT ?2");
  select_leaf_hashes_ =
      prepare("SELECT idx, leaf_hash FROM audit_entries WHERE idx >= ?1 AND idx < ?2 ORDER BY idx");
  prune_ = prepare(
      "UPDATE audit_entries SET body = NULL, pruned_at_ms = ?2 "
      "WHERE logged_at_ms < ?1 AND body IS NOT NULL");
  insert_checkpoint_ = prepare(
      "INSERT INTO audit_checkpoints (size, note, saved_at_ms, published) "
      "VALUES (?1, ?2, ?3, 0) ON CONFLICT (size) DO NOTHING");
  select_checkpoint_note_ = prepare("SELECT note FROM audit_checkpoints WHERE size = ?1");
  upsert_cosignature_ = prepare(
      "INSERT INTO audit_cosignatures (size, witness, signature) VALUES (?1, ?2, ?3) "
      "ON CONFLICT (size, witness) DO UPDATE SET signature = excluded.signature");
  publish_ = prepare("UPDATE audit_checkpoints SET published = 1 WHERE size = ?1");
  select_checkpoint_ =
      prepare("SELECT size, note, saved_at_ms, published FROM audit_checkpoints WHERE size = ?1");
  select_latest_checkpoint_ = prepare(
      "SELECT size, note, saved_at_ms, published FROM audit_checkpoints "
      "WHERE published = 1 OR ?1 = 0 ORDER BY size DESC LIMIT 1");
  select_cosignatures_ =
      prepare("SELECT witness, signature FROM audit_cosignatures WHERE size = ?1 ORDER BY witness");
}

int SqliteStore::on_busy(void* self, int attempt) {
  auto& store = *static_cast<SqliteStore*>(self);
  const auto now = steady_clock::now();
  if (attempt == 0) store.busy_since_ = now;
  if (now - store.busy_since_ >= store.busy_timeout_) return 0;
  // A writer holds the lock for about one fsync: poll in short, jittered
  // sleeps (SQLite's default handler backs off to 100 ms, which idles the
  // log while writers queue).
  const int backoff = 50 << std::min(attempt, 5);
  std::this_thread::sleep_for(std::chrono::microseconds(backoff + store.jitter_() % 100));
  return 1;
}

void SqliteStore::exec(const char* sql, std::string_view doing) {
  const int rc = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail_sqlite(rc, doing);
}

Statement SqliteStore::prepare(const char* sql) const {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v3(db_.get(), sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) fail_sqlite(rc, std::string("preparing ") + sql);
  return Statement(stmt);
}

void SqliteStore::step_waiting(const Statement& statement, std::string_view doing) {
  const auto deadline = steady_clock::now() + busy_timeout_;
  for (;;) {
    const int rc = sqlite3_step(statement.get());
    sqlite3_reset(statement.get());
    if (rc == SQLITE_DONE) return;
    if ((rc & 0xff) != SQLITE_BUSY) fail_sqlite(rc, doing);
    if (steady_clock::now() >= deadline)
      fail_store(std::string(doing) + ": other writers held the log for longer than " +
                 std::to_string(busy_timeout_.count()) + " ms");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

void SqliteStore::create_schema(const RetentionPolicy& retention) {
  WriteTransaction transaction(*this);
  exec(kCreateSchema, "creating the log");
  exec(meta_insert_sql(retention).c_str(), "writing audit_meta");
  transaction.commit();
}

RetentionPolicy SqliteStore::check_schema() {
  const Statement has_meta =
      prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'audit_meta'");
  {
    Query q(*this, has_meta);
    if (!q.step() || q.integer(0) != 1)
      fail_store("is not a zkinfer audit log (no audit_meta table)");
  }
  const Statement read_meta = prepare("SELECT value FROM audit_meta WHERE key = ?1");
  auto meta = [&](std::string_view key) -> std::optional<std::string> {
    Query q(*this, read_meta);
    q.bind(key);
    if (!q.step()) return std::nullopt;
    return q.text(0);
  };
  return parse_meta(meta(kMetaSchemaKey), meta(kMetaRetentionKey));
}

std::uint64_t SqliteStore::append_row(ByteSpan body, const hash::Digest& leaf_hash,
                                      std::int64_t logged_at_ms) {
  WriteTransaction transaction(*this);
  const RawState state = read_state();
  const hash::Digest chain = next_chain_hash(state, leaf_hash);
  const auto index = static_cast<std::int64_t>(state.size);
  Query(*this, insert_entry_)
      .bind(index)
      .bind(leaf_hash.bytes)
      .bind(chain.bytes)
      .bind(body)
      .bind(logged_at_ms)
      .run();
  Query(*this, update_state_).bind(index + 1).bind(chain.bytes).run();
  transaction.commit();
  return state.size;
}

RawState SqliteStore::read_state() const {
  Query q(*this, select_state_);
  if (!q.step()) fail_store("the state row is missing");
  if (q.integer(0) < 0) fail_store("the state row holds a negative size");
  return RawState{static_cast<std::uint64_t>(q.integer(0)), q.blob(1)};
}

std::vector<RawRow> SqliteStore::raw_rows(std::int64_t from_index, std::size_t max_rows) const {
  Query q(*this, select_rows_);
  q.bind(from_index).bind(static_cast<std::int64_t>(max_rows));
  std::vector<RawRow> rows;
  while (q.step()) {
    rows.push_back(RawRow{q.integer(0), q.blob(1), q.blob(2), q.optional_blob(3), q.integer(4),
                          q.optional_integer(5)});
  }
  return rows;
}

std::vector<std::pair<std::int64_t, Bytes>> SqliteStore::raw_leaf_hashes(std::uint64_t begin,
                                                                         std::uint64_t end) const {
  Query q(*this, select_leaf_hashes_);
  q.bind(static_cast<std::int64_t>(begin)).bind(static_cast<std::int64_t>(end));
  std::vector<std::pair<std::int64_t, Bytes>> rows;
  while (q.step()) rows.emplace_back(q.integer(0), q.blob(1));
  return rows;
}

std::uint64_t SqliteStore::prune_rows(std::int64_t cutoff_ms, std::int64_t now_ms) {
  Query(*this, prune_).bind(cutoff_ms).bind(now_ms).run();
  const auto pruned = static_cast<std::uint64_t>(sqlite3_changes64(db_.get()));
  // Best effort: move the pages out of the WAL so the old bodies are
  // overwritten in the main file (secure_delete) and the WAL is emptied.
  sqlite3_wal_checkpoint_v2(db_.get(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  return pruned;
}

std::string SqliteStore::insert_checkpoint(std::uint64_t tree_size, std::string_view note,
                                           std::int64_t now_ms) {
  const auto size = static_cast<std::int64_t>(tree_size);
  Query(*this, insert_checkpoint_).bind(size).bind(note).bind(now_ms).run();
  Query q(*this, select_checkpoint_note_);
  q.bind(size);
  if (!q.step()) fail_store("the checkpoint just saved is missing");
  return q.text(0);
}

void SqliteStore::upsert_cosignature(std::uint64_t tree_size, std::string_view witness,
                                     std::string_view signature) {
  Query(*this, upsert_cosignature_)
      .bind(static_cast<std::int64_t>(tree_size))
      .bind(witness)
      .bind(signature)
      .run();
}

void SqliteStore::mark_published(std::uint64_t tree_size) {
  Query(*this, publish_).bind(static_cast<std::int64_t>(tree_size)).run();
}

std::optional<StoredCheckpoint> SqliteStore::read_checkpoint(std::optional<std::uint64_t> tree_size,
                                                             bool published_only) const {
  Query q(*this, tree_size ? select_checkpoint_ : select_latest_checkpoint_);
  if (tree_size) {
    q.bind(static_cast<std::int64_t>(*tree_size));
  } else {
    q.bind(std::int64_t{published_only});
  }
  if (!q.step()) return std::nullopt;
  StoredCheckpoint checkpoint{static_cast<std::uint64_t>(q.integer(0)),
                              q.text(1),
                              q.integer(3) != 0,
                              from_unix_ms(q.integer(2)),
                              {}};
  checkpoint.cosignatures = read_cosignatures(checkpoint.size);
  return checkpoint;
}

std::vector<Cosignature> SqliteStore::read_cosignatures(std::uint64_t tree_size) const {
  Query q(*this, select_cosignatures_);
  q.bind(static_cast<std::int64_t>(tree_size));
  std::vector<Cosignature> out;
  while (q.step()) out.push_back(Cosignature{q.text(0), q.text(1)});
  return out;
}

}  // namespace

std::unique_ptr<LogStore> open_sqlite_store(const std::string& path, const StoreOptions& options) {
  return std::make_unique<SqliteStore>(path, options);
}

}  // namespace zkinfer::audit
