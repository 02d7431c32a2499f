// SPDX-License-Identifier: Apache-2.0
#include "hash/merkle.hpp"

#include <algorithm>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <utility>

#include "base/error.hpp"
#include "base/os_random.hpp"

namespace zkinfer::hash {
namespace {

// Far beyond any memory, and keeps bit_ceil and the shifts below in range.
constexpr std::size_t kMaxLeaves = std::size_t{1} << 62;

// Levels with fewer parents are hashed on one thread: together they are a
// vanishing share of the work, and their fork/join overhead would not be.
constexpr std::size_t kParallelMinParents = std::size_t{1} << 11;
// Contiguous work per OpenMP iteration; large enough to amortise scheduling
// and keep the multi-stream SHA-NI kernel fed.
constexpr std::size_t kChunkParents = std::size_t{1} << 9;

constexpr std::uint8_t kLeafTag[1] = {0x00};

// Leaves are serialized and hashed in chunks of about this many padded bytes
// per thread: small enough to stay in L1/L2 between the two passes, large
// enough to amortise a chunk's bookkeeping.
constexpr std::size_t kLeafChunkBytes = std::size_t{1} << 15;
constexpr std::size_t kParallelMinLeaves = std::size_t{1} << 10;

unsigned depth_of(std::size_t n_leaves) {
  return static_cast<unsigned>(std::bit_width(n_leaves - 1));
}

// The node at `pos` on `level` covers leaves [pos << level, (pos + 1) << level);
// when that range starts at or past n_leaves it is all padding, and both sides
// know its digest without it being sent.
bool is_padding(unsigned level, std::size_t pos, std::size_t n_leaves) {
  return (pos << level) >= n_leaves;
}

[[noreturn]] void abort_with(const char* what) {
  std::fprintf(stderr, "zkinfer::hash: %s\n", what);
  std::abort();
}

bool valid_indices(std::span<const std::size_t> indices, std::size_t n_leaves) {
  if (indices.empty() || indices.back() >= n_leaves) return false;
  for (std::size_t i = 1; i < indices.size(); ++i) {
    if (indices[i - 1] >= indices[i]) return false;
  }
  return true;
}

// Each parent depends only on its two children, so splitting a level across
// threads gives the same bytes for any thread count.
void hash_level(std::span<const Digest> children, std::span<Digest> parents, Sha256Impl impl) {
  const std::size_t n = parents.size();
  if (n < kParallelMinParents) {
    compress_pairs(children, parents, impl);
    return;
  }
  const auto chunks = static_cast<std::ptrdiff_t>((n + kChunkParents - 1) / kChunkParents);
#pragma omp parallel for schedule(static)
  for (std::ptrdiff_t c = 0; c < chunks; ++c) {
    const std::size_t begin = static_cast<std::size_t>(c) * kChunkParents;
    const std::size_t len = std::min(kChunkParents, n - begin);
    compress_pairs(children.subspan(2 * begin, 2 * len), parents.subspan(begin, len), impl);
  }
}

}  // namespace

Salt draw_salt() {
  Salt salt;
  os_random_bytes(salt);
  return salt;
}

Digest hash_leaf(const Salt& salt, ByteSpan leaf_bytes, Sha256Impl impl) {
  Sha256 h(impl);
  h.update(kLeafTag).update(salt).update(leaf_bytes);
  return h.finalize();
}

void hash_leaves(std::span<const Salt> salts, std::size_t leaf_len, const LeafWriter& write_leaves,
                 std::span<Digest> out, Sha256Impl impl) {
  require(salts.size() == out.size(), "hash_leaves: one salt per leaf");
  const std::size_t n = out.size();
  const std::size_t message_len = sizeof(kLeafTag) + kSaltBytes + leaf_len;
  const std::size_t padded = sha256_padded_size(message_len);
  const std::size_t chunk = std::max<std::size_t>(8, kLeafChunkBytes / padded);
  const auto n_chunks = static_cast<std::ptrdiff_t>((n + chunk - 1) / chunk);
#pragma omp parallel if (n >= kParallelMinLeaves)
  {
    // Every message has the same length, so the tag and padding are written
    // once per slot and only salts and leaf bytes change from chunk to chunk.
    std::vector<std::uint8_t> messages(chunk * padded);
    for (std::size_t i = 0; i < chunk; ++i) {
      std::uint8_t* m = messages.data() + padded * i;
      m[0] = kLeafTag[0];
      sha256_write_padding(std::span(m + message_len, padded - message_len), message_len);
    }
#pragma omp for schedule(static)
    for (std::ptrdiff_t c = 0; c < n_chunks; ++c) {
      const std::size_t first = static_cast<std::size_t>(c) * chunk;
      const std::size_t count = std::min(chunk, n - first);
      ByteWriter leaf_bytes;
      write_leaves(first, count, leaf_bytes);
      const Bytes& bytes = leaf_bytes.bytes();
      if (bytes.size() != count * leaf_len) abort_with("hash_leaves: writer gave the wrong size");
      for (std::size_t i = 0; i < count; ++i) {
        std::uint8_t* m = messages.data() + padded * i;
        std::memcpy(m + 1, salts[first + i].data(), kSaltBytes);
        if (leaf_len > 0) std::memcpy(m + 1 + kSaltBytes, bytes.data() + leaf_len * i, leaf_len);
      }
      compress_from_iv(ByteSpan(messages.data(), padded * count), padded / 64,
                       out.subspan(first, count), impl);
    }
  }
}

void MerkleMultiProof::write(ByteWriter& w) const {
  require(siblings.size() <= std::numeric_limits<std::uint32_t>::max(),
          "Merkle proof too large to serialize");
  w.u32(static_cast<std::uint32_t>(siblings.size()));
  for (const Digest& d : siblings) w.raw(d.bytes);
}

MerkleMultiProof MerkleMultiProof::read(ByteReader& r, std::size_t max_digests) {
  const std::uint32_t count = r.u32("Merkle proof digest count");
  if (count > max_digests) {
    fail("Merkle proof has " + std::to_string(count) + " digests, more than the bound " +
         std::to_string(max_digests));
  }
  // Reading the bytes first checks the length before anything is allocated.
  const ByteSpan raw = r.raw(std::size_t{count} * sizeof(Digest), "Merkle proof digests");
  MerkleMultiProof proof;
  proof.siblings.resize(count);
  for (std::size_t i = 0; i < count; ++i) {
    std::memcpy(proof.siblings[i].bytes.data(), raw.data() + sizeof(Digest) * i, sizeof(Digest));
  }
  return proof;
}

MerkleTree::MerkleTree(std::span<const Digest> leaf_digests, Sha256Impl impl)
    : n_leaves_(leaf_digests.size()) {
  require(n_leaves_ >= 1, "Merkle tree needs at least one leaf");
  require(n_leaves_ <= kMaxLeaves, "Merkle tree has too many leaves");
  width_ = std::bit_ceil(n_leaves_);
  depth_ = depth_of(n_leaves_);
  // A 2^20-leaf tree is 64 MiB: huge pages matter (base/big_array.hpp).
  nodes_ = BigArray<Digest>(2 * width_ - 1);
  Digest* leaves = level(0);
  std::copy(leaf_digests.begin(), leaf_digests.end(), leaves);
  std::fill(leaves + n_leaves_, leaves + width_, Digest{});  // the all-zero padding digest
  for (unsigned k = 1; k <= depth_; ++k) {
    const std::size_t parents = width_ >> k;
    hash_level(std::span(level(k - 1), 2 * parents), std::span(level(k), parents), impl);
  }
}

MerkleMultiProof MerkleTree::open(std::span<const std::size_t> indices) const {
  require(valid_indices(indices, n_leaves_),
          "Merkle opening needs non-empty, strictly increasing indices below the leaf count");
  MerkleMultiProof proof;
  std::vector<std::size_t> known(indices.begin(), indices.end()), next;
  for (unsigned k = 0; k < depth_; ++k) {
    next.clear();
    for (std::size_t i = 0; i < known.size(); ++i) {
      const std::size_t pos = known[i];
      const std::size_t sibling = pos ^ 1;
      if (i + 1 < known.size() && known[i + 1] == sibling) {
        ++i;  // both children known: the parent is implied
      } else if (!is_padding(k, sibling, n_leaves_)) {
        proof.siblings.push_back(level(k)[sibling]);
      }
      next.push_back(pos >> 1);
    }
    known.swap(next);
  }
  return proof;
}

bool MerkleTree::verify(const Digest& root, std::size_t n_leaves,
                        std::span<const std::size_t> indices, std::span<const Digest> leaf_digests,
                        const MerkleMultiProof& proof) {
  if (n_leaves == 0 || n_leaves > kMaxLeaves) return false;
  if (leaf_digests.size() != indices.size() || !valid_indices(indices, n_leaves)) return false;

  std::vector<std::pair<std::size_t, Digest>> known, next;
  known.reserve(indices.size());
  for (std::size_t i = 0; i < indices.size(); ++i) known.emplace_back(indices[i], leaf_digests[i]);

  std::size_t consumed = 0;
  Digest padding{};  // digest of an all-padding subtree at the current level
  const unsigned depth = depth_of(n_leaves);
  for (unsigned k = 0; k < depth; ++k) {
    next.clear();
    for (std::size_t i = 0; i < known.size(); ++i) {
      const std::size_t pos = known[i].first;
      const Digest& digest = known[i].second;
      const std::size_t sibling_pos = pos ^ 1;
      Digest sibling;
      if (i + 1 < known.size() && known[i + 1].first == sibling_pos) {
        sibling = known[++i].second;
      } else if (is_padding(k, sibling_pos, n_leaves)) {
        sibling = padding;
      } else {
        if (consumed == proof.siblings.size()) return false;
        sibling = proof.siblings[consumed++];
      }
      next.emplace_back(pos >> 1,
                        (pos & 1) == 0 ? compress(digest, sibling) : compress(sibling, digest));
    }
    known.swap(next);
    padding = compress(padding, padding);
  }
  // Unused digests are rejected so that a proof has exactly one valid encoding.
  return consumed == proof.siblings.size() && known.front().second == root;
}

std::size_t MerkleTree::max_proof_digests(std::size_t n_leaves, std::size_t n_indices) {
  if (n_leaves == 0 || n_leaves > kMaxLeaves) return 0;
  std::size_t bound;
  if (__builtin_mul_overflow(std::min(n_indices, n_leaves), std::size_t{depth_of(n_leaves)},
                             &bound)) {
    return std::numeric_limits<std::size_t>::max();
  }
  return bound;
}

}  // namespace zkinfer::hash
