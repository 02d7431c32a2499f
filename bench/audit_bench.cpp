// SPDX-License-Identifier: Apache-2.0
// The audit log's costs: durable appends per second on SQLite and PostgreSQL
// (one writer, and four writers on their own connections appending to the
// same log), and the latency of an inclusion proof in a tree of 10^6 entries.
//
// PostgreSQL runs only when ZKINFER_TEST_PG holds a libpq connection string
// (`export ZKINFER_TEST_PG="$(scripts/postgres-test.sh start)"`); every run
// uses a fresh schema, dropped afterwards.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "audit/entry.hpp"
#include "audit/postgres_store.hpp"
#include "audit/rfc9162.hpp"
#include "audit/sqlite_store.hpp"
#include "audit/store.hpp"

namespace zkinfer::audit {
namespace {

// A receipt-sized entry (a proof referenced by digest, as deployments store
// proofs beside the log); the signer makes every body distinct.
Bytes entry_body(std::uint64_t n) {
  Entry e;
  e.start_time = from_unix_ms(1767225600000 + static_cast<std::int64_t>(n));
  e.end_time = e.start_time + std::chrono::milliseconds(40);
  e.model_id = Bytes(32, 0x11);
  e.arch_digest = Bytes(32, 0x22);
  e.input_commitment = Bytes(32, static_cast<std::uint8_t>(n));
  e.disclosed_output = {{"decision", "approve"}};
  e.policy = "credit-risk/v3";
  e.proof.digest = hash::sha256(Bytes(8, static_cast<std::uint8_t>(n)));
  e.proof.address = "sha256:proofs/" + std::to_string(n);
  e.prover = ProverSettings{1, "zkinfer 0.1.0", 1, 2};
  e.signer = "bench-" + std::to_string(n);
  return serialize_entry(e);
}

const char* postgres_conninfo() {
  const char* conninfo = std::getenv("ZKINFER_TEST_PG");
  return conninfo && *conninfo ? conninfo : nullptr;
}

// One log per benchmark run, created by thread 0 and opened by every thread.
struct SharedLog {
  bool postgres = false;
  std::string location;  // SQLite path or PostgreSQL schema

  std::unique_ptr<LogStore> open(bool create) const {
    StoreOptions options;
    options.create_if_missing = create;
    return postgres ? open_postgres_store(postgres_conninfo(), options, location)
                    : open_sqlite_store(location, options);
  }

  void remove() const {
    if (postgres) {
      PGconn* conn = PQconnectdb(postgres_conninfo());
      PQclear(PQexec(conn, ("DROP SCHEMA IF EXISTS " + location + " CASCADE").c_str()));
      PQfinish(conn);
    } else {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(location + suffix);
    }
  }
};

SharedLog shared_log;
std::mutex shared_log_mutex;

// Setup and teardown run once per run, outside the threads, so every
// thread finds the log created.
void create_log(bool postgres) {
  const std::string unique =
      std::to_string(getpid()) + "_" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  shared_log = {postgres, postgres ? "zkinfer_bench_" + unique
                                   : (std::filesystem::temp_directory_path() /
                                      ("zkinfer_bench_" + unique + ".db"))
                                         .string()};
  shared_log.open(true);
}
void create_sqlite_log(const benchmark::State&) {
  create_log(false);
}
void create_postgres_log(const benchmark::State&) {
  if (postgres_conninfo()) create_log(true);
}
void remove_log(const benchmark::State&) {
  if (!shared_log.location.empty()) shared_log.remove();
  shared_log = {};
}

void BM_Append(benchmark::State& state) {
  if (shared_log.location.empty()) {
    state.SkipWithError("ZKINFER_TEST_PG is not set");
    return;
  }
  std::unique_ptr<LogStore> store;
  {
    std::lock_guard lock(shared_log_mutex);
    store = shared_log.open(false);
  }
  std::uint64_t n = static_cast<std::uint64_t>(state.thread_index()) << 40;
  for (auto _ : state) {
    const Bytes body = entry_body(n++);
    benchmark::DoNotOptimize(store->append(body, entry_leaf_hash(body)));
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_Append)
    ->Name("BM_AppendSqlite")
    ->Setup(create_sqlite_log)
    ->Teardown(remove_log)
    ->Threads(1)
    ->Threads(4)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Append)
    ->Name("BM_AppendPostgres")
    ->Setup(create_postgres_log)
    ->Teardown(remove_log)
    ->Threads(1)
    ->Threads(4)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The log serves proofs from its in-memory tree (TransparencyLog keeps every
// perfect subtree hash); this is the latency of one proof and its check.
void BM_InclusionProof(benchmark::State& state) {
  const auto size = static_cast<std::uint64_t>(state.range(0));
  MemoryTree tree;
  for (std::uint64_t i = 0; i < size; ++i)
    tree.append(hash::sha256(Bytes(8, static_cast<std::uint8_t>(i))));
  const Digest root = tree.root();
  std::uint64_t index = 0;
  for (auto _ : state) {
    index = (index * 6364136223846793005ULL + 1442695040888963407ULL) % size;
    const std::vector<Digest> proof = inclusion_proof(tree, index, size);
    benchmark::DoNotOptimize(proof.data());
  }
  state.counters["proof_hashes"] = static_cast<double>(inclusion_proof_length(size / 2, size));
  benchmark::DoNotOptimize(root);
}
BENCHMARK(BM_InclusionProof)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace zkinfer::audit

BENCHMARK_MAIN();
