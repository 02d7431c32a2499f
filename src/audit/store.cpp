// SPDX-License-Identifier: Apache-2.0
#include "audit/store.hpp"

#include <algorithm>
#include <limits>

#include "audit/postgres_store.hpp"
#include "audit/sqlite_store.hpp"
#include "base/error.hpp"

namespace zkinfer::audit {
namespace {

constexpr std::size_t kAuditBatchRows = 256;

std::optional<hash::Digest> as_digest(const Bytes& bytes) {
  if (bytes.size() != sizeof(hash::Digest)) return std::nullopt;
  hash::Digest d;
  std::copy(bytes.begin(), bytes.end(), d.bytes.begin());
  return d;
}

// Times read back from a possibly tampered row, for messages: never throws.
std::string describe_time(std::int64_t unix_ms) {
  try {
    return format_timestamp(from_unix_ms(unix_ms));
  } catch (const Error&) {
    return std::to_string(unix_ms) + " ms after the epoch";
  }
}

std::optional<Timestamp> optional_time(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return from_unix_ms(*ms);
}

}  // namespace

Timestamp system_clock_now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

hash::Digest chain_hash(const hash::Digest& previous, std::uint64_t index,
                        const hash::Digest& leaf_hash) {
  ByteWriter w;
  w.u8(0x02);
  w.raw(previous.bytes);
  for (int shift = 56; shift >= 0; shift -= 8) w.u8(static_cast<std::uint8_t>(index >> shift));
  w.raw(leaf_hash.bytes);
  return hash::sha256(w.bytes());
}

void LogStore::fail_store(const std::string& what) const {
  fail("audit log " + describe() + ": " + what);
}

std::string LogStore::meta_insert_sql(const RetentionPolicy& retention) {
  return "INSERT INTO audit_meta (key, value) VALUES ('" + std::string(kMetaSchemaKey) + "', '" +
         std::string(kSchemaVersion) + "'), ('" + std::string(kMetaRetentionKey) + "', '" +
         std::to_string(retention.minimum.count()) + "') ON CONFLICT DO NOTHING";
}

RetentionPolicy LogStore::parse_meta(const std::optional<std::string>& schema,
                                     const std::optional<std::string>& retention_days) const {
  if (!schema) fail_store("is not a zkinfer audit log (no schema version in audit_meta)");
  if (*schema != kSchemaVersion)
    fail_store("unsupported store schema '" + *schema + "' (this build reads '" +
               std::string(kSchemaVersion) + "')");
  const std::string days = retention_days.value_or("");
  const bool digits = !days.empty() && days.size() <= 9 &&
                      std::ranges::all_of(days, [](char c) { return c >= '0' && c <= '9'; });
  if (!digits) fail_store("malformed minimum_retention_days '" + days + "' in audit_meta");
  RetentionPolicy policy{std::chrono::days(std::stoi(days))};
  try {
    validate_retention(policy);
  } catch (const Error& e) {
    fail_store(e.what());
  }
  return policy;
}

hash::Digest LogStore::next_chain_hash(const RawState& state, const hash::Digest& leaf_hash) const {
  const std::optional<hash::Digest> head = as_digest(state.head);
  if (!head) fail_store("the state row holds a malformed chain head");
  if (state.size >= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    fail_store("the log is full");
  return chain_hash(*head, state.size, leaf_hash);
}

std::uint64_t LogStore::append(ByteSpan entry_bytes, const hash::Digest& leaf_hash) {
  if (entry_bytes.empty()) fail_store("refusing to append an empty entry");
  if (entry_bytes.size() > kMaxEntryBytes)
    fail_store("refusing to append an entry of " + std::to_string(entry_bytes.size()) +
               " bytes (limit " + std::to_string(kMaxEntryBytes) + ")");
  if (entry_leaf_hash(entry_bytes) != leaf_hash)
    fail_store("refusing to append: the leaf hash is not SHA-256(0x00 || entry)");
  return append_row(entry_bytes, leaf_hash, to_unix_ms(clock_()));
}

StoredEntry LogStore::entry(std::uint64_t index) const {
  const std::uint64_t n = size();
  if (index >= n)
    fail_store("entry " + std::to_string(index) + " does not exist (the log has " +
               std::to_string(n) + " entries)");
  const std::vector<RawRow> rows = raw_rows(static_cast<std::int64_t>(index), 1);
  if (rows.empty() || rows[0].index != static_cast<std::int64_t>(index))
    fail_store("entry " + std::to_string(index) + " is missing from the database (row deleted)");
  const RawRow& row = rows[0];
  const std::optional<hash::Digest> leaf = as_digest(row.leaf_hash);
  if (!leaf) fail_store("entry " + std::to_string(index) + " has a malformed leaf hash");
  if (row.body && entry_leaf_hash(*row.body) != *leaf)
    fail_store("entry " + std::to_string(index) +
               ": the stored body does not match its leaf hash (the row was edited)");
  if (!row.body && !row.pruned_at_ms)
    fail_store("entry " + std::to_string(index) + ": the body is missing but was never pruned");
  return StoredEntry{index, row.body, *leaf, from_unix_ms(row.logged_at_ms),
                     optional_time(row.pruned_at_ms)};
}

std::vector<hash::Digest> LogStore::leaf_hashes(std::uint64_t begin, std::uint64_t end) const {
  const std::uint64_t n = size();
  if (begin > end || end > n)
    fail_store("leaf hash range [" + std::to_string(begin) + ", " + std::to_string(end) +
               ") is outside the log of " + std::to_string(n) + " entries");
  const auto rows = raw_leaf_hashes(begin, end);
  std::vector<hash::Digest> out;
  out.reserve(end - begin);
  for (const auto& [row_index, bytes] : rows) {
    const std::uint64_t expected = begin + out.size();
    if (row_index != static_cast<std::int64_t>(expected))
      fail_store("entry " + std::to_string(expected) + " is missing from the database");
    const std::optional<hash::Digest> leaf = as_digest(bytes);
    if (!leaf) fail_store("entry " + std::to_string(expected) + " has a malformed leaf hash");
    out.push_back(*leaf);
  }
  if (out.size() != end - begin)
    fail_store("entry " + std::to_string(begin + out.size()) + " is missing from the database");
  return out;
}

std::uint64_t LogStore::prune_entries_before(Timestamp cutoff) {
  const Timestamp now = clock_();
  try {
    check_prune_allowed(retention_, cutoff, now);
  } catch (const Error& e) {
    fail_store(e.what());
  }
  return prune_rows(to_unix_ms(cutoff), to_unix_ms(now));
}

void LogStore::save_checkpoint(std::uint64_t tree_size, std::string_view note) {
  const std::uint64_t n = size();
  if (tree_size > n)
    fail_store("refusing a checkpoint of " + std::to_string(tree_size) +
               " entries: the log holds " + std::to_string(n));
  if (note.empty()) fail_store("refusing an empty checkpoint note");
  if (insert_checkpoint(tree_size, note, to_unix_ms(clock_())) != note)
    fail_store("a different checkpoint for tree size " + std::to_string(tree_size) +
               " is already stored; a log must never sign two trees of one size");
}

void LogStore::add_cosignature(std::uint64_t tree_size, std::string_view witness,
                               std::string_view signature) {
  if (witness.empty() || signature.empty())
    fail_store("a cosignature needs a witness name and a signature");
  if (!read_checkpoint(tree_size, false))
    fail_store("no checkpoint of tree size " + std::to_string(tree_size) + " to cosign");
  upsert_cosignature(tree_size, witness, signature);
}

void LogStore::publish_checkpoint(std::uint64_t tree_size) {
  if (!read_checkpoint(tree_size, false))
    fail_store("no checkpoint of tree size " + std::to_string(tree_size) + " to publish");
  mark_published(tree_size);
}

std::optional<StoredCheckpoint> LogStore::checkpoint(std::uint64_t tree_size) const {
  return read_checkpoint(tree_size, false);
}

std::optional<StoredCheckpoint> LogStore::latest_checkpoint(bool published_only) const {
  return read_checkpoint(std::nullopt, published_only);
}

std::uint64_t append_entry(LogStore& store, const Entry& entry) {
  const Bytes bytes = serialize_entry(entry);
  return store.append(bytes, entry_leaf_hash(bytes));
}

std::unique_ptr<LogStore> open_store(const std::string& location, const StoreOptions& options) {
  if (location.starts_with("postgresql://") || location.starts_with("postgres://"))
    return open_postgres_store(location, options);
  std::string_view path = location;
  if (path.starts_with("sqlite:")) path.remove_prefix(7);
  return open_sqlite_store(std::string(path), options);
}

namespace {

class Verifier {
 public:
  explicit Verifier(const LogStore& store) : store_(store) {}

  StoreVerification run() {
    // Read in this order, a live log being appended to meanwhile gives no
    // false alarm: a stored checkpoint never covers more than the size read
    // after it, and rows appended after the size was read are skipped.
    const std::optional<StoredCheckpoint> checkpoint = store_.latest_checkpoint(false);
    const RawState state = store_.read_state();
    result_.size = state.size;
    std::int64_t from = std::numeric_limits<std::int64_t>::min();
    for (;;) {
      const std::vector<RawRow> rows = store_.raw_rows(from, kAuditBatchRows);
      for (const RawRow& row : rows) check_row(row);
      if (rows.size() < kAuditBatchRows) break;
      from = rows.back().index + 1;
    }
    report_missing(result_.size);
    const std::optional<hash::Digest> head = as_digest(state.head);
    if (!head) {
      problem("the chain head in the state row is malformed");
    } else if (next_expected_ == result_.size && chain_known_ && *head != previous_chain_) {
      problem("the chain head does not match the chain hash of the last entry " +
              std::string("(entries removed from the end, or the state row edited)"));
    }
    const std::uint64_t final_size = store_.read_state().size;
    for (std::int64_t index : beyond_size_) {
      if (static_cast<std::uint64_t>(index) >= final_size)
        problem("a row with index " + std::to_string(index) + " lies outside the log of " +
                std::to_string(final_size) + " entries (row inserted or re-indexed)");
    }
    if (checkpoint && checkpoint->size > result_.size)
      problem("a checkpoint of " + std::to_string(checkpoint->size) +
              " entries is stored but the log holds only " + std::to_string(result_.size) +
              " (entries removed)");
    return std::move(result_);
  }

 private:
  void problem(const std::string& what) {
    if (++result_.problem_count <= kMaxReportedProblems) result_.problems.push_back(what);
  }

  void report_missing(std::uint64_t up_to) {
    if (next_expected_ >= up_to) return;
    problem(up_to - next_expected_ == 1
                ? "entry " + std::to_string(next_expected_) + " is missing (row deleted)"
                : "entries " + std::to_string(next_expected_) + " to " + std::to_string(up_to - 1) +
                      " are missing (rows deleted)");
    chain_known_ = false;
  }

  void check_row(const RawRow& row) {
    const std::string name = "entry " + std::to_string(row.index);
    if (row.index < 0) {
      problem("a row with the negative index " + std::to_string(row.index) +
              " (row inserted or re-indexed)");
      return;
    }
    if (static_cast<std::uint64_t>(row.index) >= result_.size) {
      // Appended since the size was read, or inserted: decided at the end.
      if (beyond_size_.size() <= kMaxReportedProblems) beyond_size_.push_back(row.index);
      return;
    }
    const auto index = static_cast<std::uint64_t>(row.index);
    report_missing(index);
    next_expected_ = index + 1;

    const std::optional<hash::Digest> leaf = as_digest(row.leaf_hash);
    const std::optional<hash::Digest> chain = as_digest(row.chain_hash);
    if (!leaf) problem(name + " has a malformed leaf hash");
    if (!chain) problem(name + " has a malformed chain hash");
    if (leaf && chain && chain_known_ && chain_hash(previous_chain_, index, *leaf) != *chain)
      problem(name + ": the chain hash does not follow from entry " +
              (index == 0 ? std::string("-1 (genesis)") : std::to_string(index - 1)) +
              " (rows reordered, replaced or inserted)");
    chain_known_ = chain.has_value();
    if (chain) previous_chain_ = *chain;

    if (row.body) {
      ++result_.bodies_checked;
      if (leaf && entry_leaf_hash(*row.body) != *leaf)
        problem(name + ": the body does not match its leaf hash (body edited)");
      try {
        parse_entry(*row.body);
      } catch (const Error& e) {
        problem(name + ": the body is not a valid entry: " + e.what());
      }
      if (row.pruned_at_ms) problem(name + " has a body but is marked as pruned");
    } else if (!row.pruned_at_ms) {
      problem(name + ": the body is missing without a pruning record (deleted)");
    } else {
      ++result_.pruned;
      if (!pruned_after_minimum(store_.retention(), from_unix_ms(row.logged_at_ms),
                                from_unix_ms(*row.pruned_at_ms)))
        problem(name + " was pruned at " + describe_time(*row.pruned_at_ms) +
                ", before the minimum retention of " +
                std::to_string(store_.retention().minimum.count()) + " days from " +
                describe_time(row.logged_at_ms) + " had passed");
    }
  }

  const LogStore& store_;
  StoreVerification result_;
  std::uint64_t next_expected_ = 0;
  hash::Digest previous_chain_ = kChainGenesis;
  bool chain_known_ = true;
  std::vector<std::int64_t> beyond_size_;
};

}  // namespace

StoreVerification verify_store(const LogStore& store) {
  return Verifier(store).run();
}

}  // namespace zkinfer::audit
