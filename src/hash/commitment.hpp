// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "hash/packing.hpp"
#include "hash/poseidon2.hpp"

// The hiding, binding commitments of the statement (DESIGN §1): model_id over
// salt_m ‖ arch_digest ‖ weights and input_commitment over salt_in ‖ input are
// both
//
//   commitment = poseidon2_hash(salt ‖ prefix ‖ pack_message(segments, values), domain_tag)
//
// with a 4-element salt from the OS CSPRNG, a public prefix of field elements
// (the architecture digest for model_id, empty for the input) and the values
// packed by hash/packing.hpp. gkr/sponge_circuit.hpp proves the same
// computation in-circuit. docs/commitments.md has the construction and why it
// hides and binds.
namespace zkinfer::hash {

// Each use gets its own domain tag (docs/poseidon2.md §4), fixed forever: a
// change would change every certified model_id.
inline constexpr std::uint64_t kModelCommitmentTag = 1;
inline constexpr std::uint64_t kInputCommitmentTag = 2;

// 4 uniform field elements: log2(p^4) ≈ 256 bits of min-entropy, so the
// digest of the same values under two salts is unlinkable as long as the
// sponge behaves as a random oracle (capacity 256 bits).
inline constexpr std::size_t kCommitmentSaltElements = 4;
using CommitmentSalt = std::array<field::Goldilocks, kCommitmentSaltElements>;

// A fresh salt from the OS CSPRNG (never from a transcript or a seeded PRNG).
CommitmentSalt draw_commitment_salt();

// The sponge input salt ‖ prefix ‖ packed message, before padding.
std::vector<field::Goldilocks> commitment_preimage(const CommitmentSalt& salt,
                                                   std::span<const field::Goldilocks> prefix,
                                                   std::span<const MessageSegment> segments,
                                                   std::span<const std::int64_t> values);
// The same over message elements already packed (in-circuit, the packing
// forms evaluated on committed values).
std::vector<field::Goldilocks> commitment_preimage(const CommitmentSalt& salt,
                                                   std::span<const field::Goldilocks> prefix,
                                                   std::span<const field::Goldilocks> packed);

// Throws Error if a value is outside its kind's range or the counts disagree
// (hash::pack_message), or if domain_tag >= p.
Poseidon2Digest commitment(std::uint64_t domain_tag, const CommitmentSalt& salt,
                           std::span<const field::Goldilocks> prefix,
                           std::span<const MessageSegment> segments,
                           std::span<const std::int64_t> values);

}  // namespace zkinfer::hash
