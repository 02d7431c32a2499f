// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "hash/sha256.hpp"

namespace zkinfer::audit {

// The Merkle tree of RFC 9162 (Certificate Transparency v2) section 2.1:
// SHA-256 with one-byte domain separation between leaves and interior nodes,
// unbalanced trees split at the largest power of two below the size, and the
// inclusion and consistency proofs of sections 2.1.3 and 2.1.4. Byte for byte
// the tree of RFC 6962 and of every C2SP transparency log.

using hash::Digest;

Digest leaf_hash(ByteSpan entry);                           // SHA-256(0x00 ‖ entry)
Digest node_hash(const Digest& left, const Digest& right);  // SHA-256(0x01 ‖ left ‖ right)
Digest empty_tree_root();                                   // MTH({}) = SHA-256("")

// Every hash a root or a proof needs is a combination of perfect subtrees:
// subtree (level, index) covers the 2^level leaves starting at index·2^level.
// A storage back end provides them however it keeps the tree; the functions
// below only ask for subtrees that lie inside the tree size they are given.
class SubtreeHashSource {
 public:
  virtual ~SubtreeHashSource() = default;
  virtual Digest subtree_hash(unsigned level, std::uint64_t index) const = 0;
};

// Leaf hashes by position, e.g. a column of a log database.
class LeafHashSource {
 public:
  virtual ~LeafHashSource() = default;
  // out[i] = hash of leaf begin + i; throws Error if any of them is missing.
  virtual void read_leaf_hashes(std::uint64_t begin, std::span<Digest> out) const = 0;
};

// Subtree hashes recomputed from leaf hashes on demand (a subtree of level l
// reads 2^l leaves), so a proof costs O(size) hashing and no extra storage.
class LeafHashTree final : public SubtreeHashSource {
 public:
  explicit LeafHashTree(const LeafHashSource& leaves) : leaves_(leaves) {}
  Digest subtree_hash(unsigned level, std::uint64_t index) const override;

 private:
  const LeafHashSource& leaves_;
};

// MTH of the first `size` leaves of `tree`.
Digest root_hash(const SubtreeHashSource& tree, std::uint64_t size);

// PATH(index, D[0:size]) of RFC 9162 section 2.1.3.1, deepest sibling first.
std::vector<Digest> inclusion_proof(const SubtreeHashSource& tree, std::uint64_t index,
                                    std::uint64_t size);

// PROOF(old_size, D[0:new_size]) of section 2.1.4.1; empty when old_size is 0
// or equals new_size (every tree extends the empty tree and itself).
std::vector<Digest> consistency_proof(const SubtreeHashSource& tree, std::uint64_t old_size,
                                      std::uint64_t new_size);

// The exact number of hashes a valid proof has for these sizes.
std::size_t inclusion_proof_length(std::uint64_t index, std::uint64_t size);
std::size_t consistency_proof_length(std::uint64_t old_size, std::uint64_t new_size);

// The verification algorithms of sections 2.1.3.2 and 2.1.4.2. They return
// normally only for a valid proof and throw Error naming the failed check
// otherwise (wrong length, index or sizes out of range, root mismatch).
// For old_size == 0 the proof must be empty and old_root the empty-tree root;
// for old_size == new_size it must be empty and the roots equal.
void verify_inclusion(const Digest& leaf, std::uint64_t index, std::uint64_t size,
                      std::span<const Digest> proof, const Digest& root);
void verify_consistency(std::uint64_t old_size, std::uint64_t new_size,
                        std::span<const Digest> proof, const Digest& old_root,
                        const Digest& new_root);

// The right frontier of a tree: one hash per perfect subtree in the binary
// decomposition of its size (largest first). Appending is O(1) amortised and
// the root O(log size), in O(log size) memory: the way to hash a stream of
// leaves (replaying a log, checking a tile directory) without keeping them.
class CompactRange {
 public:
  CompactRange() = default;
  // Resumes from a stored frontier; Error unless there is one peak per set
  // bit of `size`.
  CompactRange(std::uint64_t size, std::vector<Digest> peaks);

  void append(const Digest& leaf);
  std::uint64_t size() const { return size_; }
  const std::vector<Digest>& peaks() const { return peaks_; }
  Digest root() const;

 private:
  std::uint64_t size_ = 0;
  std::vector<Digest> peaks_;
};

// Every perfect subtree hash of a growing tree, in memory (about two digests
// per leaf): append is O(1) amortised, any root or proof O(log^2 size).
class MemoryTree final : public SubtreeHashSource {
 public:
  MemoryTree() = default;
  // The first `size` leaves of `leaves`, read in bounded chunks.
  MemoryTree(const LeafHashSource& leaves, std::uint64_t size);

  void append(const Digest& leaf);
  std::uint64_t size() const { return levels_.empty() ? 0 : levels_[0].size(); }
  Digest root() const { return root_hash(*this, size()); }
  // Error when the subtree is not complete in the current tree.
  Digest subtree_hash(unsigned level, std::uint64_t index) const override;

 private:
  std::vector<std::vector<Digest>> levels_;  // levels_[l][i] = subtree (l, i)
};

}  // namespace zkinfer::audit
