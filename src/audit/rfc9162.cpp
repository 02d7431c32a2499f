// SPDX-License-Identifier: Apache-2.0
#include "audit/rfc9162.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <string>

#include "base/error.hpp"

namespace zkinfer::audit {
namespace {

constexpr std::uint8_t kLeafPrefix = 0x00;
constexpr std::uint8_t kNodePrefix = 0x01;

// The largest power of two strictly below n (n >= 2): RFC 9162's split point k.
std::uint64_t split_point(std::uint64_t n) {
  return std::bit_floor(n - 1);
}

// MTH(D[begin:end]) for a range whose start is a multiple of the smallest
// power of two >= its length, which holds for every range the RFC recursion
// visits: it is then the perfect subtrees of the binary decomposition of its
// length, largest first, folded from the right.
Digest range_hash(const SubtreeHashSource& tree, std::uint64_t begin, std::uint64_t end) {
  std::array<Digest, 64> pieces;
  std::size_t count = 0;
  std::uint64_t position = begin;
  const std::uint64_t length = end - begin;
  for (int level = 63; level >= 0; --level) {
    if (((length >> level) & 1) == 0) continue;
    pieces[count++] = tree.subtree_hash(static_cast<unsigned>(level), position >> level);
    position += std::uint64_t{1} << level;
  }
  Digest root = pieces[count - 1];
  for (std::size_t i = count - 1; i-- > 0;) root = node_hash(pieces[i], root);
  return root;
}

// PATH(m, D[begin:end]) appended to `out`, deepest sibling first.
void append_path(const SubtreeHashSource& tree, std::uint64_t m, std::uint64_t begin,
                 std::uint64_t end, std::vector<Digest>& out) {
  if (end - begin <= 1) return;
  const std::uint64_t k = split_point(end - begin);
  if (m < k) {
    append_path(tree, m, begin, begin + k, out);
    out.push_back(range_hash(tree, begin + k, end));
  } else {
    append_path(tree, m - k, begin + k, end, out);
    out.push_back(range_hash(tree, begin, begin + k));
  }
}

// SUBPROOF(m, D[begin:end], whole_old_tree) of section 2.1.4.1.
void append_subproof(const SubtreeHashSource& tree, std::uint64_t m, std::uint64_t begin,
                     std::uint64_t end, bool whole_old_tree, std::vector<Digest>& out) {
  if (m == end - begin) {
    if (!whole_old_tree) out.push_back(range_hash(tree, begin, end));
    return;
  }
  const std::uint64_t k = split_point(end - begin);
  if (m <= k) {
    append_subproof(tree, m, begin, begin + k, whole_old_tree, out);
    out.push_back(range_hash(tree, begin + k, end));
  } else {
    append_subproof(tree, m - k, begin + k, end, false, out);
    out.push_back(range_hash(tree, begin, begin + k));
  }
}

// Shared by both verifiers (RFC 9162 steps 4.b.2 and 6.b.2): drop the levels
// where the current node is a right child without a sibling in this tree.
void skip_lone_right_edge(std::uint64_t& fn, std::uint64_t& sn) {
  while ((fn & 1) == 0 && fn != 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

std::string sizes(std::uint64_t a, std::uint64_t b) {
  return std::to_string(a) + " -> " + std::to_string(b);
}

}  // namespace

Digest leaf_hash(ByteSpan entry) {
  hash::Sha256 h;
  const std::uint8_t prefix = kLeafPrefix;
  h.update(ByteSpan(&prefix, 1));
  h.update(entry);
  return h.finalize();
}

Digest node_hash(const Digest& left, const Digest& right) {
  std::array<std::uint8_t, 65> block;
  block[0] = kNodePrefix;
  std::copy(left.bytes.begin(), left.bytes.end(), block.begin() + 1);
  std::copy(right.bytes.begin(), right.bytes.end(), block.begin() + 33);
  return hash::sha256(block);
}

Digest empty_tree_root() {
  return hash::sha256(ByteSpan());
}

Digest LeafHashTree::subtree_hash(unsigned level, std::uint64_t index) const {
  // Above 2^12 leaves the two halves are hashed separately, so memory stays
  // at 4096 digests whatever the subtree size.
  constexpr unsigned kChunkLevel = 12;
  if (level > kChunkLevel)
    return node_hash(subtree_hash(level - 1, 2 * index), subtree_hash(level - 1, 2 * index + 1));
  std::vector<Digest> hashes(std::size_t{1} << level);
  leaves_.read_leaf_hashes(index << level, hashes);
  for (std::size_t width = hashes.size(); width > 1; width /= 2) {
    for (std::size_t i = 0; i < width / 2; ++i)
      hashes[i] = node_hash(hashes[2 * i], hashes[2 * i + 1]);
  }
  return hashes[0];
}

Digest root_hash(const SubtreeHashSource& tree, std::uint64_t size) {
  return size == 0 ? empty_tree_root() : range_hash(tree, 0, size);
}

std::vector<Digest> inclusion_proof(const SubtreeHashSource& tree, std::uint64_t index,
                                    std::uint64_t size) {
  if (index >= size)
    fail("inclusion proof: leaf index " + std::to_string(index) + " is not below tree size " +
         std::to_string(size));
  std::vector<Digest> proof;
  append_path(tree, index, 0, size, proof);
  return proof;
}

std::vector<Digest> consistency_proof(const SubtreeHashSource& tree, std::uint64_t old_size,
                                      std::uint64_t new_size) {
  if (old_size > new_size)
    fail("consistency proof: old size exceeds new size " + sizes(old_size, new_size));
  std::vector<Digest> proof;
  if (old_size > 0) append_subproof(tree, old_size, 0, new_size, true, proof);
  return proof;
}

std::size_t inclusion_proof_length(std::uint64_t index, std::uint64_t size) {
  // Levels below the point where the paths to `index` and to the last leaf
  // meet contribute one sibling each; above it, only left siblings exist.
  const int inner = static_cast<int>(std::bit_width(index ^ (size - 1)));
  const std::uint64_t above = inner == 64 ? 0 : index >> inner;  // a 64-bit shift is undefined
  return static_cast<std::size_t>(inner + std::popcount(above));
}

std::size_t consistency_proof_length(std::uint64_t old_size, std::uint64_t new_size) {
  if (old_size == 0 || old_size == new_size) return 0;
  // The inclusion path of the old tree's last leaf, minus the levels inside
  // the old tree's rightmost perfect subtree, plus that subtree's own hash
  // unless it is the whole old tree.
  const int shift = std::countr_zero(old_size);
  const std::size_t seed = old_size == (std::uint64_t{1} << shift) ? 0 : 1;
  return seed + inclusion_proof_length(old_size - 1, new_size) - static_cast<std::size_t>(shift);
}

void verify_inclusion(const Digest& leaf, std::uint64_t index, std::uint64_t size,
                      std::span<const Digest> proof, const Digest& root) {
  if (index >= size)
    fail("inclusion proof: leaf index " + std::to_string(index) + " is not below tree size " +
         std::to_string(size));
  const std::size_t expected = inclusion_proof_length(index, size);
  if (proof.size() != expected)
    fail("inclusion proof for leaf " + std::to_string(index) + " of " + std::to_string(size) +
         " has " + std::to_string(proof.size()) + " hashes, expected " + std::to_string(expected));
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Digest r = leaf;
  for (const Digest& p : proof) {
    if (sn == 0) fail("inclusion proof: too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      r = node_hash(p, r);
      skip_lone_right_edge(fn, sn);
    } else {
      r = node_hash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) fail("inclusion proof: too few hashes");
  if (r != root)
    fail("inclusion proof for leaf " + std::to_string(index) + " of " + std::to_string(size) +
         ": recomputed root differs from the expected root");
}

void verify_consistency(std::uint64_t old_size, std::uint64_t new_size,
                        std::span<const Digest> proof, const Digest& old_root,
                        const Digest& new_root) {
  if (old_size > new_size)
    fail("consistency proof: old size exceeds new size " + sizes(old_size, new_size));
  const std::size_t expected = consistency_proof_length(old_size, new_size);
  if (proof.size() != expected)
    fail("consistency proof " + sizes(old_size, new_size) + " has " + std::to_string(proof.size()) +
         " hashes, expected " + std::to_string(expected));
  if (old_size == 0) {
    if (old_root != empty_tree_root())
      fail("consistency proof: the root of an empty tree is SHA-256(\"\")");
    return;
  }
  if (old_size == new_size) {
    if (old_root != new_root)
      fail("consistency proof: same size " + std::to_string(old_size) + ", different roots");
    return;
  }
  // Section 2.1.4.2, steps 2-7; a power-of-two old tree is its own first node.
  std::vector<Digest> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(old_size)) path.push_back(old_root);
  path.insert(path.end(), proof.begin(), proof.end());
  std::uint64_t fn = old_size - 1;
  std::uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Digest fr = path[0];
  Digest sr = path[0];
  for (std::size_t i = 1; i < path.size(); ++i) {
    const Digest& c = path[i];
    if (sn == 0) fail("consistency proof: too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      fr = node_hash(c, fr);
      sr = node_hash(c, sr);
      skip_lone_right_edge(fn, sn);
    } else {
      sr = node_hash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) fail("consistency proof: too few hashes");
  if (fr != old_root)
    fail("consistency proof " + sizes(old_size, new_size) +
         ": recomputed old root differs from the expected one");
  if (sr != new_root)
    fail("consistency proof " + sizes(old_size, new_size) +
         ": recomputed new root differs from the expected one");
}

CompactRange::CompactRange(std::uint64_t size, std::vector<Digest> peaks)
    : size_(size), peaks_(std::move(peaks)) {
  if (peaks_.size() != static_cast<std::size_t>(std::popcount(size_)))
    fail("compact range of size " + std::to_string(size_) + " needs " +
         std::to_string(std::popcount(size_)) + " peaks, got " + std::to_string(peaks_.size()));
}

void CompactRange::append(const Digest& leaf) {
  // Each trailing one bit of the size is a peak the new leaf completes.
  Digest merged = leaf;
  for (std::uint64_t s = size_; (s & 1) == 1; s >>= 1) {
    merged = node_hash(peaks_.back(), merged);
    peaks_.pop_back();
  }
  peaks_.push_back(merged);
  ++size_;
}

Digest CompactRange::root() const {
  if (peaks_.empty()) return empty_tree_root();
  Digest root = peaks_.back();
  for (std::size_t i = peaks_.size() - 1; i-- > 0;) root = node_hash(peaks_[i], root);
  return root;
}

MemoryTree::MemoryTree(const LeafHashSource& leaves, std::uint64_t size) {
  constexpr std::uint64_t kChunk = 1 << 16;
  std::vector<Digest> chunk;
  for (std::uint64_t begin = 0; begin < size; begin += kChunk) {
    chunk.resize(std::min(kChunk, size - begin));
    leaves.read_leaf_hashes(begin, chunk);
    for (const Digest& leaf : chunk) append(leaf);
  }
}

void MemoryTree::append(const Digest& leaf) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf);
  for (std::size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    if (level + 1 == levels_.size()) levels_.emplace_back();
    const auto& below = levels_[level];
    levels_[level + 1].push_back(node_hash(below[below.size() - 2], below.back()));
  }
}

Digest MemoryTree::subtree_hash(unsigned level, std::uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size())
    fail("subtree (level " + std::to_string(level) + ", index " + std::to_string(index) +
         ") is beyond the tree of size " + std::to_string(size()));
  return levels_[level][index];
}

}  // namespace zkinfer::audit
