// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: parse and verify a batched Merkle multi-opening.
// Invariants: no crash on any input; only the honest opening verifies.
#include "fuzz_input.hpp"
#include "hash/merkle.hpp"
#include "support/rng.hpp"

namespace {

using zkinfer::Bytes;
namespace hash = zkinfer::hash;

struct Fixture {
  static constexpr std::size_t kLeaves = 37;
  std::vector<hash::Digest> leaves;
  std::vector<std::size_t> indices = {0, 3, 4, 17, 36};
  std::vector<hash::Digest> opened;
  hash::Digest root;
  Bytes honest;

  Fixture() {
    zkinfer::testing::TestRng rng(7);
    for (std::size_t i = 0; i < kLeaves; ++i) {
      hash::Digest d;
      for (auto& b : d.bytes) b = static_cast<std::uint8_t>(rng());
      leaves.push_back(d);
    }
    const hash::MerkleTree tree(leaves);
    root = tree.root();
    for (std::size_t i : indices) opened.push_back(leaves[i]);
    zkinfer::ByteWriter w;
    tree.open(indices).write(w);
    honest = w.take();
  }

  bool verify(const Bytes& bytes) const {
    zkinfer::ByteReader r(bytes);
    const auto proof = hash::MerkleMultiProof::read(
        r, hash::MerkleTree::max_proof_digests(kLeaves, indices.size()));
    r.expect_end("merkle proof");
    return hash::MerkleTree::verify(root, kLeaves, indices, opened, proof);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  return zkinfer::fuzzing::check_verifier(fixture, data, size);
}
