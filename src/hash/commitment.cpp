// SPDX-License-Identifier: Apache-2.0
#include "hash/commitment.hpp"

#include "base/os_random.hpp"

namespace zkinfer::hash {

using field::Goldilocks;

CommitmentSalt draw_commitment_salt() {
  CommitmentSalt salt;
  for (Goldilocks& s : salt) s = Goldilocks::sample([] { return os_random_u64(); });
  return salt;
}

std::vector<Goldilocks> commitment_preimage(const CommitmentSalt& salt,
                                            std::span<const Goldilocks> prefix,
                                            std::span<const MessageSegment> segments,
                                            std::span<const std::int64_t> values) {
  return commitment_preimage(salt, prefix, pack_message(segments, values));
}

std::vector<Goldilocks> commitment_preimage(const CommitmentSalt& salt,
                                            std::span<const Goldilocks> prefix,
                                            std::span<const Goldilocks> packed) {
  std::vector<Goldilocks> preimage(salt.begin(), salt.end());
  preimage.insert(preimage.end(), prefix.begin(), prefix.end());
  preimage.insert(preimage.end(), packed.begin(), packed.end());
  return preimage;
}

Poseidon2Digest commitment(std::uint64_t domain_tag, const CommitmentSalt& salt,
                           std::span<const Goldilocks> prefix,
                           std::span<const MessageSegment> segments,
                           std::span<const std::int64_t> values) {
  return poseidon2_hash(commitment_preimage(salt, prefix, segments, values), domain_tag);
}

}  // namespace zkinfer::hash
