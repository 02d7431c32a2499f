// SPDX-License-Identifier: Apache-2.0
#include "hash/poseidon2.hpp"

#include <cstdio>
#include <cstdlib>

namespace zkinfer::hash {

using field::Goldilocks;
using field::u128;

namespace {

Goldilocks sbox(Goldilocks x) {
  const Goldilocks x2 = x.square();
  const Goldilocks x3 = x2 * x;
  return x3 * x2.square();
}

[[noreturn]] void misuse(const char* what) {
  std::fprintf(stderr, "zkinfer: Poseidon2Sponge misuse: %s\n", what);
  std::abort();
}

}  // namespace

template <std::size_t Width>
requires Poseidon2Width<Width>
void poseidon2_external_layer(std::array<Goldilocks, Width>& state) {
  // Everything is summed as unreduced 128-bit integers and reduced once per lane: a lane of
  // M4 * x is below 16 * 2^64 and the block-circulant step adds Width/4 such lanes, so every
  // sum stays below 2^70.
  std::array<u128, Width> y;
  for (std::size_t b = 0; b < Width; b += 4) {
    const u128 x0 = state[b].value(), x1 = state[b + 1].value();
    const u128 x2 = state[b + 2].value(), x3 = state[b + 3].value();
    const u128 s01 = x0 + x1, s23 = x2 + x3;
    // Rows of M4 written via the pair sums: row 1 = 4(x0+x1) + 2x1 + (x2+x3), row 0 = row 1 +
    // (x0+x1) + 2x3, and symmetrically for rows 3 and 2.
    const u128 r1 = (s01 << 2) + (x1 << 1) + s23;
    const u128 r3 = (s23 << 2) + (x3 << 1) + s01;
    y[b] = r1 + s01 + (x3 << 1);
    y[b + 1] = r1;
    y[b + 2] = r3 + s23 + (x1 << 1);
    y[b + 3] = r3;
  }
  // circ(2, 1, ..., 1) over the 4-lane blocks: each lane gains the sum of its column position
  // across all blocks (its own block included, giving the factor 2 on the diagonal block).
  std::array<u128, 4> column{};
  for (std::size_t i = 0; i < Width; ++i) column[i % 4] += y[i];
  for (std::size_t i = 0; i < Width; ++i) state[i] = Goldilocks::reduce_wide(y[i] + column[i % 4]);
}

template <std::size_t Width>
requires Poseidon2Width<Width>
void poseidon2_internal_layer(std::array<Goldilocks, Width>& state) {
  const auto& diag = poseidon2_constants<Width>().internal_diag_m1;
  u128 sum = 0;
  for (const Goldilocks& x : state) sum += x.value();
  // (p-1)^2 + Width * 2^64 < 2^128, so each lane reduces once.
  for (std::size_t i = 0; i < Width; ++i) {
    state[i] = Goldilocks::reduce_wide(
        Goldilocks::mul_wide(state[i], Goldilocks::from_canonical(diag[i])) + sum);
  }
}

template <std::size_t Width>
requires Poseidon2Width<Width>
void poseidon2_permute(std::array<Goldilocks, Width>& state) {
  const Poseidon2Constants<Width>& c = poseidon2_constants<Width>();
  constexpr std::size_t kHalf = kPoseidon2ExternalRounds / 2;

  auto external_round = [&state](const std::array<std::uint64_t, Width>& rc) {
    for (std::size_t i = 0; i < Width; ++i) {
      state[i] = sbox(state[i] + Goldilocks::from_canonical(rc[i]));
    }
    poseidon2_external_layer(state);
  };

  // The initial linear layer belongs to Poseidon2 (it is not a leftover of round 0): without it
  // an attacker choosing the input controls the first S-box layer's outputs directly.
  poseidon2_external_layer(state);
  for (std::size_t r = 0; r < kHalf; ++r) external_round(c.external[r]);
  for (std::uint64_t rc : c.internal) {
    state[0] = sbox(state[0] + Goldilocks::from_canonical(rc));
    poseidon2_internal_layer(state);
  }
  for (std::size_t r = kHalf; r < kPoseidon2ExternalRounds; ++r) external_round(c.external[r]);
}

template void poseidon2_permute<8>(std::array<Goldilocks, 8>&);
template void poseidon2_permute<12>(std::array<Goldilocks, 12>&);
template void poseidon2_external_layer<8>(std::array<Goldilocks, 8>&);
template void poseidon2_external_layer<12>(std::array<Goldilocks, 12>&);
template void poseidon2_internal_layer<8>(std::array<Goldilocks, 8>&);
template void poseidon2_internal_layer<12>(std::array<Goldilocks, 12>&);

void write_poseidon2_digest(ByteWriter& w, const Poseidon2Digest& digest) {
  for (const Goldilocks& x : digest) x.write(w);
}

Poseidon2Digest read_poseidon2_digest(ByteReader& r) {
  Poseidon2Digest digest;
  for (Goldilocks& x : digest) x = Goldilocks::read(r);
  return digest;
}

Poseidon2Sponge::Poseidon2Sponge(std::uint64_t domain_tag) {
  require(domain_tag < Goldilocks::kModulus, "Poseidon2 domain tag must be below p");
  state_[kRate] = Goldilocks::from_canonical(domain_tag);
}

void Poseidon2Sponge::absorb(Goldilocks element) {
  if (squeezing_) misuse("absorb after squeeze");
  state_[position_] += element;
  if (++position_ == kRate) {
    poseidon2_permute(state_);
    position_ = 0;
  }
}

void Poseidon2Sponge::absorb(std::span<const Goldilocks> input) {
  for (const Goldilocks& x : input) absorb(x);
}

void Poseidon2Sponge::squeeze(std::span<Goldilocks> out) {
  if (!squeezing_) {
    state_[position_] += Goldilocks::one();
    poseidon2_permute(state_);
    position_ = 0;
    squeezing_ = true;
  }
  for (Goldilocks& x : out) {
    if (position_ == kRate) {
      poseidon2_permute(state_);
      position_ = 0;
    }
    x = state_[position_++];
  }
}

std::vector<Goldilocks> Poseidon2Sponge::squeeze(std::size_t n) {
  std::vector<Goldilocks> out(n);
  squeeze(std::span<Goldilocks>(out));
  return out;
}

Poseidon2Digest poseidon2_hash(std::span<const Goldilocks> input, std::uint64_t domain_tag) {
  Poseidon2Sponge sponge(domain_tag);
  sponge.absorb(input);
  Poseidon2Digest digest;
  sponge.squeeze(std::span<Goldilocks>(digest));
  return digest;
}

Poseidon2Digest poseidon2_compress(const Poseidon2Digest& left, const Poseidon2Digest& right) {
  std::array<Goldilocks, 8> state;
  for (std::size_t i = 0; i < kPoseidon2DigestElements; ++i) {
    state[i] = left[i];
    state[kPoseidon2DigestElements + i] = right[i];
  }
  poseidon2_permute(state);
  Poseidon2Digest out;
  for (std::size_t i = 0; i < kPoseidon2DigestElements; ++i) out[i] = state[i] + left[i];
  return out;
}

}  // namespace zkinfer::hash
