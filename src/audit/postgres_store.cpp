// SPDX-License-Identifier: Apache-2.0
#include "audit/postgres_store.hpp"

#include <cstring>
#include <deque>

#include "audit/libpq.hpp"
#include "base/error.hpp"

namespace zkinfer::audit {
namespace {

// Type OIDs of the parameters (server/catalog/pg_type_d.h, stable across versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;

// Taken while creating the tables, so concurrent creators do not collide
// (CREATE TABLE IF NOT EXISTS alone is not safe under concurrency).
constexpr const char* kCreateLockKey = "7392114856120977";

constexpr const char* kCreateTables = R"sql(
CREATE TABLE IF NOT EXISTS audit_meta (
  key text PRIMARY KEY,
  value text NOT NULL);
CREATE TABLE IF NOT EXISTS audit_state (
  id integer PRIMARY KEY CHECK (id = 0),
  size bigint NOT NULL,
  head bytea NOT NULL);
CREATE TABLE IF NOT EXISTS audit_entries (
  idx bigint PRIMARY KEY,
  leaf_hash bytea NOT NULL,
  chain_hash bytea NOT NULL,
  body bytea,
  logged_at_ms bigint NOT NULL,
  pruned_at_ms bigint);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  size bigint PRIMARY KEY,
  note text NOT NULL,
  saved_at_ms bigint NOT NULL,
  published boolean NOT NULL);
CREATE TABLE IF NOT EXISTS audit_cosignatures (
  size bigint NOT NULL,
  witness text NOT NULL,
  signature text NOT NULL,
  PRIMARY KEY (size, witness));
INSERT INTO audit_state (id, size, head) VALUES (0, 0, '\x0000000000000000000000000000000000000000000000000000000000000000')
  ON CONFLICT DO NOTHING;
)sql";

struct PreparedStatement {
  const char* name;
  const char* sql;
  std::vector<Oid> types;
};

// Every statement the store runs after opening, prepared once per session.
const std::vector<PreparedStatement>& prepared_statements() {
  static const std::vector<PreparedStatement> statements = {
      {"lock_state", "SELECT size, head FROM audit_state WHERE id = 0 FOR UPDATE", {}},
      {"read_state", "SELECT size, head FROM audit_state WHERE id = 0", {}},
      {"insert_entry",
       "INSERT INTO audit_entries (idx, leaf_hash, chain_hash, body, logged_at_ms) "
       "VALUES ($1, $2, $3, $4, $5)",
       {kInt8Oid, kByteaOid, kByteaOid, kByteaOid, kInt8Oid}},
      {"advance_state",
       "UPDATE audit_state SET size = $1, head = $2 WHERE id = 0",
       {kInt8Oid, kByteaOid}},
      {"rows",
       "SELECT idx, leaf_hash, chain_hash, body, logged_at_ms, pruned_at_ms FROM audit_entries "
       "WHERE idx >= $1 ORDER BY idx LIMIT $2",
       {kInt8Oid, kInt8Oid}},
      {"leaf_hashes",
       "SELECT idx, leaf_hash FROM audit_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
       {kInt8Oid, kInt8Oid}},
      {"prune",
       "UPDATE audit_entries SET body = NULL, pruned_at_ms = $2 "
       "WHERE logged_at_ms < $1 AND body IS NOT NULL",
       {kInt8Oid, kInt8Oid}},
      {"insert_checkpoint",
       "INSERT INTO audit_checkpoints (size, note, saved_at_ms, published) "
       "VALUES ($1, $2, $3, false) ON CONFLICT (size) DO NOTHING",
       {kInt8Oid, kTextOid, kInt8Oid}},
      {"checkpoint_note", "SELECT note FROM audit_checkpoints WHERE size = $1", {kInt8Oid}},
      {"upsert_cosignature",
       "INSERT INTO audit_cosignatures (size, witness, signature) VALUES ($1, $2, $3) "
       "ON CONFLICT (size, witness) DO UPDATE SET signature = excluded.signature",
       {kInt8Oid, kTextOid, kTextOid}},
      {"publish", "UPDATE audit_checkpoints SET published = true WHERE size = $1", {kInt8Oid}},
      {"checkpoint",
       "SELECT size, note, saved_at_ms, published FROM audit_checkpoints WHERE size = $1",
       {kInt8Oid}},
      {"latest_checkpoint",
       "SELECT size, note, saved_at_ms, published FROM audit_checkpoints "
       "WHERE published OR NOT $1 ORDER BY size DESC LIMIT 1",
       {kBoolOid}},
      {"cosignatures",
       "SELECT witness, signature FROM audit_cosignatures WHERE size = $1 ORDER BY witness",
       {kInt8Oid}},
      {"meta", "SELECT value FROM audit_meta WHERE key = $1", {kTextOid}},
  };
  return statements;
}

struct ResultClear {
  void operator()(PGresult* r) const { libpq().PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultClear>;

struct ConnectionFinish {
  void operator()(PGconn* c) const { libpq().PQfinish(c); }
};

// Parameters in binary format; byte and text values point into the
// caller's buffers, which outlive the call.
class Params {
 public:
  Params& int64(std::int64_t v) {
    std::string& be = integers_.emplace_back(8, '\0');
    for (int i = 0; i < 8; ++i)
      be[i] = static_cast<char>(static_cast<std::uint64_t>(v) >> (56 - 8 * i));
    return add(be.data(), be.size());
  }
  Params& boolean(bool v) {
    std::string& b = integers_.emplace_back(1, v ? '\1' : '\0');
    return add(b.data(), 1);
  }
  Params& bytes(ByteSpan b) { return add(reinterpret_cast<const char*>(b.data()), b.size()); }
  Params& text(std::string_view t) { return add(t.data(), t.size()); }

  int count() const { return static_cast<int>(values_.size()); }
  const char* const* values() const { return values_.data(); }
  const int* lengths() const { return lengths_.data(); }
  const int* formats() const { return formats_.data(); }

 private:
  Params& add(const char* data, std::size_t size) {
    // libpq reads no bytes of a zero-length value, but wants a non-null pointer.
    values_.push_back(size == 0 ? "" : data);
    lengths_.push_back(static_cast<int>(size));
    formats_.push_back(1);
    return *this;
  }
  std::deque<std::string> integers_;  // deque: stable addresses
  std::vector<const char*> values_;
  std::vector<int> lengths_;
  std::vector<int> formats_;
};

class PostgresStore final : public LogStore {
 public:
  PostgresStore(const std::string& conninfo, const StoreOptions& options,
                const std::string& schema);

  RawState read_state() const override;
  std::vector<RawRow> raw_rows(std::int64_t from_index, std::size_t max_rows) const override;
  std::string describe() const override { return description_; }

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
  class Transaction {
   public:
    explicit Transaction(PostgresStore& store) : store_(store) {
      store_.exec("BEGIN ISOLATION LEVEL READ COMMITTED", "starting a transaction");
    }
    ~Transaction() {
      if (!committed_ && libpq().PQstatus(store_.conn_.get()) == CONNECTION_OK)
        Result(libpq().PQexec(store_.conn_.get(), "ROLLBACK"));
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

   private:
    PostgresStore& store_;
    bool committed_ = false;
  };

  [[noreturn]] void fail_pg(const PGresult* result, std::string_view doing) const;
  Result exec(const char* sql, std::string_view doing);
  Result run(const char* statement, const Params& params = Params()) const;
  std::string escape_identifier(const std::string& name) const;
  void create_tables(const std::string& schema, const RetentionPolicy& retention);
  std::optional<std::string> meta(std::string_view key) const;

  std::int64_t int64_at(const PGresult* r, int row, int column) const;
  Bytes bytes_at(const PGresult* r, int row, int column) const;
  std::string text_at(const PGresult* r, int row, int column) const;
  std::optional<Bytes> optional_bytes_at(const PGresult* r, int row, int column) const;
  std::optional<std::int64_t> optional_int64_at(const PGresult* r, int row, int column) const;

  std::string description_;
  std::unique_ptr<PGconn, ConnectionFinish> conn_;
};

// "host=... port=... dbname=... user=..." from a connection string, without
// the password or any other setting.
std::string describe_conninfo(const std::string& conninfo, const std::string& schema) {
  char* error = nullptr;
  PQconninfoOption* options = libpq().PQconninfoParse(conninfo.c_str(), &error);
  if (options == nullptr) {
    const std::string message = error ? error : "out of memory";
    libpq().PQfreemem(error);
    fail("audit log: invalid PostgreSQL connection string: " + message);
  }
  std::string out = "postgresql:";
  for (const PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    for (const char* shown : {"host", "hostaddr", "port", "dbname", "user"}) {
      if (o->val != nullptr && *o->val != '\0' && std::strcmp(o->keyword, shown) == 0)
        out += std::string(out.back() == ':' ? "" : " ") + o->keyword + "=" + o->val;
    }
  }
  libpq().PQconninfoFree(options);
  if (!schema.empty()) out += " schema=" + schema;
  return out;
}

PostgresStore::PostgresStore(const std::string& conninfo, const StoreOptions& options,
                             const std::string& schema)
    : LogStore(options), description_(describe_conninfo(conninfo, schema)) {
  validate_retention(options.retention);
  const char* keywords[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {conninfo.c_str(), "zkinfer-audit", nullptr};
  conn_.reset(libpq().PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  if (!conn_) fail_store("cannot connect: out of memory");
  if (libpq().PQstatus(conn_.get()) != CONNECTION_OK) {
    std::string message = libpq().PQerrorMessage(conn_.get());
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    fail_store("cannot connect to the PostgreSQL server: " + message);
  }
  // lock_timeout bounds how long an append waits for other writers;
  // idle_in_transaction_session_timeout frees the log if this process
  // stalls while holding the lock.
  const std::string timeout = std::to_string(options.busy_timeout.count());
  exec(("SET synchronous_commit = on; SET client_min_messages = warning; SET lock_timeout = " +
        timeout + "; SET idle_in_transaction_session_timeout = " + timeout)
           .c_str(),
       "configuring the session");
  if (!schema.empty())
    exec(("SET search_path TO " + escape_identifier(schema)).c_str(), "selecting the schema");
  if (options.create_if_missing) create_tables(schema, options.retention);
  const Result found = exec("SELECT to_regclass('audit_meta') IS NOT NULL", "looking for the log");
  if (std::strcmp(libpq().PQgetvalue(found.get(), 0, 0), "t") != 0)
    fail_store("is not a zkinfer audit log (no audit_meta table in " +
               (schema.empty() ? std::string("the search_path") : "schema " + schema) + ")");
  for (const PreparedStatement& s : prepared_statements()) {
    Result r(libpq().PQprepare(conn_.get(), s.name, s.sql, static_cast<int>(s.types.size()),
                               s.types.data()));
    if (libpq().PQresultStatus(r.get()) != PGRES_COMMAND_OK)
      fail_pg(r.get(), std::string("preparing ") + s.name);
  }
  set_retention(parse_meta(meta(kMetaSchemaKey), meta(kMetaRetentionKey)));
}

void PostgresStore::fail_pg(const PGresult* result, std::string_view doing) const {
  std::string message = result != nullptr ? libpq().PQresultErrorMessage(result)
                                          : libpq().PQerrorMessage(conn_.get());
  if (message.empty()) message = libpq().PQerrorMessage(conn_.get());
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  if (libpq().PQstatus(conn_.get()) != CONNECTION_OK)
    message = "connection to the server lost: " + message;
  fail_store(std::string(doing) + ": " + message);
}

Result PostgresStore::exec(const char* sql, std::string_view doing) {
  Result r(libpq().PQexec(conn_.get(), sql));
  const ExecStatusType status = libpq().PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail_pg(r.get(), doing);
  return r;
}

Result PostgresStore::run(const char* statement, const Params& params) const {
  Result r(libpq().PQexecPrepared(conn_.get(), statement, params.count(), params.values(),
                                  params.lengths(), params.formats(), /*resultFormat=*/1));
  const ExecStatusType status = libpq().PQresultStatus(r.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail_pg(r.get(), statement);
  return r;
}

std::string PostgresStore::escape_identifier(const std::string& name) const {
  char* escaped = libpq().PQescapeIdentifier(conn_.get(), name.data(), name.size());
  if (escaped == nullptr) fail_pg(nullptr, "quoting the schema name");
  std::string out = escaped;
  libpq().PQfreemem(escaped);
  return out;
}

void PostgresStore::Transaction::commit() {
  Result r(libpq().PQexec(store_.conn_.get(), "COMMIT"));
  if (libpq().PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
    if (libpq().PQstatus(store_.conn_.get()) != CONNECTION_OK)
      store_.fail_pg(r.get(), "committing (the outcome is unknown: check the log before retrying)");
    store_.fail_pg(r.get(), "committing");
  }
  // A transaction that failed earlier "commits" as a rollback.
  if (std::strcmp(libpq().PQcmdStatus(r.get()), "COMMIT") != 0)
    store_.fail_store("the transaction was rolled back by the server");
  committed_ = true;
}

void PostgresStore::create_tables(const std::string& schema, const RetentionPolicy& retention) {
  Transaction transaction(*this);
  exec((std::string("SELECT pg_advisory_xact_lock(") + kCreateLockKey + ")").c_str(),
       "locking the database to create the log");
  if (!schema.empty())
    exec(("CREATE SCHEMA IF NOT EXISTS " + escape_identifier(schema)).c_str(),
         "creating the schema");
  exec(kCreateTables, "creating the log tables");
  exec(meta_insert_sql(retention).c_str(), "writing audit_meta");
  transaction.commit();
}

std::optional<std::string> PostgresStore::meta(std::string_view key) const {
  Params params;
  params.text(key);
  const Result r = run("meta", params);
  if (libpq().PQntuples(r.get()) == 0) return std::nullopt;
  return text_at(r.get(), 0, 0);
}

std::int64_t PostgresStore::int64_at(const PGresult* r, int row, int column) const {
  if (libpq().PQgetisnull(r, row, column) || libpq().PQgetlength(r, row, column) != 8)
    fail_store(std::string("unexpected value in column ") + libpq().PQfname(r, column));
  const auto* p = reinterpret_cast<const std::uint8_t*>(libpq().PQgetvalue(r, row, column));
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return static_cast<std::int64_t>(v);
}

Bytes PostgresStore::bytes_at(const PGresult* r, int row, int column) const {
  const auto* p = reinterpret_cast<const std::uint8_t*>(libpq().PQgetvalue(r, row, column));
  return Bytes(p, p + libpq().PQgetlength(r, row, column));
}

std::string PostgresStore::text_at(const PGresult* r, int row, int column) const {
  return std::string(libpq().PQgetvalue(r, row, column),
                     static_cast<std::size_t>(libpq().PQgetlength(r, row, column)));
}

std::optional<Bytes> PostgresStore::optional_bytes_at(const PGresult* r, int row,
                                                      int column) const {
  if (libpq().PQgetisnull(r, row, column)) return std::nullopt;
  return bytes_at(r, row, column);
}

std::optional<std::int64_t> PostgresStore::optional_int64_at(const PGresult* r, int row,
                                                             int column) const {
  if (libpq().PQgetisnull(r, row, column)) return std::nullopt;
  return int64_at(r, row, column);
}

std::uint64_t PostgresStore::append_row(ByteSpan body, const hash::Digest& leaf_hash,
                                        std::int64_t logged_at_ms) {
  Transaction transaction(*this);
  const Result locked = run("lock_state");
  if (libpq().PQntuples(locked.get()) != 1) fail_store("the state row is missing");
  const std::int64_t size = int64_at(locked.get(), 0, 0);
  if (size < 0) fail_store("the state row holds a negative size");
  const RawState state{static_cast<std::uint64_t>(size), bytes_at(locked.get(), 0, 1)};
  const hash::Digest chain = next_chain_hash(state, leaf_hash);
  Params insert;
  insert.int64(size).bytes(leaf_hash.bytes).bytes(chain.bytes).bytes(body).int64(logged_at_ms);
  run("insert_entry", insert);
  Params advance;
  advance.int64(size + 1).bytes(chain.bytes);
  run("advance_state", advance);
  transaction.commit();
  return state.size;
}

RawState PostgresStore::read_state() const {
  const Result r = run("read_state");
  if (libpq().PQntuples(r.get()) != 1) fail_store("the state row is missing");
  const std::int64_t size = int64_at(r.get(), 0, 0);
  if (size < 0) fail_store("the state row holds a negative size");
  return RawState{static_cast<std::uint64_t>(size), bytes_at(r.get(), 0, 1)};
}

std::vector<RawRow> PostgresStore::raw_rows(std::int64_t from_index, std::size_t max_rows) const {
  Params params;
  params.int64(from_index).int64(static_cast<std::int64_t>(max_rows));
  const Result r = run("rows", params);
  std::vector<RawRow> rows;
  for (int i = 0; i < libpq().PQntuples(r.get()); ++i) {
    rows.push_back(RawRow{int64_at(r.get(), i, 0), bytes_at(r.get(), i, 1), bytes_at(r.get(), i, 2),
                          optional_bytes_at(r.get(), i, 3), int64_at(r.get(), i, 4),
                          optional_int64_at(r.get(), i, 5)});
  }
  return rows;
}

std::vector<std::pair<std::int64_t, Bytes>> PostgresStore::raw_leaf_hashes(
    std::uint64_t begin, std::uint64_t end) const {
  Params params;
  params.int64(static_cast<std::int64_t>(begin)).int64(static_cast<std::int64_t>(end));
  const Result r = run("leaf_hashes", params);
  std::vector<std::pair<std::int64_t, Bytes>> rows;
  for (int i = 0; i < libpq().PQntuples(r.get()); ++i)
    rows.emplace_back(int64_at(r.get(), i, 0), bytes_at(r.get(), i, 1));
  return rows;
}

std::uint64_t PostgresStore::prune_rows(std::int64_t cutoff_ms, std::int64_t now_ms) {
  Params params;
  params.int64(cutoff_ms).int64(now_ms);
  const Result r = run("prune", params);
  return std::stoull(libpq().PQcmdTuples(r.get()));
}

std::string PostgresStore::insert_checkpoint(std::uint64_t tree_size, std::string_view note,
                                             std::int64_t now_ms) {
  Params insert;
  insert.int64(static_cast<std::int64_t>(tree_size)).text(note).int64(now_ms);
  run("insert_checkpoint", insert);
  Params select;
  select.int64(static_cast<std::int64_t>(tree_size));
  const Result r = run("checkpoint_note", select);
  if (libpq().PQntuples(r.get()) != 1) fail_store("the checkpoint just saved is missing");
  return text_at(r.get(), 0, 0);
}

void PostgresStore::upsert_cosignature(std::uint64_t tree_size, std::string_view witness,
                                       std::string_view signature) {
  Params params;
  params.int64(static_cast<std::int64_t>(tree_size)).text(witness).text(signature);
  run("upsert_cosignature", params);
}

void PostgresStore::mark_published(std::uint64_t tree_size) {
  Params params;
  params.int64(static_cast<std::int64_t>(tree_size));
  run("publish", params);
}

std::optional<StoredCheckpoint> PostgresStore::read_checkpoint(
    std::optional<std::uint64_t> tree_size, bool published_only) const {
  Params params;
  if (tree_size) {
    params.int64(static_cast<std::int64_t>(*tree_size));
  } else {
    params.boolean(published_only);
  }
  const Result r = run(tree_size ? "checkpoint" : "latest_checkpoint", params);
  if (libpq().PQntuples(r.get()) == 0) return std::nullopt;
  const std::int64_t size = int64_at(r.get(), 0, 0);
  if (size < 0 || libpq().PQgetlength(r.get(), 0, 3) != 1)
    fail_store("malformed row in audit_checkpoints");
  StoredCheckpoint checkpoint{static_cast<std::uint64_t>(size),
                              text_at(r.get(), 0, 1),
                              *libpq().PQgetvalue(r.get(), 0, 3) != 0,
                              from_unix_ms(int64_at(r.get(), 0, 2)),
                              {}};
  Params cosigned;
  cosigned.int64(size);
  const Result c = run("cosignatures", cosigned);
  for (int i = 0; i < libpq().PQntuples(c.get()); ++i)
    checkpoint.cosignatures.push_back(Cosignature{text_at(c.get(), i, 0), text_at(c.get(), i, 1)});
  return checkpoint;
}

}  // namespace

std::unique_ptr<LogStore> open_postgres_store(const std::string& conninfo,
                                              const StoreOptions& options,
                                              const std::string& schema) {
  return std::make_unique<PostgresStore>(conninfo, options, schema);
}

}  // namespace zkinfer::audit
