// SPDX-License-Identifier: Apache-2.0
#include "audit/log.hpp"

#include <algorithm>
#include <utility>

#include "base/atomic_file.hpp"
#include "base/error.hpp"

namespace zkinfer::audit {
namespace {

// Leaf hashes are read from the store in chunks of this many, so neither
// extending the tree nor auditing holds more than one chunk of rows at once.
constexpr std::uint64_t kLeafChunk = 65536;
constexpr std::size_t kMaxCheckpointBytes = std::size_t{1} << 20;

class StoreEntrySource final : public EntrySource {
 public:
  explicit StoreEntrySource(const LogStore& store) : store_(store) {}
  std::vector<Bytes> read_entries(std::uint64_t begin, std::size_t count) const override {
    std::vector<Bytes> out;
    out.reserve(count);
    for (std::uint64_t i = begin; i < begin + count; ++i) {
      StoredEntry stored = store_.entry(i);
      if (!(stored.body.has_value()))
        fail("entry " + std::to_string(i) + " was pruned: tiles need every entry body");
      out.push_back(std::move(*stored.body));
    }
    return out;
  }

 private:
  const LogStore& store_;
};

// The stored note with the stored cosignature lines appended: a signed note
// ends with its signature lines, so more lines are more signatures.
std::string with_cosignatures(const StoredCheckpoint& stored) {
  std::string note = stored.note;
  for (const Cosignature& c : stored.cosignatures) note += c.signature;
  return note;
}

}  // namespace

void require_cosigned(const OpenedCheckpoint& opened, std::span<const NoteVerifierKey> witnesses) {
  for (const NoteVerifierKey& w : witnesses) {
    const bool found = std::any_of(opened.cosignatures.begin(), opened.cosignatures.end(),
                                   [&](const VerifiedSignature& s) { return s.key == w; });
    if (!found)
      fail("checkpoint of size " + std::to_string(opened.checkpoint.size) +
           " has no cosignature from witness " + w.name);
  }
}

TransparencyLog::TransparencyLog(std::unique_ptr<LogStore> store, NoteVerifierKey verifier,
                                 std::optional<NoteSignerKey> signer,
                                 std::vector<NoteVerifierKey> witnesses)
    : store_(std::move(store)),
      verifier_(std::move(verifier)),
      signer_(std::move(signer)),
      witnesses_(std::move(witnesses)) {
  require(store_ != nullptr, "transparency log: no store");
  require(verifier_->type == NoteKeyType::kEd25519, "the log key must be a plain Ed25519 note key");
  if (signer_ && !(signer_->verifier() == *verifier_))
    fail("the log's private key does not match its verifier key " + verifier_->name);
  for (const NoteVerifierKey& w : witnesses_)
    if (!(w.type == NoteKeyType::kCosignatureV1))
      fail("witness key " + w.name + " is not a cosignature/v1 key");
}

TransparencyLog::TransparencyLog(std::unique_ptr<LogStore> store) : store_(std::move(store)) {
  require(store_ != nullptr, "transparency log: no store");
}

const NoteVerifierKey& TransparencyLog::verifier() const {
  require(verifier_.has_value(), "this needs the log's verifier key");
  return *verifier_;
}

const NoteSignerKey& TransparencyLog::signer() const {
  require(signer_.has_value(), "this needs the log's private key");
  return *signer_;
}

std::uint64_t TransparencyLog::append(const Entry& entry) {
  return append_entry(*store_, entry);
}

const MemoryTree& TransparencyLog::tree_for(std::uint64_t size) {
  const std::uint64_t stored = store_->size();
  if (!(size <= stored))
    fail("tree size " + std::to_string(size) + " exceeds the log size " + std::to_string(stored));
  while (tree_.size() < size) {
    const std::uint64_t begin = tree_.size();
    const std::uint64_t end = std::min(size, begin + kLeafChunk);
    for (const Digest& leaf : store_->leaf_hashes(begin, end)) tree_.append(leaf);
  }
  return tree_;
}

std::string TransparencyLog::checkpoint() {
  require(signer_.has_value(), "signing a checkpoint needs the log's private key");
  const std::uint64_t size = store_->size();
  const Checkpoint body{signer_->name, size, root_hash(tree_for(size), size), {}};
  const std::string note = sign_checkpoint(body, *signer_);
  store_->save_checkpoint(size, note);
  if (witnesses_.empty()) store_->publish_checkpoint(size);
  return note;
}

AddCheckpointRequest TransparencyLog::witness_request(std::uint64_t size) {
  const std::optional<StoredCheckpoint> stored = store_->checkpoint(size);
  if (!stored) fail("no checkpoint of size " + std::to_string(size) + " is stored");
  const std::optional<StoredCheckpoint> published = store_->latest_checkpoint(true);
  const std::uint64_t old_size = published ? published->size : 0;
  if (!(old_size <= size))
    fail("checkpoint of size " + std::to_string(size) +
         " is older than the published one of size " + std::to_string(old_size));
  return {old_size, consistency_proof(old_size, size), stored->note};
}

bool TransparencyLog::add_cosignature(std::uint64_t size, std::string_view response) {
  const std::optional<StoredCheckpoint> stored = store_->checkpoint(size);
  if (!stored) fail("no checkpoint of size " + std::to_string(size) + " is stored");
  const std::string combined = attach_cosignatures(stored->note, response, witnesses_);
  bool stored_any = false;
  for (const NoteSignature& s : parse_note(combined).signatures) {
    for (const NoteVerifierKey& w : witnesses_) {
      if (w.name != s.name || w.key_id() != s.key_id) continue;
      store_->add_cosignature(size, w.name, format_signature_line(s));
      stored_any = true;
    }
  }
  require(stored_any, "the response holds no cosignature from a configured witness");
  const OpenedCheckpoint opened =
      open_checkpoint(with_cosignatures(*store_->checkpoint(size)), verifier(), witnesses_);
  for (const NoteVerifierKey& w : witnesses_) {
    const bool found = std::any_of(opened.cosignatures.begin(), opened.cosignatures.end(),
                                   [&](const VerifiedSignature& v) { return v.key == w; });
    if (!found) return false;
  }
  store_->publish_checkpoint(size);
  return true;
}

std::optional<std::string> TransparencyLog::checkpoint_note(std::uint64_t size) const {
  const std::optional<StoredCheckpoint> stored = store_->checkpoint(size);
  if (!stored) return std::nullopt;
  return with_cosignatures(*stored);
}

std::optional<std::string> TransparencyLog::latest_published_note() const {
  const std::optional<StoredCheckpoint> stored = store_->latest_checkpoint(true);
  if (!stored) return std::nullopt;
  return with_cosignatures(*stored);
}

std::vector<Digest> TransparencyLog::inclusion_proof(std::uint64_t index, std::uint64_t size) {
  if (!(index < size))
    fail("entry " + std::to_string(index) + " is not in a tree of size " + std::to_string(size));
  return audit::inclusion_proof(tree_for(size), index, size);
}

std::vector<Digest> TransparencyLog::consistency_proof(std::uint64_t old_size,
                                                       std::uint64_t new_size) {
  if (!(old_size <= new_size))
    fail("consistency proof: old size " + std::to_string(old_size) + " exceeds new size " +
         std::to_string(new_size));
  return audit::consistency_proof(tree_for(new_size), old_size, new_size);
}

void TransparencyLog::export_tiles(const std::filesystem::path& dir) const {
  const std::optional<std::string> note = latest_published_note();
  require(note.has_value(), "no published checkpoint to export");
  audit::export_tiles(dir, StoreEntrySource(*store_), *note);
}

LogAudit audit_log(const LogStore& store, const NoteVerifierKey& log_key,
                   std::span<const NoteVerifierKey> witnesses) {
  LogAudit report;
  const StoreVerification rows = verify_store(store);
  report.size = rows.size;
  report.problems = rows.problems;
  if (rows.problem_count > rows.problems.size())
    report.problems.push_back("... and " +
                              std::to_string(rows.problem_count - rows.problems.size()) +
                              " more storage problems");

  // The tree is replayed leaf by leaf in O(log n) memory; each stored
  // checkpoint is compared with the root at its size. Checkpoints whose
  // roots all match the one replayed tree are consistent with each other by
  // construction, so a root mismatch is also where consistency breaks.
  CompactRange tree;
  bool tree_ok = true;
  std::optional<std::uint64_t> previous;
  auto check_checkpoint = [&](std::uint64_t size) {
    std::optional<StoredCheckpoint> stored;
    try {
      stored = store.checkpoint(size);
    } catch (const Error& e) {
      report.problems.push_back("checkpoint of size " + std::to_string(size) + ": " + e.what());
      return;
    }
    if (!stored) return;
    ++report.checkpoints_checked;
    const std::string where = "checkpoint of size " + std::to_string(size) + ": ";
    try {
      const OpenedCheckpoint opened =
          open_checkpoint(with_cosignatures(*stored), log_key, witnesses);
      if (opened.checkpoint.size != size) {
        report.problems.push_back(where + "the signed note is for size " +
                                  std::to_string(opened.checkpoint.size));
        return;
      }
      if (!tree_ok) {
        report.problems.push_back(where + "root not checked: the tree could not be rebuilt");
      } else if (opened.checkpoint.root != tree.root()) {
        report.problems.push_back(where + "signed root " + hash::to_hex(opened.checkpoint.root) +
                                  " does not match the root " + hash::to_hex(tree.root()) +
                                  " recomputed from the stored leaf hashes" +
                                  (previous ? " (inconsistent with the checkpoint of size " +
                                                  std::to_string(*previous) + " or the rows)"
                                            : ""));
      }
      if (stored->published) require_cosigned(opened, witnesses);
      previous = size;
    } catch (const Error& e) {
      report.problems.push_back(where + e.what());
    }
  };

  check_checkpoint(0);
  for (std::uint64_t begin = 0; begin < report.size; begin += kLeafChunk) {
    const std::uint64_t end = std::min(report.size, begin + kLeafChunk);
    std::vector<Digest> leaves;
    if (tree_ok) {
      try {
        leaves = store.leaf_hashes(begin, end);
      } catch (const Error& e) {
        report.problems.push_back(std::string("cannot rebuild the tree: ") + e.what());
        tree_ok = false;
      }
    }
    for (std::uint64_t i = begin; i < end; ++i) {
      if (tree_ok) tree.append(leaves[i - begin]);
      check_checkpoint(i + 1);
    }
  }
  return report;
}

TileAudit monitor_tiles(const std::filesystem::path& dir, const NoteVerifierKey& log_key,
                        std::span<const NoteVerifierKey> witnesses) {
  try {
    const Bytes text = read_file(dir / kCheckpointFile, kMaxCheckpointBytes);
    const OpenedCheckpoint opened =
        open_checkpoint(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()),
                        log_key, witnesses);
    require_cosigned(opened, witnesses);
    return audit_tiles(dir, opened.checkpoint);
  } catch (const Error& e) {
    TileAudit failed;
    failed.problems.push_back((dir / kCheckpointFile).string() + ": " + e.what());
    return failed;
  }
}

}  // namespace zkinfer::audit
