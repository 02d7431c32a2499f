// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "base/big_array.hpp"
#include "base/bytes.hpp"
#include "field/concepts.hpp"
#include "hash/sha256.hpp"

namespace zkinfer::hash {

// Salted SHA-256 Merkle trees with compressed multi-leaf openings, the vector
// commitment under the ZK-Ligero PCS. The exact construction, and why each
// choice was made, is in docs/merkle.md.

// 2λ bits for λ = 128: the salt of an unopened leaf must resist guessing even
// when the adversary gets to try every one of many leaves at once.
inline constexpr std::size_t kSaltBytes = 32;
using Salt = std::array<std::uint8_t, kSaltBytes>;

// A fresh salt from the OS CSPRNG. Salts are prover secrets: one per leaf,
// revealed only for opened leaves.
Salt draw_salt();

// SHA-256(0x00 ‖ salt ‖ leaf_bytes). The 0x00 prefix keeps leaf hashes (full,
// padded SHA-256 evaluations) apart from internal nodes (a bare compression).
Digest hash_leaf(const Salt& salt, ByteSpan leaf_bytes, Sha256Impl impl = sha256_default_impl());

// hash_leaf over the canonical encodings (F::write) of the elements, in order.
template <field::Field F>
Digest hash_field_leaf(const Salt& salt, std::span<const F> elements,
                       Sha256Impl impl = sha256_default_impl()) {
  ByteWriter w;
  for (const F& e : elements) e.write(w);
  return hash_leaf(salt, w.bytes(), impl);
}

// Appends the encodings of leaves [first, first + count) to `w`, exactly
// count * leaf_len bytes. Called concurrently from several threads.
using LeafWriter = std::function<void(std::size_t first, std::size_t count, ByteWriter& w)>;

// out[i] = hash_leaf(salts[i], bytes of leaf i) for out.size() leaves of
// leaf_len bytes each: the commitment hot loop. Leaves are serialized and
// hashed chunk by chunk (so the bytes stay in cache), several at a time on
// SHA-NI, chunks spread over OpenMP threads; the output does not depend on
// the thread count. Throws Error if salts.size() != out.size(); aborts if
// write_leaves appends the wrong number of bytes.
void hash_leaves(std::span<const Salt> salts, std::size_t leaf_len, const LeafWriter& write_leaves,
                 std::span<Digest> out, Sha256Impl impl = sha256_default_impl());

// hash_leaves where leaf i is elements[i * per_leaf, (i + 1) * per_leaf).
template <field::Field F>
void hash_field_leaves(std::span<const Salt> salts, std::span<const F> elements,
                       std::size_t per_leaf, std::span<Digest> out,
                       Sha256Impl impl = sha256_default_impl()) {
  require(elements.size() == per_leaf * out.size(), "hash_field_leaves: element count mismatch");
  hash_leaves(
      salts, per_leaf * F::kBytes,
      [&](std::size_t first, std::size_t count, ByteWriter& w) {
        for (const F& e : elements.subspan(first * per_leaf, count * per_leaf)) e.write(w);
      },
      out, impl);
}

// The sibling digests a verifier cannot compute itself, bottom level first
// and left to right within a level. Serialized as u32 count ‖ count × 32 bytes.
struct MerkleMultiProof {
  std::vector<Digest> siblings;

  void write(ByteWriter& w) const;
  // Throws Error on a count above max_digests or on truncated input.
  static MerkleMultiProof read(ByteReader& r, std::size_t max_digests);
  bool operator==(const MerkleMultiProof&) const = default;
};

class MerkleTree {
 public:
  // Any n >= 1 leaves (throws Error on zero). The leaf level is padded to the
  // next power of two with the all-zero digest, which no opening may target.
  // The digests are copied into the tree's own storage, so the caller may
  // reuse its buffer for the next commitment.
  explicit MerkleTree(std::span<const Digest> leaf_digests,
                      Sha256Impl impl = sha256_default_impl());

  const Digest& root() const { return level(depth_)[0]; }
  std::size_t n_leaves() const { return n_leaves_; }

  // Compressed opening of the leaves at `indices`, which must be non-empty,
  // strictly increasing and < n_leaves() (throws Error otherwise).
  MerkleMultiProof open(std::span<const std::size_t> indices) const;

  // True iff `proof` shows that leaf_digests[i] sits at indices[i] in the
  // n_leaves-leaf tree committed to by `root`. Never throws: any malformed
  // input (see docs/merkle.md for the list) is simply rejected.
  static bool verify(const Digest& root, std::size_t n_leaves, std::span<const std::size_t> indices,
                     std::span<const Digest> leaf_digests, const MerkleMultiProof& proof);

  // An upper bound on the sibling count of any valid opening of n_indices
  // leaves, for MerkleMultiProof::read.
  static std::size_t max_proof_digests(std::size_t n_leaves, std::size_t n_indices);

 private:
  // Level k (0 = padded leaves, depth_ = root) starts at 2N - (2N >> k).
  const Digest* level(unsigned k) const {
    return nodes_.data() + (2 * width_ - ((2 * width_) >> k));
  }
  Digest* level(unsigned k) { return nodes_.data() + (2 * width_ - ((2 * width_) >> k)); }

  std::size_t n_leaves_;
  std::size_t width_;  // N, the padded leaf count
  unsigned depth_;
  BigArray<Digest> nodes_;  // all 2N - 1 nodes, level by level
};

}  // namespace zkinfer::hash
