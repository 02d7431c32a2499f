// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/entry.hpp"
#include "audit/note.hpp"
#include "audit/rfc9162.hpp"
#include "audit/store.hpp"
#include "audit/tiles.hpp"
#include "audit/witness.hpp"

namespace zkinfer::audit {

// The transparency log: a LogStore holding the entries, the Merkle tree over
// their leaf hashes (RFC 9162), checkpoints signed with the log's key (its
// name is the origin) and, when witnesses are configured, published only
// once every one of them has cosigned. Specification: docs/audit-log.md.
//
// The tree is kept in memory (MemoryTree) and extended from the store's leaf
// hashes as the log grows, so a checkpoint or proof costs O(new entries +
// log^2 size) hashing, not a pass over the whole log. Like LogStore, one
// object is for one thread at a time.
class TransparencyLog {
 public:
  // `signer` may be empty for uses that sign nothing (proofs, cosignatures,
  // export).
  TransparencyLog(std::unique_ptr<LogStore> store, NoteVerifierKey verifier,
                  std::optional<NoteSignerKey> signer = std::nullopt,
                  std::vector<NoteVerifierKey> witnesses = {});
  // Without any key: proofs and tile export only.
  explicit TransparencyLog(std::unique_ptr<LogStore> store);

  LogStore& store() { return *store_; }
  // Error if the log was opened without keys.
  const NoteVerifierKey& verifier() const;
  const std::vector<NoteVerifierKey>& witnesses() const { return witnesses_; }
  // The log's private key; Error if the log was opened without it.
  const NoteSignerKey& signer() const;

  std::uint64_t append(const Entry& entry);
  std::uint64_t size() const { return store_->size(); }

  // Signs and stores a checkpoint of the current tree and returns the
  // signed note. Without witnesses it is published at once; with witnesses
  // it waits for add_cosignature from each of them.
  std::string checkpoint();

  // The add-checkpoint request for the stored checkpoint of `size`, proving
  // consistency from the latest published checkpoint (what a witness that
  // follows this log has cosigned last).
  AddCheckpointRequest witness_request(std::uint64_t size);
  // Verifies and stores a witness's cosignature lines for the checkpoint of
  // `size` (Error for an invalid one or one from an unconfigured witness);
  // publishes the checkpoint once every configured witness has cosigned.
  // Returns true when the checkpoint is published.
  bool add_cosignature(std::uint64_t size, std::string_view response);

  // The checkpoint note with the stored cosignatures attached; nullopt if
  // none is stored (for `size`), or none is published (latest).
  std::optional<std::string> checkpoint_note(std::uint64_t size) const;
  std::optional<std::string> latest_published_note() const;

  std::vector<Digest> inclusion_proof(std::uint64_t index, std::uint64_t size);
  std::vector<Digest> consistency_proof(std::uint64_t old_size, std::uint64_t new_size);

  // Writes the tiles of the latest published checkpoint to `dir`.
  void export_tiles(const std::filesystem::path& dir) const;

 private:
  const MemoryTree& tree_for(std::uint64_t size);
  std::string cosigned(const StoredCheckpoint& stored) const;

  std::unique_ptr<LogStore> store_;
  std::optional<NoteVerifierKey> verifier_;
  std::optional<NoteSignerKey> signer_;
  std::vector<NoteVerifierKey> witnesses_;
  MemoryTree tree_;
};

// What `zkinfer log audit` reports: every problem found (never thrown), so
// one run lists all of them.
struct LogAudit {
  std::uint64_t size = 0;
  std::uint64_t checkpoints_checked = 0;
  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

// Recomputes everything from the stored rows: verify_store (bodies against
// leaf hashes, the chain, pruning records), then the tree from the leaf
// hashes and, for every stored checkpoint, its log signature, origin and
// root, its witness cosignatures (a published checkpoint must carry one from
// each of `witnesses`), and consistency with the checkpoint before it.
LogAudit audit_log(const LogStore& store, const NoteVerifierKey& log_key,
                   std::span<const NoteVerifierKey> witnesses = {});

// A monitor's check of a tile directory: the checkpoint file must be signed
// by `log_key` (and cosigned by every one of `witnesses`); then audit_tiles
// replays the entries and tiles against it.
TileAudit monitor_tiles(const std::filesystem::path& dir, const NoteVerifierKey& log_key,
                        std::span<const NoteVerifierKey> witnesses = {});

// Throws Error unless every key in `witnesses` has a valid cosignature
// among `opened.cosignatures`.
void require_cosigned(const OpenedCheckpoint& opened, std::span<const NoteVerifierKey> witnesses);

}  // namespace zkinfer::audit
