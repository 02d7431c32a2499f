// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/note.hpp"
#include "audit/rfc9162.hpp"
#include "base/bytes.hpp"

namespace zkinfer::audit {

// The static read layout of C2SP tlog-tiles (c2sp.org/tlog-tiles): a log
// exported to a directory that an auditor can mirror with plain file copies
// and check offline.
//
//   checkpoint                   the signed checkpoint (signed note)
//   tile/<L>/<N>[.p/<W>]         256 hashes of tree level 8·L (W < 256: partial)
//   tile/entries/<N>[.p/<W>]     the entries of level-0 tile N, each prefixed
//                                by its length as a big-endian uint16
//
// <N> is written in 3-digit groups, all but the last prefixed with 'x'
// (1234067 -> x001/x234/067).

inline constexpr unsigned kTileHeight = 8;
inline constexpr std::uint64_t kTileWidth = 256;
inline constexpr std::size_t kMaxBundledEntry = 0xffff;
inline constexpr std::string_view kCheckpointFile = "checkpoint";

std::string tile_index_path(std::uint64_t index);
// Relative paths; `width` 256 names the full tile.
std::string tile_path(unsigned level, std::uint64_t index, unsigned width);
std::string entry_bundle_path(std::uint64_t index, unsigned width);

// How many hashes tile (level, index) holds in a tree of `tree_size` leaves:
// 256 for a full tile, 1..255 for the partial one, 0 if the tile is empty.
unsigned tile_width(unsigned level, std::uint64_t index, std::uint64_t tree_size);

// Entry bundles: Error for an entry longer than 65535 bytes, and when
// decoding unless the bytes are exactly `count` well-formed entries.
Bytes encode_entry_bundle(std::span<const Bytes> entries);
std::vector<Bytes> decode_entry_bundle(ByteSpan bundle, std::size_t count);

// Log entries by index, as the log's store keeps them.
class EntrySource {
 public:
  virtual ~EntrySource() = default;
  // Entries begin .. begin + count - 1; Error if any is missing.
  virtual std::vector<Bytes> read_entries(std::uint64_t begin, std::size_t count) const = 0;
};

// Writes the tiles and entry bundles of the tree `signed_checkpoint`
// describes, then the checkpoint itself. Files appear atomically (temporary
// file, sync, rename; see AtomicBatch) and the checkpoint goes last, so a
// reader who sees a checkpoint finds every complete tile it needs. Tiles are
// immutable: an existing file with the same content is kept, one with
// different content is an Error (the directory holds another log). If the
// entries do not hash to the checkpoint's root nothing is written and this
// throws.
void export_tiles(const std::filesystem::path& dir, const EntrySource& entries,
                  std::string_view signed_checkpoint);

// The perfect subtree hashes of a tile directory for a tree of `tree_size`
// leaves (from a checkpoint the caller trusts), read from the tiles: enough
// for roots and proofs (rfc9162.hpp) from static files only. Every tile read
// is checked for its exact length; a missing or malformed tile is an Error.
class TileHashSource final : public SubtreeHashSource {
 public:
  TileHashSource(std::filesystem::path dir, std::uint64_t tree_size);
  Digest subtree_hash(unsigned level, std::uint64_t index) const override;

 private:
  const std::vector<Digest>& tile(unsigned level, std::uint64_t index) const;
  std::filesystem::path dir_;
  std::uint64_t tree_size_;
  mutable std::map<std::pair<unsigned, std::uint64_t>, std::vector<Digest>> cache_;
};

// What a monitor finds when it replays a tile directory against a trusted
// checkpoint: every entry bundle re-hashed into leaf hashes, every tile
// compared with the hashes recomputed from the level below, and the root
// recomputed both from the entries and from the tiles.
struct TileAudit {
  std::uint64_t entries_checked = 0;
  std::uint64_t tiles_checked = 0;
  std::vector<std::string> problems;  // one line each, naming the file
  bool ok() const { return problems.empty(); }
};

TileAudit audit_tiles(const std::filesystem::path& dir, const Checkpoint& trusted);

}  // namespace zkinfer::audit
