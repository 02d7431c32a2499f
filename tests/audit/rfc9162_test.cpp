// SPDX-License-Identifier: Apache-2.0
//
// The reference model below follows the recursive definitions of RFC 9162
// section 2.1 literally (MTH, PATH, SUBPROOF over a vector of leaf hashes)
// and hashes with OpenSSL, so it shares no code with the tree under test.
#include "audit/rfc9162.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <bit>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "audit/base64.hpp"
#include "base/error.hpp"
#include "support/rng.hpp"

namespace zkinfer::audit {
namespace {

using testing::TestRng;

const std::filesystem::path kVectorDir =
    std::filesystem::path(__FILE__).parent_path() / "data" / "rfc6962";

// ---------------------------------------------------------------- reference model

Digest openssl_sha256(std::uint8_t prefix, ByteSpan a, ByteSpan b = {}) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, &prefix, 1);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  EVP_DigestUpdate(ctx, b.data(), b.size());
  Digest out;
  EVP_DigestFinal_ex(ctx, out.bytes.data(), nullptr);
  EVP_MD_CTX_free(ctx);
  return out;
}

Digest ref_node(const Digest& l, const Digest& r) {
  return openssl_sha256(0x01, l.bytes, r.bytes);
}

using Leaves = std::span<const Digest>;

std::uint64_t ref_split(std::uint64_t n) {
  std::uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Digest ref_mth(Leaves d) {
  if (d.size() == 1) return d[0];
  const std::uint64_t k = ref_split(d.size());
  return ref_node(ref_mth(d.first(k)), ref_mth(d.subspan(k)));
}

Digest ref_root(Leaves d) {
  if (d.empty()) {
    Digest out;
    EVP_Digest(nullptr, 0, out.bytes.data(), nullptr, EVP_sha256(), nullptr);
    return out;
  }
  return ref_mth(d);
}

std::vector<Digest> ref_path(std::uint64_t m, Leaves d) {
  if (d.size() == 1) return {};
  const std::uint64_t k = ref_split(d.size());
  std::vector<Digest> out;
  if (m < k) {
    out = ref_path(m, d.first(k));
    out.push_back(ref_mth(d.subspan(k)));
  } else {
    out = ref_path(m - k, d.subspan(k));
    out.push_back(ref_mth(d.first(k)));
  }
  return out;
}

std::vector<Digest> ref_subproof(std::uint64_t m, Leaves d, bool b) {
  if (m == d.size()) return b ? std::vector<Digest>{} : std::vector<Digest>{ref_mth(d)};
  const std::uint64_t k = ref_split(d.size());
  std::vector<Digest> out;
  if (m <= k) {
    out = ref_subproof(m, d.first(k), b);
    out.push_back(ref_mth(d.subspan(k)));
  } else {
    out = ref_subproof(m - k, d.subspan(k), false);
    out.push_back(ref_mth(d.first(k)));
  }
  return out;
}

std::vector<Digest> ref_consistency(std::uint64_t m, Leaves d) {
  if (m == 0 || m == d.size()) return {};
  return ref_subproof(m, d, true);
}

// ---------------------------------------------------------------- helpers

Digest random_digest(TestRng& rng) {
  Digest d;
  for (auto& b : d.bytes) b = static_cast<std::uint8_t>(rng());
  return d;
}

std::vector<Digest> random_leaves(TestRng& rng, std::size_t n) {
  std::vector<Digest> leaves(n);
  for (auto& leaf : leaves) leaf = random_digest(rng);
  return leaves;
}

class VectorLeaves final : public LeafHashSource {
 public:
  explicit VectorLeaves(const std::vector<Digest>& leaves) : leaves_(leaves) {}
  void read_leaf_hashes(std::uint64_t begin, std::span<Digest> out) const override {
    require(begin + out.size() <= leaves_.size(), "leaf beyond the test vector");
    std::copy_n(leaves_.begin() + static_cast<std::ptrdiff_t>(begin), out.size(), out.begin());
  }

 private:
  const std::vector<Digest>& leaves_;
};

MemoryTree memory_tree(const std::vector<Digest>& leaves) {
  MemoryTree tree;
  for (const Digest& leaf : leaves) tree.append(leaf);
  return tree;
}

bool accepts(const std::function<void()>& verify) {
  try {
    verify();
    return true;
  } catch (const Error&) {
    return false;
  }
}

// ---------------------------------------------------------------- hashing

TEST(Rfc9162, LeafAndNodeHashesAreDomainSeparatedSha256) {
  const Bytes entry = {1, 2, 3, 4, 5};
  EXPECT_EQ(leaf_hash(entry), openssl_sha256(0x00, entry));
  TestRng rng(1);
  const Digest l = random_digest(rng);
  const Digest r = random_digest(rng);
  EXPECT_EQ(node_hash(l, r), ref_node(l, r));
  EXPECT_NE(node_hash(l, r), node_hash(r, l));
  EXPECT_EQ(hash::to_hex(empty_tree_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// The eight leaves of the RFC 6962 reference test tree, whose roots for
// every prefix size are in the RFC 6962 reference implementations and in the
// transparency-dev vectors (e.g. size 8 = consistency/1/happy-path.json).
TEST(Rfc9162, ReferenceTreeRoots) {
  const std::vector<Bytes> entries = {{},
                                      {0x00},
                                      {0x10},
                                      {0x20, 0x21},
                                      {0x30, 0x31},
                                      {0x40, 0x41, 0x42, 0x43},
                                      {0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57},
                                      {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
                                       0x6a, 0x6b, 0x6c, 0x6d, 0x6e, 0x6f}};
  const char* roots[] = {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                         "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
                         "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
                         "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                         "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
                         "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
                         "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
                         "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};
  MemoryTree tree;
  CompactRange range;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    tree.append(leaf_hash(entries[i]));
    range.append(leaf_hash(entries[i]));
    EXPECT_EQ(hash::to_hex(tree.root()), roots[i]) << "size " << i + 1;
    EXPECT_EQ(hash::to_hex(range.root()), roots[i]) << "size " << i + 1;
  }
}

// ---------------------------------------------------------------- transparency-dev vectors

// A vector's hashes as the verifier receives them: any field that is not a
// 32-byte SHA-256 value is rejected while decoding, as a wire parser does.
Digest decode_hash(const nlohmann::json& field) {
  const Bytes bytes = base64_decode(field.get<std::string>(), "vector hash");
  require(bytes.size() == 32, "hash is not 32 bytes");
  Digest d;
  std::copy(bytes.begin(), bytes.end(), d.bytes.begin());
  return d;
}

std::vector<Digest> decode_proof(const nlohmann::json& field) {
  std::vector<Digest> proof;
  if (field.is_null()) return proof;
  for (const auto& element : field) proof.push_back(decode_hash(element));
  return proof;
}

bool vector_accepted(const std::filesystem::path& file, const nlohmann::json& v) {
  const bool inclusion = file.string().find("/inclusion/") != std::string::npos;
  return accepts([&] {
    if (inclusion) {
      verify_inclusion(decode_hash(v["leafHash"]), v["leafIdx"].get<std::uint64_t>(),
                       v["treeSize"].get<std::uint64_t>(), decode_proof(v["proof"]),
                       decode_hash(v["root"]));
    } else {
      verify_consistency(v["size1"].get<std::uint64_t>(), v["size2"].get<std::uint64_t>(),
                         decode_proof(v["proof"]), decode_hash(v["root1"]),
                         decode_hash(v["root2"]));
    }
  });
}

TEST(Rfc9162Vectors, EveryTransparencyDevVector) {
  // The one vector whose expected outcome we do not share: two equal 12-byte
  // placeholder roots at sizes 1 == 1. A root is a SHA-256 value, so a
  // 12-byte one is malformed and rejected (docs/audit-log.md).
  const std::string placeholder =
      "consistency/additional/sizes-are-equal-one-and-proof-is-empty.json";
  std::size_t total = 0, happy = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(kVectorDir)) {
    if (entry.path().extension() != ".json") continue;
    std::ifstream in(entry.path());
    const nlohmann::json v = nlohmann::json::parse(in);
    const std::string name = std::filesystem::relative(entry.path(), kVectorDir).string();
    const bool want = !v["wantErr"].get<bool>();
    const bool got = vector_accepted(entry.path(), v);
    ++total;
    if (name == placeholder) {
      EXPECT_TRUE(want);
      EXPECT_FALSE(got);
      continue;
    }
    happy += want;
    EXPECT_EQ(got, want) << name << ": " << v["desc"];
  }
  EXPECT_EQ(total, 196u);
  EXPECT_EQ(happy, 11u);
}

// ---------------------------------------------------------------- proofs against the model

// Every root, inclusion path and consistency proof of a small tree, from the
// reference model. A (possibly tampered) claim is true exactly when it
// matches these; the verifier must accept those and nothing else (anything
// else would need a SHA-256 collision).
class SmallTreeModel {
 public:
  explicit SmallTreeModel(const std::vector<Digest>& leaves) : leaves_(leaves) {
    for (std::uint64_t n = 0; n <= leaves.size(); ++n) {
      const Leaves prefix = Leaves(leaves).first(n);
      roots_.push_back(ref_root(prefix));
      paths_.emplace_back();
      consistency_.emplace_back();
      for (std::uint64_t i = 0; i < n; ++i) paths_[n].push_back(ref_path(i, prefix));
      for (std::uint64_t m = 0; m <= n; ++m) consistency_[n].push_back(ref_consistency(m, prefix));
    }
  }

  bool inclusion_holds(const Digest& leaf, std::uint64_t index, std::uint64_t size,
                       const std::vector<Digest>& proof, const Digest& root) const {
    return index < size && size <= leaves_.size() && leaf == leaves_[index] &&
           root == roots_[size] && proof == paths_[size][index];
  }
  bool consistency_holds(std::uint64_t m, std::uint64_t n, const std::vector<Digest>& proof,
                         const Digest& r1, const Digest& r2) const {
    // Every tree extends the empty one: such a proof says nothing of the new root.
    if (m == 0) return proof.empty() && r1 == roots_[0];
    return m <= n && n <= leaves_.size() && r1 == roots_[m] && r2 == roots_[n] &&
           proof == consistency_[n][m];
  }

 private:
  const std::vector<Digest>& leaves_;
  std::vector<Digest> roots_;
  std::vector<std::vector<std::vector<Digest>>> paths_;        // [size][index]
  std::vector<std::vector<std::vector<Digest>>> consistency_;  // [new size][old size]
};

// Every way of tampering with a proof's hashes: each bit-flipped element,
// each element dropped, extra elements at either end, elements swapped.
std::vector<std::vector<Digest>> tampered_proofs(const std::vector<Digest>& proof,
                                                 const Digest& extra) {
  std::vector<std::vector<Digest>> out;
  for (std::size_t i = 0; i < proof.size(); ++i) {
    auto flipped = proof;
    flipped[i].bytes[i % 32] ^= 0x01;
    out.push_back(flipped);
    auto dropped = proof;
    dropped.erase(dropped.begin() + static_cast<std::ptrdiff_t>(i));
    out.push_back(dropped);
    if (i + 1 < proof.size()) {
      auto swapped = proof;
      std::swap(swapped[i], swapped[i + 1]);
      out.push_back(swapped);
    }
  }
  auto appended = proof;
  appended.push_back(extra);
  out.push_back(appended);
  auto prepended = proof;
  prepended.insert(prepended.begin(), extra);
  out.push_back(prepended);
  return out;
}

std::vector<std::uint64_t> nearby(std::uint64_t v) {
  return {v - 1, v + 1, v ^ 2, v * 2, v / 2, 0, ~std::uint64_t{0}};
}

TEST(Rfc9162, ExhaustiveProofsUpTo64Leaves) {
  TestRng rng(2);
  const std::vector<Digest> leaves = random_leaves(rng, 64);
  const MemoryTree tree = memory_tree(leaves);
  const VectorLeaves source(leaves);
  const LeafHashTree from_leaves(source);
  std::size_t inclusion = 0, consistency = 0;
  for (std::uint64_t n = 0; n <= leaves.size(); ++n) {
    const Leaves prefix = Leaves(leaves).first(n);
    const Digest root = ref_root(prefix);
    ASSERT_EQ(root_hash(tree, n), root);
    ASSERT_EQ(root_hash(from_leaves, n), root);
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto proof = inclusion_proof(tree, i, n);
      ASSERT_EQ(proof, ref_path(i, prefix)) << i << " of " << n;
      ASSERT_EQ(inclusion_proof(from_leaves, i, n), proof);
      ASSERT_EQ(proof.size(), inclusion_proof_length(i, n));
      EXPECT_NO_THROW(verify_inclusion(leaves[i], i, n, proof, root));
      ++inclusion;
    }
    for (std::uint64_t m = 0; m <= n; ++m) {
      const auto proof = consistency_proof(tree, m, n);
      ASSERT_EQ(proof, ref_consistency(m, prefix)) << m << " -> " << n;
      ASSERT_EQ(consistency_proof(from_leaves, m, n), proof);
      ASSERT_EQ(proof.size(), consistency_proof_length(m, n));
      EXPECT_NO_THROW(verify_consistency(m, n, proof, ref_root(prefix.first(m)), root));
      ++consistency;
    }
  }
  EXPECT_EQ(inclusion, 2080u);
  EXPECT_EQ(consistency, 2145u);  // includes the trivial m == 0 and m == n cases
}

TEST(Rfc9162, TamperedInclusionProofsAreRejected) {
  TestRng rng(3);
  const std::vector<Digest> leaves = random_leaves(rng, 40);
  const MemoryTree tree = memory_tree(leaves);
  const SmallTreeModel model(leaves);
  const Digest stranger = random_digest(rng);
  std::size_t rejected = 0;
  for (std::uint64_t n = 1; n <= leaves.size(); ++n) {
    const Digest root = root_hash(tree, n);
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto proof = inclusion_proof(tree, i, n);
      const auto check = [&](const Digest& leaf, std::uint64_t index, std::uint64_t size,
                             const std::vector<Digest>& p, const Digest& r) {
        const bool honest = model.inclusion_holds(leaf, index, size, p, r);
        const bool got = accepts([&] { verify_inclusion(leaf, index, size, p, r); });
        ASSERT_EQ(got, honest) << "leaf " << index << " of " << size << " (tampering " << i
                               << " of " << n << ")";
        rejected += !got;
      };
      for (const auto& p : tampered_proofs(proof, stranger)) check(leaves[i], i, n, p, root);
      for (std::uint64_t index : nearby(i)) {
        check(leaves[i], index, n, proof, root);
        if (index < leaves.size()) check(leaves[index], index, n, proof, root);
      }
      // A root is only ever trusted together with its size (both come from
      // one signed checkpoint), so a changed size comes with that size's root.
      for (std::uint64_t size : nearby(n)) {
        if (size <= leaves.size()) check(leaves[i], i, size, proof, root_hash(tree, size));
      }
      EXPECT_FALSE(
          accepts([&] { verify_inclusion(leaves[i], i, ~std::uint64_t{0}, proof, root); }));
      check(stranger, i, n, proof, root);
      check(leaves[i], i, n, proof, stranger);
      check(leaves[i], i, n, proof, root_hash(tree, n - 1));
    }
  }
  EXPECT_GT(rejected, 10000u);
}

TEST(Rfc9162, TamperedConsistencyProofsAreRejected) {
  TestRng rng(4);
  const std::vector<Digest> leaves = random_leaves(rng, 40);
  const MemoryTree tree = memory_tree(leaves);
  const SmallTreeModel model(leaves);
  const Digest stranger = random_digest(rng);
  std::size_t rejected = 0;
  for (std::uint64_t n = 0; n <= leaves.size(); ++n) {
    for (std::uint64_t m = 0; m <= n; ++m) {
      const auto proof = consistency_proof(tree, m, n);
      const Digest r1 = root_hash(tree, m);
      const Digest r2 = root_hash(tree, n);
      const auto check = [&](std::uint64_t a, std::uint64_t b, const std::vector<Digest>& p,
                             const Digest& x, const Digest& y) {
        const bool honest = model.consistency_holds(a, b, p, x, y);
        const bool got = accepts([&] { verify_consistency(a, b, p, x, y); });
        ASSERT_EQ(got, honest) << a << " -> " << b << " (tampering " << m << " -> " << n << ")";
        rejected += !got;
      };
      for (const auto& p : tampered_proofs(proof, stranger)) check(m, n, p, r1, r2);
      for (std::uint64_t a : nearby(m)) {
        if (a <= leaves.size()) check(a, n, proof, root_hash(tree, a), r2);
      }
      for (std::uint64_t b : nearby(n)) {
        if (b <= leaves.size()) check(m, b, proof, r1, root_hash(tree, b));
      }
      if (m > 0) {
        EXPECT_FALSE(accepts([&] { verify_consistency(m, ~std::uint64_t{0}, proof, r1, r2); }));
      }
      check(m, n, proof, r2, r1);
      check(m, n, proof, stranger, r2);
      check(m, n, proof, r1, stranger);
    }
  }
  EXPECT_GT(rejected, 10000u);
}

// ---------------------------------------------------------------- large random trees

#if defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kLargeTree = 1 << 14;
#else
constexpr std::uint64_t kLargeTree = 100000;
#endif

TEST(Rfc9162, LargeTreeEveryProofVerifies) {
  TestRng rng(5);
  const std::vector<Digest> leaves = random_leaves(rng, kLargeTree);
  MemoryTree tree;
  CompactRange range;
  std::vector<Digest> roots = {empty_tree_root()};  // roots[m] = root of the first m leaves
  for (const Digest& leaf : leaves) {
    tree.append(leaf);
    range.append(leaf);
    roots.push_back(range.root());
    ASSERT_EQ(root_hash(tree, tree.size()), roots.back());
  }
  for (int sample = 0; sample < 8; ++sample) {
    const std::uint64_t m = sample == 0 ? kLargeTree : rng.below(kLargeTree + 1);
    ASSERT_EQ(roots[m], ref_root(Leaves(leaves).first(m))) << m;
  }
  const std::uint64_t n = kLargeTree;
  for (std::uint64_t i = 0; i < n; ++i)
    ASSERT_NO_THROW(verify_inclusion(leaves[i], i, n, inclusion_proof(tree, i, n), roots[n])) << i;
  for (std::uint64_t m = 0; m <= n; ++m)
    ASSERT_NO_THROW(verify_consistency(m, n, consistency_proof(tree, m, n), roots[m], roots[n]))
        << m;
  // Sampled pairs of sizes, against the reference model byte for byte.
  for (int sample = 0; sample < 16; ++sample) {
    const std::uint64_t size = 1 + rng.below(n);
    const std::uint64_t index = rng.below(size);
    const std::uint64_t old = rng.below(size + 1);
    const Leaves prefix = Leaves(leaves).first(size);
    EXPECT_EQ(inclusion_proof(tree, index, size), ref_path(index, prefix))
        << index << " of " << size;
    EXPECT_EQ(consistency_proof(tree, old, size), ref_consistency(old, prefix))
        << old << " -> " << size;
  }
}

TEST(Rfc9162, LeafHashTreeMatchesMemoryTree) {
  TestRng rng(6);
  const std::vector<Digest> leaves = random_leaves(rng, 20000);
  const VectorLeaves source(leaves);
  const MemoryTree loaded(source, leaves.size());
  const MemoryTree appended = memory_tree(leaves);
  const LeafHashTree recomputed(source);
  EXPECT_EQ(loaded.root(), appended.root());
  EXPECT_EQ(root_hash(recomputed, leaves.size()), appended.root());
  for (int sample = 0; sample < 20; ++sample) {
    const std::uint64_t size = 1 + rng.below(leaves.size());
    const std::uint64_t index = rng.below(size);
    const std::uint64_t old = rng.below(size + 1);
    EXPECT_EQ(inclusion_proof(recomputed, index, size), inclusion_proof(loaded, index, size));
    EXPECT_EQ(consistency_proof(recomputed, old, size), consistency_proof(loaded, old, size));
  }
}

TEST(Rfc9162, CompactRangeResumesFromItsPeaks) {
  TestRng rng(7);
  const std::vector<Digest> leaves = random_leaves(rng, 1000);
  CompactRange full;
  for (std::size_t i = 0; i < 600; ++i) full.append(leaves[i]);
  CompactRange resumed(full.size(), full.peaks());
  for (std::size_t i = 600; i < leaves.size(); ++i) {
    full.append(leaves[i]);
    resumed.append(leaves[i]);
  }
  EXPECT_EQ(resumed.root(), full.root());
  EXPECT_EQ(full.root(), ref_root(leaves));
  EXPECT_THROW(CompactRange(5, {leaves[0]}), Error);
}

TEST(Rfc9162, ProofRequestsOutsideTheTreeAreErrors) {
  TestRng rng(8);
  const MemoryTree tree = memory_tree(random_leaves(rng, 10));
  EXPECT_THROW(inclusion_proof(tree, 10, 10), Error);
  EXPECT_THROW(inclusion_proof(tree, 3, 11), Error);
  EXPECT_THROW(consistency_proof(tree, 5, 4), Error);
  EXPECT_THROW(consistency_proof(tree, 5, 11), Error);
  EXPECT_THROW(root_hash(tree, 11), Error);
  EXPECT_THROW(tree.subtree_hash(4, 0), Error);
}

}  // namespace
}  // namespace zkinfer::audit
