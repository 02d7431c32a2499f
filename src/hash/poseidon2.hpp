// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "field/goldilocks.hpp"

// Poseidon2 over Goldilocks (Grassi, Khovratovich, Schofnegger, eprint 2023/323), instantiated
// exactly as the public reference instance HorizenLabs/poseidon2 (plain_implementations,
// poseidon2_instance_goldilocks.rs): S-box x^7, 8 external (full) rounds split 4 + 4, 22 internal
// (partial) rounds, widths 8 and 12. docs/poseidon2.md gives the provenance of every constant,
// the sponge specification and the security argument.

namespace zkinfer::hash {

inline constexpr std::size_t kPoseidon2ExternalRounds = 8;
inline constexpr std::size_t kPoseidon2InternalRounds = 22;
inline constexpr std::uint64_t kPoseidon2SboxDegree = 7;

template <std::size_t Width>
concept Poseidon2Width = Width == 8 || Width == 12;

// The instance constants, as canonical u64 values (< p).
template <std::size_t Width>
requires Poseidon2Width<Width>
struct Poseidon2Constants {
  // Round constants of the external rounds in execution order: rows 0..3 run before the
  // internal rounds, rows 4..7 after them.
  std::array<std::array<std::uint64_t, Width>, kPoseidon2ExternalRounds> external;
  // One constant per internal round, added to lane 0 only (the reference stores these as rows
  // whose other lanes are zero).
  std::array<std::uint64_t, kPoseidon2InternalRounds> internal;
  // The internal matrix is M_I = J + diag(internal_diag_m1), J the all-ones matrix; the
  // reference calls this vector MAT_DIAG{t}_M_1 (diag(M_I) - 1).
  std::array<std::uint64_t, Width> internal_diag_m1;
};

template <std::size_t Width>
requires Poseidon2Width<Width>
const Poseidon2Constants<Width>& poseidon2_constants();
template <>
const Poseidon2Constants<8>& poseidon2_constants<8>();
template <>
const Poseidon2Constants<12>& poseidon2_constants<12>();

// The Poseidon2 permutation, in place. Constant time: no branch or memory index depends on the
// state.
template <std::size_t Width>
requires Poseidon2Width<Width>
void poseidon2_permute(std::array<field::Goldilocks, Width>& state);

// The two linear layers on their own, exposed because the in-circuit proof of the permutation
// (a layered circuit) evaluates them separately.
// External: circ(2*M4, M4, ..., M4) by 4x4 blocks, M4 = [[5,7,1,3],[4,6,1,1],[1,3,5,7],[1,1,4,6]].
template <std::size_t Width>
requires Poseidon2Width<Width>
void poseidon2_external_layer(std::array<field::Goldilocks, Width>& state);
// Internal: M_I = J + diag(internal_diag_m1).
template <std::size_t Width>
requires Poseidon2Width<Width>
void poseidon2_internal_layer(std::array<field::Goldilocks, Width>& state);

extern template void poseidon2_permute<8>(std::array<field::Goldilocks, 8>&);
extern template void poseidon2_permute<12>(std::array<field::Goldilocks, 12>&);
extern template void poseidon2_external_layer<8>(std::array<field::Goldilocks, 8>&);
extern template void poseidon2_external_layer<12>(std::array<field::Goldilocks, 12>&);
extern template void poseidon2_internal_layer<8>(std::array<field::Goldilocks, 8>&);
extern template void poseidon2_internal_layer<12>(std::array<field::Goldilocks, 12>&);

// A 256-bit digest: four field elements. Serialized as four canonical little-endian u64
// (32 bytes, element 0 first); parsing rejects non-canonical elements.
inline constexpr std::size_t kPoseidon2DigestElements = 4;
inline constexpr std::size_t kPoseidon2DigestBytes = kPoseidon2DigestElements * 8;
using Poseidon2Digest = std::array<field::Goldilocks, kPoseidon2DigestElements>;

void write_poseidon2_digest(ByteWriter& w, const Poseidon2Digest& digest);
Poseidon2Digest read_poseidon2_digest(ByteReader& r);

// Sponge over the width-12 permutation: rate 8, capacity 4 (4 * 64 = 256 bits, for 128-bit
// generic security).
//
//  - Initial state: all zero except capacity lane 0 (state[8]) = domain_tag. Different tags
//    therefore start from different capacity values and give independent functions.
//  - Absorbing adds input elements into the rate lanes 0..7 (the classic sponge with field
//    addition in place of XOR), permuting after every full block of 8.
//  - Padding "10*", always applied: when absorbing ends, 1 is added at the next rate position
//    and the block is permuted, even when the input filled the previous block exactly (that
//    block was already permuted, so the pad then forms a block of its own). The padded message
//    determines the input, so inputs of different lengths or with extra trailing zeros never
//    collide.
//  - Squeezing reads rate lanes 0..7 in order, permuting before every further block of 8.
//    Outputs of successive squeeze calls concatenate to the output of one call.
class Poseidon2Sponge {
 public:
  static constexpr std::size_t kWidth = 12;
  static constexpr std::size_t kRate = 8;
  static constexpr std::size_t kCapacity = 4;

  // Throws Error if domain_tag >= p: reducing it would make tag and tag + p collide.
  explicit Poseidon2Sponge(std::uint64_t domain_tag);

  // Absorbing after the first squeeze is a programming error and aborts.
  void absorb(std::span<const field::Goldilocks> input);
  void absorb(field::Goldilocks element);

  void squeeze(std::span<field::Goldilocks> out);
  std::vector<field::Goldilocks> squeeze(std::size_t n);

 private:
  std::array<field::Goldilocks, kWidth> state_{};
  std::size_t position_ = 0;  // next rate lane to absorb into or squeeze from
  bool squeezing_ = false;
};

// The first 4 squeezed elements of a fresh sponge with domain_tag that absorbed input.
Poseidon2Digest poseidon2_hash(std::span<const field::Goldilocks> input, std::uint64_t domain_tag);

// 2-to-1 compression for Merkle trees over the width-8 permutation with feed-forward:
// x = left || right, output = (P(x) + x)[0..4). The feed-forward makes it one-way although P is
// invertible. Not interoperable with the HorizenLabs MerkleTreeHash or Plonky3's
// TruncatedPermutation, which truncate P(x) without feed-forward.
Poseidon2Digest poseidon2_compress(const Poseidon2Digest& left, const Poseidon2Digest& right);

}  // namespace zkinfer::hash
