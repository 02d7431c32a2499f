// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ops/pool.hpp"
#include "ops/requant_proof.hpp"

// Proof of one max pooling (ops::max_pool) over committed X [N, C, H, W]
// and Y [N, C, OH, OW]. For output o and window tap t (T = kH kW taps) the
// prover commits d[t][o] = y_o - x_(o,t) and a selector s[t][o]:
//
//   d[t][o] in [0, 2^b)                  (range checks: y is at least every input)
//   s[t][o] (1 - s[t][o]) = 0,  s[t][o] d[t][o] = 0,  sum_t s[t][o] = 1
//                                        (y equals the input of exactly one tap)
//   s[t][o] = d[t][o] = 0 on padding     (padding never wins)
//
// The products are one degree-3 zero-check sumcheck over the (t, o)
// hypercube at a random point rho with a random combiner gamma; the
// definition of d and the selector sums are linear forms at rho. So y is
// the maximum over the window's input positions, exactly as ops::max_pool
// (docs/ops-proofs.md). Input and output share their quantization.
namespace zkinfer::ops {

// The integer advice of one max pooling, per output: the winning tap.
struct MaxPoolAdvice {
  std::vector<std::int64_t> output;
  std::vector<std::size_t> winner;  // tap index t < kH kW
};

// Test-only: rewrites the advice before it is written. Never set in production.
using MaxPoolTamper = std::function<void(MaxPoolAdvice&)>;

class MaxPoolLayout {
 public:
  // Both sides, from public data: allocates Y, d, s and the pads. `input`
  // is the caller's slot of X.
  static MaxPoolLayout allocate(WitnessLayout& layout, const Shape& input, const PoolParams& params,
                                Slot input_slot, unsigned range_bits = kDefaultRequantRangeBits);

  Slot output() const { return output_; }
  const Shape& output_shape() const { return output_shape_; }

  // Prover, before the commitment: writes Y, d, s and the pads. Returns Y,
  // equal to ops::max_pool unless tampered.
  IntTensor fill(BaseWitness<Challenge>& witness, const IntTensor& input,
                 const MaxPoolTamper& tamper = {}) const;

  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const;
  sumcheck::SumcheckProof<Challenge> prove(const BaseWitness<Challenge>& witness,
                                           hash::Transcript& transcript,
                                           const std::string& prefix) const;
  void verify(const sumcheck::SumcheckProof<Challenge>& proof, hash::Transcript& transcript,
              const std::string& prefix, ProofConstraints& cs) const;
  sumcheck::SumcheckProof<Challenge> read_proof(ByteReader& reader) const;

  // d >= 0 for every tap inside the input.
  lookup::LookupRequests range_checks() const;
  double soundness_error() const;

 private:
  std::size_t taps() const { return params_.window.kernel[0] * params_.window.kernel[1]; }
  std::size_t outputs() const { return element_count(output_shape_); }
  unsigned tap_vars() const;
  unsigned output_vars() const;
  sumcheck::SumcheckShape<Challenge> select_shape(const Challenge& gamma) const;
  // The input element read by tap t of output o, or nothing on padding.
  std::optional<std::size_t> input_element(std::size_t tap, std::size_t output) const;
  // Slots [taps][outputs] (d or s) at a point of the (t, o) hypercube.
  ProofForm tap_form(Slot first, std::span<const Challenge> point) const;

  Shape input_shape_, output_shape_;
  PoolParams params_;
  unsigned range_bits_ = kDefaultRequantRangeBits;
  Slot input_ = 0, output_ = 0, difference_ = 0, selector_ = 0;
  sumcheck::SumcheckPads<Challenge> select_pads_;
};

}  // namespace zkinfer::ops
