// SPDX-License-Identifier: Apache-2.0
//
// Shared fixture of the audit storage tests: every TEST_P runs once on
// SQLite and once on PostgreSQL, each time against a fresh, empty log (a new
// file, or a new schema). PostgreSQL tests need a server: its connection
// string comes from ZKINFER_TEST_PG (scripts/postgres-test.sh start prints
// one; scripts/test.sh exports it); without it they are skipped.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "audit/entry.hpp"
#include "audit/postgres_store.hpp"
#include "audit/sqlite_store.hpp"
#include "audit/store.hpp"
#include "hash/sha256.hpp"
#include "support/rng.hpp"

namespace zkinfer::audit::testing {

enum class Backend { kSqlite, kPostgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "SQLite" : "PostgreSQL";
}

#define ZKINFER_STORE_TEST_SUITE(suite)                                                      \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                                  \
                           ::testing::Values(::zkinfer::audit::testing::Backend::kSqlite,    \
                                             ::zkinfer::audit::testing::Backend::kPostgres), \
                           ::zkinfer::audit::testing::backend_name)

// A valid entry whose signer is `signer`; the other fields vary with `seed`.
inline Entry make_entry(const std::string& signer, std::uint64_t seed) {
  zkinfer::testing::TestRng rng(seed);
  auto random_bytes = [&](std::size_t n) {
    Bytes out(n);
    for (auto& b : out) b = static_cast<std::uint8_t>(rng());
    return out;
  };
  Entry e;
  e.start_time = from_unix_ms(1767225600000 + static_cast<std::int64_t>(rng.below(1u << 30)));
  e.end_time = e.start_time + std::chrono::milliseconds(rng.below(5000));
  e.model_id = random_bytes(32);
  e.arch_digest = random_bytes(32);
  e.input_commitment = random_bytes(32);
  e.disclosed_output = {{"decision", rng.below(2) == 1 ? "approve" : "refer"},
                        {"score_band", rng.below(10)}};
  e.policy = "credit-risk/v3";
  e.proof.bytes = random_bytes(64 + rng.below(64));
  e.proof.digest = hash::sha256(*e.proof.bytes);
  e.prover = ProverSettings{1, "zkinfer 0.1.0", 1, 2};
  e.signer = signer;
  return e;
}

// Runs `body` in a forked child; the child exits 0 when it returns and 1
// (printing the error) when it throws. Nothing the parent holds open is
// used by the child: it opens its own store.
inline pid_t spawn(const std::function<void()>& body) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid != 0) return pid;
  int status = 0;
  try {
    body();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %d: %s\n", static_cast<int>(getpid()), e.what());
    status = 1;
  }
  std::fflush(nullptr);
  _exit(status);
}

// waitpid's status as text, for assertions: "exit 0", "signal 9".
inline std::string wait_for(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return "waitpid failed";
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "unknown status";
}

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    const std::string unique =
        std::to_string(getpid()) + "_" + std::to_string(++counter) + "_" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    if (GetParam() == Backend::kPostgres) {
      const char* conninfo = std::getenv("ZKINFER_TEST_PG");
      if (conninfo == nullptr || *conninfo == '\0')
        GTEST_SKIP() << "ZKINFER_TEST_PG is not set; run `export ZKINFER_TEST_PG=\"$("
                        "scripts/postgres-test.sh start)\"` to run the PostgreSQL tests";
      conninfo_ = conninfo;
      schema_ = "zkinfer_test_" + unique;
    } else {
      path_ = ::testing::TempDir() + "zkinfer_store_" + unique + ".db";
    }
  }

  void TearDown() override {
    if (!schema_.empty()) {
      exec_sql("DROP SCHEMA IF EXISTS " + schema_ + " CASCADE");
    } else if (!path_.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
    }
  }

  bool is_postgres() const { return GetParam() == Backend::kPostgres; }

  std::unique_ptr<LogStore> open(StoreOptions options = {}) const {
    return is_postgres() ? open_postgres_store(conninfo_, options, schema_)
                         : open_sqlite_store(path_, options);
  }

  std::unique_ptr<LogStore> create(StoreOptions options = {}) const {
    options.create_if_missing = true;
    return open(options);
  }

  // Runs SQL on the log's database directly, as an intruder would.
  void exec_sql(const std::string& sql) const {
    if (is_postgres()) {
      PGconn* conn = PQconnectdb(conninfo_.c_str());
      ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
      PGresult* r = PQexec(
          conn, ("SET client_min_messages = warning; SET search_path TO " + schema_ + "; " + sql)
                    .c_str());
      const ExecStatusType status = PQresultStatus(r);
      EXPECT_TRUE(status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
          << sql << ": " << PQresultErrorMessage(r);
      PQclear(r);
      PQfinish(conn);
    } else {
      sqlite3* db = nullptr;
      ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
      char* error = nullptr;
      EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
          << sql << ": " << (error ? error : "");
      sqlite3_free(error);
      sqlite3_close(db);
    }
  }

  // A binary literal in the backend's SQL dialect.
  std::string blob_literal(ByteSpan bytes) const {
    std::string hex;
    for (std::uint8_t b : bytes) {
      char digits[3];
      std::snprintf(digits, sizeof digits, "%02x", b);
      hex += digits;
    }
    return is_postgres() ? "'\\x" + hex + "'::bytea" : "X'" + hex + "'";
  }

  std::string conninfo_;
  std::string schema_;
  std::string path_;
};

// Appends n entries signed "entry-<i>" (i from 0) and returns their bodies.
inline std::vector<Bytes> append_entries(LogStore& store, std::size_t n, std::uint64_t seed = 1) {
  std::vector<Bytes> bodies;
  const std::uint64_t first = store.size();
  for (std::size_t i = 0; i < n; ++i) {
    const Bytes body = serialize_entry(make_entry("entry-" + std::to_string(i), seed + i));
    EXPECT_EQ(store.append(body, entry_leaf_hash(body)), first + i);
    bodies.push_back(body);
  }
  return bodies;
}

inline bool has_problem(const StoreVerification& v, const std::string& fragment) {
  for (const std::string& p : v.problems) {
    if (p.find(fragment) != std::string::npos) return true;
  }
  return false;
}

inline std::string problems_text(const StoreVerification& v) {
  std::string out;
  for (const std::string& p : v.problems) out += "  " + p + "\n";
  return out;
}

}  // namespace zkinfer::audit::testing
