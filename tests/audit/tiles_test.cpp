// SPDX-License-Identifier: Apache-2.0
#include "audit/tiles.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "audit/note.hpp"
#include "audit/rfc9162.hpp"
#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "support/rng.hpp"
#include "support/temp_dir.hpp"

namespace zkinfer::audit {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::TestRng;

class VectorEntries final : public EntrySource {
 public:
  explicit VectorEntries(std::vector<Bytes> entries) : entries_(std::move(entries)) {}
  std::vector<Bytes> read_entries(std::uint64_t begin, std::size_t count) const override {
    require(begin + count <= entries_.size(), "entry beyond the test log");
    const auto first = entries_.begin() + static_cast<std::ptrdiff_t>(begin);
    return std::vector<Bytes>(first, first + static_cast<std::ptrdiff_t>(count));
  }
  const std::vector<Bytes>& all() const { return entries_; }

 private:
  std::vector<Bytes> entries_;
};

// Entries of varied lengths (empty ones included), with a tree over them
// and a log key to sign its checkpoints.
struct TestLog {
  explicit TestLog(std::size_t n) : entries(make_entries(n)) {
    for (const Bytes& e : entries.all()) tree.append(leaf_hash(e));
  }
  static std::vector<Bytes> make_entries(std::size_t n) {
    TestRng rng(n);
    std::vector<Bytes> out(n);
    for (auto& entry : out) {
      entry.resize(rng.below(40));
      for (auto& b : entry) b = static_cast<std::uint8_t>(rng());
    }
    return out;
  }
  Checkpoint checkpoint(std::uint64_t size) const {
    return {key.name, size, root_hash(tree, size), {}};
  }
  std::string signed_checkpoint(std::uint64_t size) const {
    return sign_checkpoint(checkpoint(size), key);
  }

  VectorEntries entries;
  MemoryTree tree;
  NoteSignerKey key{"log.example/tiles", NoteKeyType::kEd25519, Ed25519PrivateKey::generate()};
};

std::set<std::string> files_under(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) out.insert(fs::relative(entry.path(), dir).string());
  }
  return out;
}

void flip_byte(const fs::path& path, std::size_t offset) {
  Bytes bytes = read_file(path, 1 << 24);
  bytes.at(offset) ^= 0x01;
  write_file_atomic(path, bytes);
}

TEST(Tiles, Paths) {
  EXPECT_EQ(tile_index_path(0), "000");
  EXPECT_EQ(tile_index_path(5), "005");
  EXPECT_EQ(tile_index_path(999), "999");
  EXPECT_EQ(tile_index_path(1000), "x001/000");
  EXPECT_EQ(tile_index_path(1234067), "x001/x234/067");
  EXPECT_EQ(tile_path(0, 1234067, 256), "tile/0/x001/x234/067");
  EXPECT_EQ(tile_path(1, 1, 17), "tile/1/001.p/17");
  EXPECT_EQ(entry_bundle_path(273, 112), "tile/entries/273.p/112");
  EXPECT_EQ(entry_bundle_path(12, 256), "tile/entries/012");
}

TEST(Tiles, WidthsOfTheSpecExamples) {
  // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one
  // partial level 0 tile of width 112, one full level 1 tile, one partial
  // level 1 tile of width 17, and one partial level 2 tile of width 1."
  EXPECT_EQ(tile_width(0, 272, 70000), 256u);
  EXPECT_EQ(tile_width(0, 273, 70000), 112u);
  EXPECT_EQ(tile_width(0, 274, 70000), 0u);
  EXPECT_EQ(tile_width(1, 0, 70000), 256u);
  EXPECT_EQ(tile_width(1, 1, 70000), 17u);
  EXPECT_EQ(tile_width(2, 0, 70000), 1u);
  EXPECT_EQ(tile_width(3, 0, 70000), 0u);
  // "a tree of size 256 will be represented by a full level 0 tile and a
  // partial level 1 tile of width 1."
  EXPECT_EQ(tile_width(0, 0, 256), 256u);
  EXPECT_EQ(tile_width(0, 1, 256), 0u);
  EXPECT_EQ(tile_width(1, 0, 256), 1u);
  EXPECT_EQ(tile_width(0, 0, 0), 0u);
  EXPECT_EQ(tile_width(7, 0, ~std::uint64_t{0}), 255u);
  EXPECT_EQ(tile_width(8, 0, ~std::uint64_t{0}), 0u);
}

TEST(Tiles, EntryBundles) {
  const std::vector<Bytes> entries = {{}, {1, 2, 3}, Bytes(kMaxBundledEntry, 9), {}};
  const Bytes bundle = encode_entry_bundle(entries);
  EXPECT_EQ(bundle.size(), 2 * 4 + 3 + kMaxBundledEntry);
  EXPECT_EQ(bundle[2], 0x00);
  EXPECT_EQ(bundle[3], 0x03);
  EXPECT_EQ(decode_entry_bundle(bundle, entries.size()), entries);
  EXPECT_THROW(decode_entry_bundle(bundle, 3), Error);
  EXPECT_THROW(decode_entry_bundle(bundle, 5), Error);
  EXPECT_THROW(decode_entry_bundle(ByteSpan(bundle).first(bundle.size() - 1), 4), Error);
  EXPECT_THROW(decode_entry_bundle(ByteSpan(bundle).first(1), 1), Error);
  EXPECT_THROW(encode_entry_bundle(std::vector<Bytes>{Bytes(kMaxBundledEntry + 1)}), Error);
}

TEST(Tiles, ExportLayoutMatchesTheSpecAndAudits) {
  const TestLog log(70000);
  const TempDir dir;
  const std::string checkpoint = log.signed_checkpoint(70000);
  export_tiles(dir.path(), log.entries, checkpoint);

  const std::set<std::string> files = files_under(dir.path());
  EXPECT_EQ(files.size(), 274u + 274u + 2u + 1u + 1u);
  for (const char* expected :
       {"checkpoint", "tile/0/272", "tile/0/273.p/112", "tile/entries/272",
        "tile/entries/273.p/112", "tile/1/000", "tile/1/001.p/17", "tile/2/000.p/1"})
    EXPECT_TRUE(files.count(expected)) << expected;
  EXPECT_EQ(read_file(dir.path() / "checkpoint", 1 << 16),
            Bytes(checkpoint.begin(), checkpoint.end()));

  const TileAudit audit = audit_tiles(dir.path(), log.checkpoint(70000));
  EXPECT_TRUE(audit.ok()) << audit.problems.front();
  EXPECT_EQ(audit.entries_checked, 70000u);
  EXPECT_EQ(audit.tiles_checked, 274u + 2u + 1u);
}

TEST(Tiles, ProofsFromTilesMatchTheTree) {
  const TestLog log(70000);
  const TempDir dir;
  export_tiles(dir.path(), log.entries, log.signed_checkpoint(70000));
  const TileHashSource tiles(dir.path(), 70000);
  EXPECT_EQ(root_hash(tiles, 70000), log.tree.root());
  TestRng rng(11);
  for (int sample = 0; sample < 200; ++sample) {
    const std::uint64_t size = 1 + rng.below(70000);
    const std::uint64_t index = rng.below(size);
    const std::uint64_t old = rng.below(size + 1);
    EXPECT_EQ(root_hash(tiles, size), root_hash(log.tree, size)) << size;
    EXPECT_EQ(inclusion_proof(tiles, index, size), inclusion_proof(log.tree, index, size));
    EXPECT_EQ(consistency_proof(tiles, old, size), consistency_proof(log.tree, old, size));
  }
  EXPECT_THROW(inclusion_proof(tiles, 5, 70002), Error);  // needs leaves beyond the export
}

TEST(Tiles, SmallSizesAndIncrementalExports) {
  const TestLog log(600);
  const TempDir dir;
  std::vector<std::uint64_t> exported;
  for (std::uint64_t size : {0, 1, 2, 255, 256, 257, 511, 512, 600}) {
    export_tiles(dir.path(), log.entries, log.signed_checkpoint(size));
    exported.push_back(size);
    // Earlier checkpoints stay checkable: their partial tiles are kept.
    for (std::uint64_t earlier : exported) {
      const TileAudit audit = audit_tiles(dir.path(), log.checkpoint(earlier));
      EXPECT_TRUE(audit.ok()) << earlier << ": " << audit.problems.front();
    }
  }
  EXPECT_EQ(read_file(dir.path() / "checkpoint", 1 << 16).size(),
            log.signed_checkpoint(600).size());
}

TEST(Tiles, ExportRefusesInconsistentInput) {
  const TestLog log(300);
  const TempDir dir;
  // A checkpoint whose root is not the entries' root: nothing is written.
  Checkpoint wrong = log.checkpoint(300);
  wrong.root = log.tree.subtree_hash(0, 0);
  EXPECT_THROW(export_tiles(dir.path(), log.entries, sign_checkpoint(wrong, log.key)), Error);
  EXPECT_TRUE(files_under(dir.path()).empty());
  // A different log exported into the same directory.
  export_tiles(dir.path(), log.entries, log.signed_checkpoint(300));
  const TestLog other(301);
  EXPECT_THROW(export_tiles(dir.path(), other.entries, other.signed_checkpoint(300)), Error);
  // An entry too long for a bundle.
  std::vector<Bytes> entries = {Bytes(kMaxBundledEntry + 1, 1)};
  const VectorEntries too_long(entries);
  MemoryTree tree;
  tree.append(leaf_hash(entries[0]));
  const TempDir other_dir;
  EXPECT_THROW(export_tiles(other_dir.path(), too_long,
                            sign_checkpoint({log.key.name, 1, tree.root(), {}}, log.key)),
               Error);
  // A malformed checkpoint.
  EXPECT_THROW(export_tiles(other_dir.path(), log.entries, "not a checkpoint"), Error);
  // An empty log into a directory that does not exist yet.
  export_tiles(other_dir.path() / "new", log.entries, log.signed_checkpoint(0));
  EXPECT_EQ(files_under(other_dir.path() / "new"), std::set<std::string>{"checkpoint"});
}

class TileTampering : public ::testing::Test {
 protected:
  void SetUp() override { export_tiles(dir.path(), log.entries, log.signed_checkpoint(kSize)); }
  std::vector<std::string> problems() const {
    return audit_tiles(dir.path(), log.checkpoint(kSize)).problems;
  }
  static bool mentions(const std::vector<std::string>& problems, const std::string& what) {
    for (const auto& p : problems) {
      if (p.find(what) != std::string::npos) return true;
    }
    return false;
  }

  static constexpr std::uint64_t kSize = 65536 + 700;
  const TestLog log{kSize};
  const TempDir dir;
};

TEST_F(TileTampering, EditedEntryIsFound) {
  flip_byte(dir.path() / "tile/entries/100", 5);
  const auto found = problems();
  EXPECT_TRUE(mentions(found, "tile/0/100: 1 of 256 hashes differ")) << found.front();
  EXPECT_TRUE(mentions(found, "root recomputed from the entries differs"));
  EXPECT_FALSE(mentions(found, "root recomputed from the tiles"));
}

TEST_F(TileTampering, EditedTileHashIsFound) {
  // The root of a tree of 66236 leaves reads tile/2/000.p/1 rather than the
  // full tile/1/000 below it, so only the tile check sees this change ...
  flip_byte(dir.path() / "tile/1/000", 32 * 7 + 3);
  auto found = problems();
  EXPECT_EQ(found.size(), 1u);
  EXPECT_TRUE(mentions(found,
                       "tile/1/000: 1 of 256 hashes differ from those recomputed from the tiles "
                       "below (first at position 7)"))
      << found.front();
  // ... while this tile is on the root's path.
  flip_byte(dir.path() / "tile/1/000", 32 * 7 + 3);
  flip_byte(dir.path() / "tile/1/001.p/2", 32 + 31);
  found = problems();
  EXPECT_TRUE(mentions(found, "tile/1/001.p/2: 1 of 2 hashes differ")) << found.front();
  EXPECT_TRUE(mentions(found, "root recomputed from the tiles differs"));
}

TEST_F(TileTampering, ConsistentlyRewrittenHistoryFailsAgainstTheCheckpoint) {
  // Rewrite an entry and every hash above it: the directory is then
  // self-consistent, and only the trusted checkpoint exposes it.
  TestLog forged(kSize);
  std::vector<Bytes> entries = forged.entries.all();
  entries[1234].push_back(0x42);
  const VectorEntries changed(entries);
  MemoryTree tree;
  for (const Bytes& e : entries) tree.append(leaf_hash(e));
  const TempDir forged_dir;
  export_tiles(forged_dir.path(), changed,
               sign_checkpoint({log.key.name, kSize, tree.root(), {}}, log.key));
  const auto found = audit_tiles(forged_dir.path(), log.checkpoint(kSize)).problems;
  EXPECT_EQ(found.size(), 2u);
  EXPECT_TRUE(mentions(found, "root recomputed from the entries differs"));
  EXPECT_TRUE(mentions(found, "root recomputed from the tiles differs"));
}

TEST_F(TileTampering, MissingAndTruncatedFilesAreFound) {
  fs::remove(dir.path() / "tile/entries/003");
  Bytes tile = read_file(dir.path() / "tile/0/007", 1 << 16);
  tile.pop_back();
  write_file_atomic(dir.path() / "tile/0/007", tile);
  fs::remove(dir.path() / "tile/2/000.p/1");
  Bytes bundle = read_file(dir.path() / "tile/entries/009", 1 << 20);
  bundle.push_back(0);
  write_file_atomic(dir.path() / "tile/entries/009", bundle);
  const auto found = problems();
  EXPECT_TRUE(mentions(found, "tile/entries/003")) << found.front();
  EXPECT_TRUE(mentions(found, "tile/0/007: 8191 bytes, expected 8192"));
  EXPECT_TRUE(mentions(found, "tile/2/000.p/1"));
  EXPECT_TRUE(mentions(found, "tile/entries/009: entry bundle: bytes after entry 256"));
}

TEST_F(TileTampering, WrongCheckpointIsFound) {
  Checkpoint other = log.checkpoint(kSize - 1);
  other.size = kSize;  // a root that belongs to another size
  const auto found = audit_tiles(dir.path(), other).problems;
  EXPECT_TRUE(mentions(found, "root recomputed from the entries differs"));
  EXPECT_TRUE(mentions(found, "root recomputed from the tiles differs"));
  // A checkpoint larger than the directory, even absurdly so: the audit
  // stops where the directory ends.
  for (std::uint64_t size : {kSize + 256, std::uint64_t{1} << 62}) {
    const auto beyond = audit_tiles(dir.path(), {log.key.name, size, log.tree.root(), {}}).problems;
    EXPECT_TRUE(mentions(
        beyond, "no entries or leaf hashes from entry 66048 on: the directory ends before"))
        << beyond.back();
  }
}

}  // namespace
}  // namespace zkinfer::audit
