// SPDX-License-Identifier: Apache-2.0
//
// The naive reference tree below hashes nodes with OpenSSL's bare
// compression function (deprecated in 3.0, hence the macros) so that it
// shares no code with the tree under test.
#define OPENSSL_API_COMPAT 0x10100000L
#define OPENSSL_SUPPRESS_DEPRECATED

#include "hash/merkle.hpp"

#include <gtest/gtest.h>
#include <omp.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <random>
#include <set>
#include <vector>

#include "base/error.hpp"
#include "field/goldilocks.hpp"

namespace zkinfer::hash {
namespace {

using field::Goldilocks;

Digest random_digest(std::mt19937_64& rng) {
  Digest d;
  for (auto& b : d.bytes) b = static_cast<std::uint8_t>(rng());
  return d;
}

std::vector<Digest> random_leaves(std::mt19937_64& rng, std::size_t n) {
  std::vector<Digest> leaves(n);
  for (auto& l : leaves) l = random_digest(rng);
  return leaves;
}

Digest reference_node(const Digest& left, const Digest& right) {
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  std::uint8_t block[64];
  std::memcpy(block, left.bytes.data(), 32);
  std::memcpy(block + 32, right.bytes.data(), 32);
  SHA256_Transform(&ctx, block);
  Digest out;
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j)
      out.bytes[4 * i + j] = static_cast<std::uint8_t>(ctx.h[i] >> (24 - 8 * j));
  }
  return out;
}

Digest reference_root(std::vector<Digest> level) {
  level.resize(std::bit_ceil(level.size()));
  while (level.size() > 1) {
    std::vector<Digest> up(level.size() / 2);
    for (std::size_t i = 0; i < up.size(); ++i)
      up[i] = reference_node(level[2 * i], level[2 * i + 1]);
    level = std::move(up);
  }
  return level[0];
}

// Siblings a verifier cannot derive: children of nodes on some opened path
// that are themselves off every path and not entirely padding.
std::size_t reference_proof_size(std::size_t n, const std::vector<std::size_t>& indices) {
  std::set<std::size_t> marked(indices.begin(), indices.end());
  std::size_t count = 0;
  for (std::size_t width = std::bit_ceil(n), level = 0; width > 1; width /= 2, ++level) {
    std::set<std::size_t> up;
    for (std::size_t pos : marked) {
      const std::size_t sibling = pos ^ 1;
      if (!marked.count(sibling) && (sibling << level) < n) ++count;
      up.insert(pos / 2);
    }
    marked = std::move(up);
  }
  return count;
}

std::vector<std::size_t> random_indices(std::mt19937_64& rng, std::size_t n) {
  std::vector<std::size_t> out;
  switch (rng() % 4) {
    case 0:  // a single leaf
      out.push_back(rng() % n);
      break;
    case 1:  // every leaf
      for (std::size_t i = 0; i < n; ++i) out.push_back(i);
      break;
    case 2:  // a run of adjacent leaves
    {
      const std::size_t begin = rng() % n;
      const std::size_t len = 1 + rng() % (n - begin);
      for (std::size_t i = begin; i < begin + len; ++i) out.push_back(i);
      break;
    }
    default:  // each leaf with a random density
    {
      const std::uint64_t keep = 1 + rng() % 99;
      for (std::size_t i = 0; i < n; ++i) {
        if (rng() % 100 < keep) out.push_back(i);
      }
      if (out.empty()) out.push_back(rng() % n);
    }
  }
  return out;
}

TEST(Merkle, RootMatchesNaiveReferenceForEverySizeUpTo300) {
  std::mt19937_64 rng(10);
  for (std::size_t n = 1; n <= 300; ++n) {
    const std::vector<Digest> leaves = random_leaves(rng, n);
    const MerkleTree tree(leaves);
    ASSERT_EQ(tree.root(), reference_root(leaves)) << "n " << n;
    ASSERT_EQ(tree.n_leaves(), n);
  }
}

TEST(Merkle, SingleLeafTreeIsTheLeaf) {
  std::mt19937_64 rng(11);
  const Digest leaf = random_digest(rng);
  const MerkleTree tree(std::span(&leaf, 1));
  EXPECT_EQ(tree.root(), leaf);
  const std::size_t index[] = {0};
  const MerkleMultiProof proof = tree.open(index);
  EXPECT_TRUE(proof.siblings.empty());
  EXPECT_TRUE(MerkleTree::verify(tree.root(), 1, index, std::span(&leaf, 1), proof));
  MerkleMultiProof extra = proof;
  extra.siblings.push_back(leaf);
  EXPECT_FALSE(MerkleTree::verify(tree.root(), 1, index, std::span(&leaf, 1), extra));
}

TEST(Merkle, LeafHashIsPrefixedSaltedSha256) {
  std::mt19937_64 rng(12);
  for (std::size_t len : {0u, 1u, 22u, 23u, 100u}) {
    Salt salt;
    for (auto& b : salt) b = static_cast<std::uint8_t>(rng());
    Bytes leaf(len);
    for (auto& b : leaf) b = static_cast<std::uint8_t>(rng());
    Bytes message = {0x00};
    message.insert(message.end(), salt.begin(), salt.end());
    message.insert(message.end(), leaf.begin(), leaf.end());
    Digest want;
    unsigned out_len = 0;
    ASSERT_EQ(EVP_Digest(message.data(), message.size(), want.bytes.data(), &out_len, EVP_sha256(),
                         nullptr),
              1);
    EXPECT_EQ(hash_leaf(salt, leaf), want);
    EXPECT_EQ(hash_leaf(salt, leaf, Sha256Impl::kPortable), want);
  }
}

TEST(Merkle, FieldLeafHashesCanonicalEncodings) {
  const Salt salt = draw_salt();
  const std::vector<Goldilocks> elems = {Goldilocks::from_u64(1), Goldilocks::from_i64(-1),
                                         Goldilocks::from_u64(0x0123456789abcdefULL)};
  ByteWriter w;
  for (const auto& e : elems) e.write(w);
  EXPECT_EQ(hash_field_leaf<Goldilocks>(salt, elems), hash_leaf(salt, w.bytes()));
  EXPECT_NE(draw_salt(), salt);
}

TEST(Merkle, BatchLeafHashingMatchesOneByOne) {
  std::mt19937_64 rng(20);
  // 22 and 23 bytes are the last one-block and first two-block leaf lengths.
  for (std::size_t leaf_len : {0u, 1u, 8u, 22u, 23u, 31u, 100u, 1000u}) {
    for (std::size_t n : {0u, 1u, 3u, 4u, 5u, 9u, 100u, 1500u}) {
      std::vector<Salt> salts(n);
      for (auto& salt : salts) {
        for (auto& b : salt) b = static_cast<std::uint8_t>(rng());
      }
      Bytes leaves(n * leaf_len);
      for (auto& b : leaves) b = static_cast<std::uint8_t>(rng());
      const LeafWriter writer = [&](std::size_t first, std::size_t count, ByteWriter& w) {
        w.raw(ByteSpan(leaves).subspan(first * leaf_len, count * leaf_len));
      };
      for (Sha256Impl impl : {Sha256Impl::kPortable, Sha256Impl::kShaNi}) {
        if (!sha256_impl_available(impl)) continue;
        std::vector<Digest> out(n);
        hash_leaves(salts, leaf_len, writer, out, impl);
        for (std::size_t i = 0; i < n; ++i) {
          ASSERT_EQ(out[i], hash_leaf(salts[i], ByteSpan(leaves).subspan(i * leaf_len, leaf_len),
                                      Sha256Impl::kPortable))
              << "leaf_len " << leaf_len << " n " << n << " i " << i << " "
              << sha256_impl_name(impl);
        }
      }
    }
  }
}

TEST(Merkle, BatchFieldLeafHashing) {
  const std::size_t n = 3000, per_leaf = 3;
  std::vector<Salt> salts(n);
  std::vector<Goldilocks> elems(n * per_leaf);
  for (std::size_t i = 0; i < n; ++i) salts[i] = draw_salt();
  for (std::size_t i = 0; i < elems.size(); ++i) elems[i] = Goldilocks::from_u64(i * i + 7);
  std::vector<Digest> out(n);
  hash_field_leaves<Goldilocks>(salts, elems, per_leaf, out);
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(out[i],
              hash_field_leaf<Goldilocks>(
                  salts[i], std::span<const Goldilocks>(elems).subspan(i * per_leaf, per_leaf)));
  }
  EXPECT_THROW(hash_field_leaves<Goldilocks>(salts, elems, per_leaf + 1, out), Error);
  EXPECT_THROW(hash_field_leaves<Goldilocks>(std::span(salts).first(n - 1), elems, per_leaf, out),
               Error);
}

TEST(Merkle, OpeningsVerifyAndAreMinimal) {
  std::mt19937_64 rng(13);
  for (int trial = 0; trial < 400; ++trial) {
    const std::size_t n = 1 + rng() % 300;
    const std::vector<Digest> leaves = random_leaves(rng, n);
    const MerkleTree tree(leaves);
    const std::vector<std::size_t> indices = random_indices(rng, n);
    std::vector<Digest> opened;
    for (std::size_t i : indices) opened.push_back(leaves[i]);
    const MerkleMultiProof proof = tree.open(indices);
    ASSERT_TRUE(MerkleTree::verify(tree.root(), n, indices, opened, proof)) << "trial " << trial;
    ASSERT_EQ(proof.siblings.size(), reference_proof_size(n, indices)) << "trial " << trial;
    ASSERT_LE(proof.siblings.size(), MerkleTree::max_proof_digests(n, indices.size()));
  }
}

TEST(Merkle, VerifyRejectsTamperedProofsAndLeaves) {
  std::mt19937_64 rng(14);
  for (int trial = 0; trial < 60; ++trial) {
    const std::size_t n = 2 + rng() % 200;
    const std::vector<Digest> leaves = random_leaves(rng, n);
    const MerkleTree tree(leaves);
    std::vector<std::size_t> indices = random_indices(rng, n);
    if (indices.size() == n) indices.pop_back();  // keep at least one sibling in the proof
    if (indices.empty()) indices.push_back(0);
    std::vector<Digest> opened;
    for (std::size_t i : indices) opened.push_back(leaves[i]);
    const MerkleMultiProof proof = tree.open(indices);
    const Digest root = tree.root();
    ASSERT_TRUE(MerkleTree::verify(root, n, indices, opened, proof));

    for (std::size_t s = 0; s < proof.siblings.size(); ++s) {
      MerkleMultiProof bad = proof;
      bad.siblings[s].bytes[rng() % 32] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
      EXPECT_FALSE(MerkleTree::verify(root, n, indices, opened, bad)) << "flipped sibling " << s;
      MerkleMultiProof shorter = proof;
      shorter.siblings.erase(shorter.siblings.begin() + static_cast<std::ptrdiff_t>(s));
      EXPECT_FALSE(MerkleTree::verify(root, n, indices, opened, shorter)) << "removed " << s;
    }
    for (std::size_t l = 0; l < opened.size(); ++l) {
      std::vector<Digest> bad = opened;
      bad[l].bytes[rng() % 32] ^= 0x80;
      EXPECT_FALSE(MerkleTree::verify(root, n, indices, bad, proof)) << "changed leaf " << l;
    }
    MerkleMultiProof longer = proof;
    longer.siblings.push_back(random_digest(rng));
    EXPECT_FALSE(MerkleTree::verify(root, n, indices, opened, longer));
    if (!proof.siblings.empty()) {
      longer.siblings.back() = proof.siblings.back();  // a duplicate is still one too many
      EXPECT_FALSE(MerkleTree::verify(root, n, indices, opened, longer));
    }

    Digest wrong_root = root;
    wrong_root.bytes[0] ^= 1;
    EXPECT_FALSE(MerkleTree::verify(wrong_root, n, indices, opened, proof));
    EXPECT_FALSE(MerkleTree::verify(root, 0, indices, opened, proof));
    // Twice the leaves means one more level: a different tree shape.
    EXPECT_FALSE(MerkleTree::verify(root, 2 * std::bit_ceil(n), indices, opened, proof));
    // Fewer leaves than the largest opened index.
    EXPECT_FALSE(MerkleTree::verify(root, indices.back(), indices, opened, proof));
    // Leaf count mismatch.
    std::vector<Digest> one_short(opened.begin(), opened.end() - 1);
    EXPECT_FALSE(MerkleTree::verify(root, n, indices, one_short, proof));
    std::vector<Digest> one_more = opened;
    one_more.push_back(opened.front());
    EXPECT_FALSE(MerkleTree::verify(root, n, indices, one_more, proof));
  }
}

TEST(Merkle, VerifyRejectsMalformedIndexLists) {
  std::mt19937_64 rng(15);
  const std::size_t n = 37;
  const std::vector<Digest> leaves = random_leaves(rng, n);
  const MerkleTree tree(leaves);
  auto check = [&](std::vector<std::size_t> indices) {
    std::vector<Digest> opened;
    for (std::size_t i : indices) opened.push_back(leaves[std::min(i, n - 1)]);
    // The prover refuses to build it, and no proof makes the verifier accept it.
    EXPECT_THROW(tree.open(indices), Error);
    std::vector<std::size_t> fixed = indices;
    std::sort(fixed.begin(), fixed.end());
    fixed.erase(std::unique(fixed.begin(), fixed.end()), fixed.end());
    while (!fixed.empty() && fixed.back() >= n) fixed.pop_back();
    MerkleMultiProof proof;
    if (!fixed.empty()) proof = tree.open(fixed);
    EXPECT_FALSE(MerkleTree::verify(tree.root(), n, indices, opened, proof));
  };
  check({});
  check({n});
  check({3, n + 5});
  check({std::size_t(-1)});
  check({4, 4});
  check({1, 2, 2, 3});
  check({5, 2});
  check({0, 10, 9});
}

TEST(Merkle, VerifyRejectsShapeChangingLeafCounts) {
  std::mt19937_64 rng(16);
  const std::size_t n = 5;  // leaves 5..7 are padding
  const std::vector<Digest> leaves = random_leaves(rng, n);
  const MerkleTree tree(leaves);
  const std::size_t index[] = {4};
  const MerkleMultiProof proof = tree.open(index);
  const std::span<const Digest> opened(&leaves[4], 1);
  ASSERT_TRUE(MerkleTree::verify(tree.root(), n, index, opened, proof));
  // With 6 leaves the sibling of leaf 4 is real, so the proof is one short.
  EXPECT_FALSE(MerkleTree::verify(tree.root(), 6, index, opened, proof));
  // With 9 leaves the tree is one level deeper.
  EXPECT_FALSE(MerkleTree::verify(tree.root(), 9, index, opened, proof));
  // With 4 leaves index 4 does not exist.
  EXPECT_FALSE(MerkleTree::verify(tree.root(), 4, index, opened, proof));
}

TEST(Merkle, VerifySurvivesGarbage) {
  std::mt19937_64 rng(17);
  const std::vector<Digest> leaves = random_leaves(rng, 100);
  const MerkleTree tree(leaves);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<std::size_t> indices = random_indices(rng, 100);
    std::vector<Digest> opened;
    for (std::size_t i : indices) opened.push_back(leaves[i]);
    MerkleMultiProof garbage;
    garbage.siblings = random_leaves(rng, rng() % 50);
    const bool honest_is_empty = tree.open(indices).siblings.empty();
    if (!honest_is_empty || !garbage.siblings.empty()) {
      EXPECT_FALSE(MerkleTree::verify(tree.root(), 100, indices, opened, garbage));
    }
  }
}

TEST(Merkle, ConstructionAndOpeningPreconditions) {
  EXPECT_THROW(MerkleTree(std::vector<Digest>{}), Error);
  EXPECT_EQ(MerkleTree::max_proof_digests(0, 5), 0u);
  EXPECT_EQ(MerkleTree::max_proof_digests(1, 1), 0u);
  EXPECT_EQ(MerkleTree::max_proof_digests(1024, 3), 30u);
}

TEST(Merkle, SerializationRoundTripAndStrictParsing) {
  std::mt19937_64 rng(18);
  const std::vector<Digest> leaves = random_leaves(rng, 200);
  const MerkleTree tree(leaves);
  const std::vector<std::size_t> indices = {3, 17, 18, 100, 199};
  const MerkleMultiProof proof = tree.open(indices);
  const std::size_t bound = MerkleTree::max_proof_digests(200, indices.size());
  ByteWriter w;
  proof.write(w);
  const Bytes bytes = w.take();
  ASSERT_EQ(bytes.size(), 4 + 32 * proof.siblings.size());

  ByteReader r(bytes);
  EXPECT_EQ(MerkleMultiProof::read(r, bound), proof);
  EXPECT_EQ(r.remaining(), 0u);

  for (std::size_t len = 0; len < bytes.size(); ++len) {
    ByteReader truncated(ByteSpan(bytes).first(len));
    EXPECT_THROW(MerkleMultiProof::read(truncated, bound), Error) << "length " << len;
  }
  ByteReader tight(bytes);
  EXPECT_THROW(MerkleMultiProof::read(tight, proof.siblings.size() - 1), Error);

  // A huge count on a tiny buffer fails on the bound or the length, before any allocation.
  const Bytes huge_count = {0xff, 0xff, 0xff, 0xff, 0x00};
  ByteReader huge(huge_count);
  EXPECT_THROW(MerkleMultiProof::read(huge, std::size_t(-1)), Error);
}

TEST(Merkle, IdenticalForAnyThreadCountAndImplementation) {
  std::mt19937_64 rng(19);
  // Big enough that leaves and several levels are hashed in parallel.
  const std::size_t n = 20011;
  std::vector<Salt> salts(n);
  std::vector<Goldilocks> elems(2 * n);
  for (auto& salt : salts) {
    for (auto& b : salt) b = static_cast<std::uint8_t>(rng());
  }
  for (auto& e : elems) e = Goldilocks::from_u64(rng());
  const std::vector<std::size_t> indices = {0, 1, 777, 5000, 20010};
  const int saved = omp_get_max_threads();
  std::vector<Digest> leaves(n), leaves_two(n);
  omp_set_num_threads(1);
  hash_field_leaves<Goldilocks>(salts, elems, 2, leaves);
  const MerkleTree one(leaves);
  omp_set_num_threads(2);
  hash_field_leaves<Goldilocks>(salts, elems, 2, leaves_two);
  const MerkleTree two(leaves_two);
  const MerkleTree portable(leaves, Sha256Impl::kPortable);
  omp_set_num_threads(saved);
  EXPECT_EQ(leaves, leaves_two);
  EXPECT_EQ(one.root(), two.root());
  EXPECT_EQ(one.root(), portable.root());
  EXPECT_EQ(one.root(), reference_root(leaves));
  EXPECT_EQ(one.open(indices), two.open(indices));
  if (sha256_impl_available(Sha256Impl::kShaNi)) {
    EXPECT_EQ(MerkleTree(leaves, Sha256Impl::kShaNi).root(), one.root());
  }
}

TEST(Merkle, SaltedLeavesEndToEnd) {
  const std::size_t n = 50;
  std::vector<Salt> salts(n);
  std::vector<std::vector<Goldilocks>> columns(n);
  std::vector<Digest> leaves(n);
  for (std::size_t i = 0; i < n; ++i) {
    salts[i] = draw_salt();
    columns[i] = {Goldilocks::from_u64(i), Goldilocks::from_u64(i * i + 1)};
    leaves[i] = hash_field_leaf<Goldilocks>(salts[i], columns[i]);
  }
  const MerkleTree tree(leaves);
  const std::vector<std::size_t> indices = {2, 3, 31, 49};
  const MerkleMultiProof proof = tree.open(indices);
  // The verifier recomputes leaf digests from revealed salts and columns.
  std::vector<Digest> recomputed;
  for (std::size_t i : indices)
    recomputed.push_back(hash_field_leaf<Goldilocks>(salts[i], columns[i]));
  EXPECT_TRUE(MerkleTree::verify(tree.root(), n, indices, recomputed, proof));
  // A revealed column that differs in one element is caught.
  std::vector<Goldilocks> forged = columns[31];
  forged[1] += Goldilocks::one();
  recomputed[2] = hash_field_leaf<Goldilocks>(salts[31], forged);
  EXPECT_FALSE(MerkleTree::verify(tree.root(), n, indices, recomputed, proof));
}

}  // namespace
}  // namespace zkinfer::hash
