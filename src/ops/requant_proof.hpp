// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "lookup/lookup_batch.hpp"
#include "ops/requant.hpp"
#include "pcs/pcs.hpp"
#include "sumcheck/sumcheck.hpp"

// The output stage of a multiply-accumulate operator (ops::Rescale), proven
// on committed advice over a [outer, channels, inner] tensor (Gemm: [M, N,
// 1]; Conv: [N, M, OH * OW]): for accumulator acc at an element of channel j, with
// multiplier M_j, shift s_j and the clamp (zero point z, [lo, hi], ReLU fused
// into lo):
//
//   acc * M_j + 2^(s_j - 1) = 2^s_j * q + r,   r = sum_t 2^(16t) r_t,  0 <= r < 2^s_j
//   q + z - y = u+ - u-,   (hi - y) * u+ = 0,   (y - lo) * u- = 0
//
// (no 2^(s-1) term when s = 0). The accumulator is never committed: the
// operator's own sumcheck relates its multilinear extension at a random point
// to the linear form `rescaled_form` over q and the limbs r_t. The products
// are one degree-3 zero-check sumcheck at a random point rho, and the linear
// excess relation is checked at the same rho; the bounds are range-check requests
// (all 16-bit) for the caller's batched LogUp. Why these bounds make every
// relation hold over the integers: docs/ops-proofs.md.
namespace zkinfer::ops {

using pcs::Challenge;
using sumcheck::BaseWitness;
using sumcheck::Slot;
using sumcheck::WitnessLayout;
using ProofForm = pcs::LinearForm;
using ProofConstraints = pcs::Constraints;

// |E| = p^2, for the soundness errors.
inline double challenge_field_size() {
  const auto p = static_cast<double>(Challenge::Base::kModulus);
  return p * p;
}

// Width b of every range check of the requantization: remainder limbs,
// y - lo, hi - y, u+, u-. 16 by default; 8 is enough for an int8 output
// whose pre-clamp values stay within 2^8 of its range, and makes the lookup
// table 256 times smaller.
inline constexpr unsigned kDefaultRequantRangeBits = 16;

// Above this shift, 2^s * (q + z - y) could wrap modulo p: s + b + 1 <= 62
// (docs/ops-proofs.md).
inline constexpr std::int32_t max_provable_shift(unsigned range_bits) {
  return 61 - static_cast<std::int32_t>(range_bits);
}

// The shape of a requantized tensor, row-major [outer][channels][inner].
struct RequantShape {
  std::size_t outer = 1, channels = 1, inner = 1;
  std::size_t size() const { return outer * channels * inner; }
};

// The integer advice of one requantized tensor, row-major.
struct RequantAdvice {
  std::vector<std::int64_t> output, quotient, remainder, excess_above, excess_below;
};

// Test-only: lets a cheating prover rewrite the advice before it is written
// into the witness. Never set in production.
using RequantTamper = std::function<void(RequantAdvice&)>;

class RequantLayout {
 public:
  // Both sides, from public data. Fails if the rescale is outside what the
  // proof supports (shift above max_provable_shift, clamp range or zero
  // point offset of 2^range_bits or more).
  static RequantLayout allocate(WitnessLayout& layout, const RequantShape& shape,
                                const Rescale& rescale, const std::string& op,
                                unsigned range_bits = kDefaultRequantRangeBits);

  const RequantShape& shape() const { return shape_; }
  // Y, row-major: what the next operator reads.
  Slot output() const { return output_; }

  // Prover: the advice of accumulators `acc` (row-major), written into the
  // witness with this stage's pads. Returns Y. Fails if a pre-clamp value
  // lies 2^range_bits or more outside the output range (docs/ops-proofs.md).
  std::vector<std::int32_t> fill(BaseWitness<Challenge>& witness, std::span<const std::int64_t> acc,
                                 const RequantTamper& tamper = {}) const;

  // sum_{o,j,p} a[o] b[j] c[p] (2^s_j q_ojp + r_ojp - 2^(s_j - 1)), with
  // a, b, c the outer, channel and inner weights: the committed form of
  // sum_{o,j,p} a[o] b[j] c[p] M_j acc_ojp.
  ProofForm rescaled_form(std::span<const Challenge> outer_weights,
                          std::span<const Challenge> channel_weights,
                          std::span<const Challenge> inner_weights) const;

  // The clamp zero-check, under `prefix`.
  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const;
  sumcheck::SumcheckProof<Challenge> prove(const BaseWitness<Challenge>& witness,
                                           hash::Transcript& transcript,
                                           const std::string& prefix) const;
  void verify(const sumcheck::SumcheckProof<Challenge>& proof, hash::Transcript& transcript,
              const std::string& prefix, ProofConstraints& cs) const;
  sumcheck::SumcheckProof<Challenge> read_proof(ByteReader& reader) const;

  // Soundness error of the clamp zero-check and the excess relation
  // (docs/ops-proofs.md): the sumcheck, the random combination in (rho,
  // gamma), and the excess relation at rho.
  double soundness_error() const;

  // Variables of the output hypercube, and the eq tables of a point's outer,
  // channel and inner coordinates, cut to the true sides.
  unsigned vars() const { return outer_vars() + channel_vars() + inner_vars(); }
  std::array<std::vector<Challenge>, 3> split_eq(std::span<const Challenge> point) const;

  // Limbs of r, b bits each (the top one also below 2^(s mod b) when s is
  // not a multiple of b), y - lo, hi - y, u+, u-: all of width b.
  lookup::LookupRequests range_checks() const;

 private:
  std::size_t limbs(std::size_t channel) const;
  std::size_t channel_of(std::size_t element) const {
    return element / shape_.inner % shape_.channels;
  }
  // Limb t of element x's remainder.
  Slot limb_slot(std::size_t element, std::size_t limb) const;
  unsigned outer_vars() const;
  unsigned channel_vars() const;
  unsigned inner_vars() const;
  sumcheck::SumcheckShape<Challenge> clamp_shape(const Challenge& gamma) const;
  // y, u+, u- at a point of the zero-padded hypercube.
  ProofForm tensor_form(Slot first, std::span<const Challenge> point) const;

  std::int64_t range() const { return std::int64_t{1} << range_bits_; }

  RequantShape shape_;
  unsigned range_bits_ = kDefaultRequantRangeBits;
  Rescale rescale_;
  Slot output_ = 0, quotient_ = 0, remainder_ = 0, excess_above_ = 0, excess_below_ = 0;
  // Per channel, the first limb of its elements' remainders within one outer
  // index; back() = limbs per outer index.
  std::vector<std::size_t> limb_offsets_;
  sumcheck::SumcheckPads<Challenge> clamp_pads_;
};

}  // namespace zkinfer::ops
