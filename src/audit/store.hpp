// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/entry.hpp"
#include "audit/retention.hpp"
#include "base/bytes.hpp"
#include "hash/sha256.hpp"

namespace zkinfer::audit {

// Storage of the transparency log: the entry bodies and their RFC 9162 leaf
// hashes, indexed 0, 1, 2, ... without gaps, plus checkpoints and witness
// cosignatures as opaque text. Two backends implement it (sqlite_store.hpp,
// postgres_store.hpp); the invariants below are enforced here, once, and the
// schema and guarantees are written down in docs/audit-storage.md.
//
// Every row also carries a chain hash, chain[i] = SHA-256(0x02 ‖ chain[i-1] ‖
// u64be(i) ‖ leaf_hash[i]) with chain[-1] = 32 zero bytes, and the store keeps
// the chain head beside the size. It binds each leaf to its index, so
// verify_store() detects reordered, inserted and removed rows without the
// Merkle tree. Someone with write access can still rewrite the whole chain;
// only signed checkpoints and witnesses detect that.
//
// One LogStore object is one database connection: use it from one thread at
// a time, and open a new one after fork(). Any number of stores, in any
// number of processes, may append to the same log concurrently.

using Clock = std::function<Timestamp()>;
Timestamp system_clock_now();

struct StoreOptions {
  bool create_if_missing = false;
  // Recorded when the log is created; an existing log keeps the retention it
  // was created with, whatever is passed here.
  RetentionPolicy retention;
  // Time of append (the retention clock) and of pruning; tests inject one.
  Clock clock = system_clock_now;
  // How long an append may wait for other writers before failing (SQLite:
  // the write lock; PostgreSQL: lock_timeout, and the server ends a session
  // left idle this long inside a transaction, so a stalled writer cannot
  // block the log).
  std::chrono::milliseconds busy_timeout{60000};
};

// An entry as stored. The body is gone once pruned; the leaf hash stays so
// the Merkle tree, and inclusion proofs for every other entry, are unchanged.
struct StoredEntry {
  std::uint64_t index = 0;
  std::optional<Bytes> body;
  hash::Digest leaf_hash;
  Timestamp logged_at{};
  std::optional<Timestamp> pruned_at;
};

// One row exactly as the database holds it, unchecked, for auditors.
struct RawRow {
  std::int64_t index = 0;
  Bytes leaf_hash;
  Bytes chain_hash;
  std::optional<Bytes> body;
  std::int64_t logged_at_ms = 0;
  std::optional<std::int64_t> pruned_at_ms;
};

struct RawState {
  std::uint64_t size = 0;  // the number of entries appended so far
  Bytes head;              // the chain hash of entry size-1 (32 zero bytes when empty)
};

struct Cosignature {
  std::string witness;    // the witness's name (key name of its note signature)
  std::string signature;  // the cosignature line, opaque to the store
  bool operator==(const Cosignature&) const = default;
};

struct StoredCheckpoint {
  std::uint64_t size = 0;
  std::string note;  // the signed checkpoint (C2SP signed note), opaque to the store
  bool published = false;
  Timestamp saved_at{};
  std::vector<Cosignature> cosignatures;  // sorted by witness
};

inline constexpr hash::Digest kChainGenesis{};
hash::Digest chain_hash(const hash::Digest& previous, std::uint64_t index,
                        const hash::Digest& leaf_hash);

class LogStore {
 public:
  virtual ~LogStore() = default;
  LogStore(const LogStore&) = delete;
  LogStore& operator=(const LogStore&) = delete;

  // Appends one entry and returns its index. Atomic and durable before it
  // returns; concurrent appenders (threads or processes, each with its own
  // LogStore) get distinct indices with no gaps. Requires leaf_hash ==
  // entry_leaf_hash(entry_bytes) and a non-empty body of at most
  // kMaxEntryBytes. On an Error the entry may or may not have been appended
  // only if the connection was lost during commit (the message says so).
  std::uint64_t append(ByteSpan entry_bytes, const hash::Digest& leaf_hash);

  std::uint64_t size() const { return read_state().size; }

  // Entry `index`, its body checked against its leaf hash: throws Error if
  // the entry does not exist, its row is missing or malformed, or the body
  // does not hash to the stored leaf hash (the row was edited).
  StoredEntry entry(std::uint64_t index) const;

  // Leaf hashes of entries [begin, end), for the Merkle tree. Throws Error if
  // end > size() or a row is missing or malformed. Bodies are not read.
  std::vector<hash::Digest> leaf_hashes(std::uint64_t begin, std::uint64_t end) const;

  // Deletes the bodies of all entries logged before `cutoff`, keeping their
  // leaf hashes, and returns how many were pruned. Refused with an Error if
  // any of them could be younger than minimum_retention().
  std::uint64_t prune_entries_before(Timestamp cutoff);
  RetentionPolicy retention() const { return retention_; }

  // Checkpoints, keyed by tree size. Saving requires size <= size(); saving
  // the same note again is a no-op, a different note for a size already
  // stored is refused (a log never signs two trees of one size).
  void save_checkpoint(std::uint64_t tree_size, std::string_view note);
  // Adds or replaces `witness`'s cosignature of the checkpoint of tree_size.
  void add_cosignature(std::uint64_t tree_size, std::string_view witness,
                       std::string_view signature);
  // Marks a saved checkpoint as published (served to readers).
  void publish_checkpoint(std::uint64_t tree_size);
  std::optional<StoredCheckpoint> checkpoint(std::uint64_t tree_size) const;
  std::optional<StoredCheckpoint> latest_checkpoint(bool published_only) const;

  // Unchecked access for auditors (verify_store): the state row, and up to
  // max_rows rows with index >= from_index in index order.
  virtual RawState read_state() const = 0;
  virtual std::vector<RawRow> raw_rows(std::int64_t from_index, std::size_t max_rows) const = 0;

  // "sqlite:PATH" or "postgresql:host=... dbname=... schema=...", for messages.
  virtual std::string describe() const = 0;

 protected:
  explicit LogStore(const StoreOptions& options) : clock_(options.clock) {}
  void set_retention(RetentionPolicy retention) { retention_ = retention; }
  [[noreturn]] void fail_store(const std::string& what) const;

  // The audit_meta rows both backends write when creating a log.
  static constexpr std::string_view kSchemaVersion = "zkinfer-audit-store-1";
  static constexpr std::string_view kMetaSchemaKey = "schema";
  static constexpr std::string_view kMetaRetentionKey = "minimum_retention_days";
  // INSERT of the audit_meta rows (no-op for rows already present), valid
  // in both SQL dialects.
  static std::string meta_insert_sql(const RetentionPolicy& retention);
  // Checks the audit_meta values read back on open; returns the retention.
  RetentionPolicy parse_meta(const std::optional<std::string>& schema,
                             const std::optional<std::string>& retention_days) const;
  // The chain hash of entry state.size; throws Error if the head is malformed.
  hash::Digest next_chain_hash(const RawState& state, const hash::Digest& leaf_hash) const;

  // Backend primitives. append_row runs one transaction that locks the state
  // row, inserts entry `size` with chain_hash(head, size, leaf_hash), advances
  // the state and commits durably; it returns the index.
  virtual std::uint64_t append_row(ByteSpan body, const hash::Digest& leaf_hash,
                                   std::int64_t logged_at_ms) = 0;
  // (index, leaf hash) of the rows with begin <= index < end, in index order.
  virtual std::vector<std::pair<std::int64_t, Bytes>> raw_leaf_hashes(std::uint64_t begin,
                                                                      std::uint64_t end) const = 0;
  virtual std::uint64_t prune_rows(std::int64_t cutoff_ms, std::int64_t now_ms) = 0;
  // Inserts the checkpoint unless one of that size exists; returns the note
  // stored for that size afterwards.
  virtual std::string insert_checkpoint(std::uint64_t tree_size, std::string_view note,
                                        std::int64_t now_ms) = 0;
  virtual void upsert_cosignature(std::uint64_t tree_size, std::string_view witness,
                                  std::string_view signature) = 0;
  virtual void mark_published(std::uint64_t tree_size) = 0;
  // The checkpoint of tree_size, or the largest (published) one if nullopt.
  virtual std::optional<StoredCheckpoint> read_checkpoint(std::optional<std::uint64_t> tree_size,
                                                          bool published_only) const = 0;

 private:
  Clock clock_;
  RetentionPolicy retention_;
};

// Serializes `entry`, computes its leaf hash and appends it.
std::uint64_t append_entry(LogStore& store, const Entry& entry);

// Opens a log by location: "postgresql://..." or "postgres://..." (a libpq
// URI) selects PostgreSQL, anything else is a SQLite file path (an optional
// "sqlite:" prefix is stripped).
std::unique_ptr<LogStore> open_store(const std::string& location, const StoreOptions& options);

// Full check of what the store holds, for `zkinfer log audit`: indices
// 0..size-1 all present and no others; every leaf and chain hash 32 bytes;
// every body parses as an entry and hashes to its leaf hash; the chain links
// every row to the one before; the head matches the last row; every missing
// body has a pruning record that respects the minimum retention; no stored
// checkpoint covers more entries than the log holds. Problems are reported,
// not thrown, so one run lists all of them (the first kMaxReportedProblems).
inline constexpr std::size_t kMaxReportedProblems = 1000;

struct StoreVerification {
  std::uint64_t size = 0;
  std::uint64_t bodies_checked = 0;
  std::uint64_t pruned = 0;
  std::uint64_t problem_count = 0;
  std::vector<std::string> problems;
  bool ok() const { return problem_count == 0; }
};

StoreVerification verify_store(const LogStore& store);

}  // namespace zkinfer::audit
