// SPDX-License-Identifier: Apache-2.0
#include "audit/tiles.hpp"

#include <algorithm>
#include <cstdio>
#include <system_error>

#include "base/atomic_file.hpp"
#include "base/error.hpp"

namespace zkinfer::audit {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kTileBytes = kTileWidth * sizeof(Digest);
constexpr std::size_t kMaxBundleBytes = kTileWidth * (2 + kMaxBundledEntry);
constexpr std::size_t kMaxProblems = 1000;

// MTH of a power-of-two number of hashes (a full tile spans 8 levels).
Digest perfect_root(std::span<const Digest> hashes) {
  std::vector<Digest> level(hashes.begin(), hashes.end());
  for (std::size_t width = level.size(); width > 1; width /= 2) {
    for (std::size_t i = 0; i < width / 2; ++i)
      level[i] = node_hash(level[2 * i], level[2 * i + 1]);
  }
  return level[0];
}

Bytes tile_bytes(std::span<const Digest> hashes) {
  Bytes out;
  out.reserve(hashes.size() * sizeof(Digest));
  for (const Digest& h : hashes) out.insert(out.end(), h.bytes.begin(), h.bytes.end());
  return out;
}

std::vector<Digest> read_tile(const fs::path& dir, unsigned level, std::uint64_t index,
                              unsigned width) {
  const std::string path = tile_path(level, index, width);
  const Bytes bytes = read_file(dir / path, kTileBytes);
  if (bytes.size() != width * sizeof(Digest))
    fail(path + ": " + std::to_string(bytes.size()) + " bytes, expected " +
         std::to_string(width * sizeof(Digest)));
  std::vector<Digest> hashes(width);
  for (std::size_t i = 0; i < width; ++i)
    std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(32 * i), 32, hashes[i].bytes.begin());
  return hashes;
}

// Builds the tiles of a tree leaf by leaf: each full tile is handed to
// `emit` as it completes (and its root fed to the level above), the partial
// tiles of every level at finish().
class TileBuilder {
 public:
  using Emit =
      std::function<void(unsigned level, std::uint64_t index, std::span<const Digest> hashes)>;
  explicit TileBuilder(Emit emit) : emit_(std::move(emit)) {}

  void add_leaf(const Digest& leaf) { add(0, leaf); }

  void finish() {
    for (unsigned level = 0; level < pending_.size(); ++level) {
      if (!pending_[level].empty()) emit_(level, full_tiles_[level], pending_[level]);
    }
  }

 private:
  void add(unsigned level, const Digest& hash) {
    if (level == pending_.size()) {
      pending_.emplace_back();
      full_tiles_.push_back(0);
    }
    pending_[level].push_back(hash);
    if (pending_[level].size() < kTileWidth) return;
    emit_(level, full_tiles_[level]++, pending_[level]);
    const Digest root = perfect_root(pending_[level]);
    pending_[level].clear();
    add(level + 1, root);
  }

  Emit emit_;
  std::vector<std::vector<Digest>> pending_;
  std::vector<std::uint64_t> full_tiles_;
};

// Tiles and bundles never change once written: the same bytes are left in
// place, different bytes mean the directory holds some other tree.
void write_immutable(AtomicBatch& batch, const fs::path& dir, const std::string& relative,
                     ByteSpan data) {
  const fs::path path = dir / relative;
  std::error_code error;
  if (fs::exists(path, error)) {
    const Bytes existing = read_file(path, kMaxBundleBytes);
    if (!std::equal(existing.begin(), existing.end(), data.begin(), data.end()))
      fail("export: existing " + relative + " differs from this log's content");
    return;
  }
  fs::create_directories(path.parent_path(), error);
  if (error)
    fail("export: cannot create directory " + path.parent_path().string() + ": " + error.message());
  batch.stage(path, data);
}

std::string with_width(std::string path, unsigned width) {
  if (width < kTileWidth) path += ".p/" + std::to_string(width);
  return path;
}

class ProblemList {
 public:
  explicit ProblemList(std::vector<std::string>& out) : out_(out) {}
  void add(std::string problem) {
    if (out_.size() < kMaxProblems) {
      out_.push_back(std::move(problem));
    } else if (out_.size() == kMaxProblems) {
      out_.push_back("further problems omitted");
    }
  }

 private:
  std::vector<std::string>& out_;
};

}  // namespace

std::string tile_index_path(std::uint64_t index) {
  char group[8];
  std::snprintf(group, sizeof group, "%03u", static_cast<unsigned>(index % 1000));
  std::string path = group;
  for (index /= 1000; index > 0; index /= 1000) {
    std::snprintf(group, sizeof group, "x%03u/", static_cast<unsigned>(index % 1000));
    path.insert(0, group);
  }
  return path;
}

std::string tile_path(unsigned level, std::uint64_t index, unsigned width) {
  return with_width("tile/" + std::to_string(level) + "/" + tile_index_path(index), width);
}

std::string entry_bundle_path(std::uint64_t index, unsigned width) {
  return with_width("tile/entries/" + tile_index_path(index), width);
}

unsigned tile_width(unsigned level, std::uint64_t index, std::uint64_t tree_size) {
  const unsigned shift = kTileHeight * level;
  const std::uint64_t hashes_at_level = shift >= 64 ? 0 : tree_size >> shift;
  const std::uint64_t full_tiles = hashes_at_level / kTileWidth;
  if (index < full_tiles) return static_cast<unsigned>(kTileWidth);
  if (index == full_tiles) return static_cast<unsigned>(hashes_at_level % kTileWidth);
  return 0;
}

Bytes encode_entry_bundle(std::span<const Bytes> entries) {
  Bytes out;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const Bytes& entry = entries[i];
    if (entry.size() > kMaxBundledEntry)
      fail("entry bundle: entry " + std::to_string(i) + " has " + std::to_string(entry.size()) +
           " bytes; tlog-tiles bundles hold at most 65535");
    out.push_back(static_cast<std::uint8_t>(entry.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(entry.size()));
    out.insert(out.end(), entry.begin(), entry.end());
  }
  return out;
}

std::vector<Bytes> decode_entry_bundle(ByteSpan bundle, std::size_t count) {
  std::vector<Bytes> entries;
  std::size_t pos = 0;
  while (pos < bundle.size()) {
    if (entries.size() == count) fail("entry bundle: bytes after entry " + std::to_string(count));
    if (bundle.size() - pos < 2)
      fail("entry bundle: truncated length of entry " + std::to_string(entries.size()));
    const std::size_t length = std::size_t{bundle[pos]} << 8 | bundle[pos + 1];
    pos += 2;
    if (bundle.size() - pos < length)
      fail("entry bundle: entry " + std::to_string(entries.size()) + " is truncated");
    entries.emplace_back(bundle.begin() + static_cast<std::ptrdiff_t>(pos),
                         bundle.begin() + static_cast<std::ptrdiff_t>(pos + length));
    pos += length;
  }
  if (entries.size() != count)
    fail("entry bundle: " + std::to_string(entries.size()) + " entries, expected " +
         std::to_string(count));
  return entries;
}

void export_tiles(const fs::path& dir, const EntrySource& entries,
                  std::string_view signed_checkpoint) {
  const Checkpoint checkpoint = parse_checkpoint(parse_note(signed_checkpoint).text);
  const std::uint64_t size = checkpoint.size;
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) fail("export: cannot create directory " + dir.string() + ": " + error.message());
  AtomicBatch batch;
  TileBuilder builder([&](unsigned level, std::uint64_t index, std::span<const Digest> hashes) {
    write_immutable(batch, dir, tile_path(level, index, static_cast<unsigned>(hashes.size())),
                    tile_bytes(hashes));
  });
  CompactRange range;
  for (std::uint64_t n = 0;; ++n) {
    const unsigned width = tile_width(0, n, size);
    if (width == 0) break;
    const std::vector<Bytes> bundle = entries.read_entries(n * kTileWidth, width);
    if (bundle.size() != width)
      fail("export: the store returned " + std::to_string(bundle.size()) + " entries for bundle " +
           std::to_string(n) + ", expected " + std::to_string(width));
    write_immutable(batch, dir, entry_bundle_path(n, width), encode_entry_bundle(bundle));
    for (const Bytes& entry : bundle) {
      const Digest leaf = leaf_hash(entry);
      builder.add_leaf(leaf);
      range.append(leaf);
    }
  }
  builder.finish();
  if (range.root() != checkpoint.root)
    fail("export: the entries' tree root differs from the checkpoint's root at size " +
         std::to_string(size) + "; nothing written");
  batch.commit();
  write_file_atomic(dir / kCheckpointFile,
                    ByteSpan(reinterpret_cast<const std::uint8_t*>(signed_checkpoint.data()),
                             signed_checkpoint.size()));
}

TileHashSource::TileHashSource(fs::path dir, std::uint64_t tree_size)
    : dir_(std::move(dir)), tree_size_(tree_size) {}

const std::vector<Digest>& TileHashSource::tile(unsigned level, std::uint64_t index) const {
  const auto key = std::make_pair(level, index);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  const unsigned width = tile_width(level, index, tree_size_);
  if (width == 0)
    fail("tile " + std::to_string(level) + "/" + std::to_string(index) +
         " is beyond the tree of size " + std::to_string(tree_size_));
  return cache_.emplace(key, read_tile(dir_, level, index, width)).first->second;
}

Digest TileHashSource::subtree_hash(unsigned level, std::uint64_t index) const {
  // Subtree (level, index) is the root over 2^r consecutive hashes of the
  // tile level just below it, all inside one tile.
  const unsigned tile_level = level / kTileHeight;
  const unsigned r = level % kTileHeight;
  const std::uint64_t first = index << r;
  const std::size_t count = std::size_t{1} << r;
  const std::vector<Digest>& hashes = tile(tile_level, first / kTileWidth);
  const std::size_t offset = first % kTileWidth;
  if (offset + count > hashes.size())
    fail("subtree (level " + std::to_string(level) + ", index " + std::to_string(index) +
         ") is beyond the tree of size " + std::to_string(tree_size_));
  return perfect_root(std::span(hashes).subspan(offset, count));
}

TileAudit audit_tiles(const fs::path& dir, const Checkpoint& trusted) {
  TileAudit audit;
  ProblemList problems(audit.problems);
  const auto attempt = [&](const auto& step) {
    try {
      step();
    } catch (const Error& e) {
      problems.add(e.what());
    }
  };
  // Each tile must hold exactly the hashes recomputed from below.
  TileBuilder builder([&](unsigned level, std::uint64_t index, std::span<const Digest> expected) {
    const unsigned width = static_cast<unsigned>(expected.size());
    attempt([&] {
      const std::vector<Digest> stored = read_tile(dir, level, index, width);
      ++audit.tiles_checked;
      std::size_t differing = 0, first = 0;
      for (std::size_t i = width; i-- > 0;) {
        if (stored[i] != expected[i]) {
          ++differing;
          first = i;
        }
      }
      if (differing > 0)
        problems.add(tile_path(level, index, width) + ": " + std::to_string(differing) + " of " +
                     std::to_string(width) + " hashes differ from those recomputed from " +
                     (level == 0 ? "the entry bundle" : "the tiles below") +
                     " (first at position " + std::to_string(first) + ")");
    });
  });
  CompactRange range;
  for (std::uint64_t n = 0;; ++n) {
    const unsigned width = tile_width(0, n, trusted.size);
    if (width == 0) break;
    std::vector<Digest> leaves;
    attempt([&] {
      const std::string path = entry_bundle_path(n, width);
      const Bytes bundle = read_file(dir / path, kMaxBundleBytes);
      std::vector<Bytes> entries;
      try {
        entries = decode_entry_bundle(bundle, width);
      } catch (const Error& e) {
        fail(path + ": " + e.what());
      }
      for (const Bytes& entry : entries) leaves.push_back(leaf_hash(entry));
      audit.entries_checked += width;
    });
    if (leaves.empty()) {
      // Without the entries, carry on with the stored leaf hashes so the
      // levels above are still checked (the problem is already recorded).
      attempt([&] { leaves = read_tile(dir, 0, n, width); });
      if (leaves.empty()) {
        // Neither entries nor leaf hashes: stop rather than walk the rest of
        // a size that may be far beyond what the directory holds.
        problems.add("no entries or leaf hashes from entry " + std::to_string(n * kTileWidth) +
                     " on: the directory ends before the checkpoint's size " +
                     std::to_string(trusted.size));
        return audit;
      }
    }
    for (const Digest& leaf : leaves) {
      builder.add_leaf(leaf);
      range.append(leaf);
    }
  }
  builder.finish();
  const std::string at_size = " at size " + std::to_string(trusted.size);
  if (range.root() != trusted.root)
    problems.add("the root recomputed from the entries differs from the checkpoint" + at_size);
  attempt([&] {
    if (root_hash(TileHashSource(dir, trusted.size), trusted.size) != trusted.root)
      problems.add("the root recomputed from the tiles differs from the checkpoint" + at_size);
  });
  return audit;
}

}  // namespace zkinfer::audit
