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

// Proof of maxima over groups of committed values: max pooling
// (ops::max_pool, the groups are the windows) and the row maxima of a
// softmax (the groups are the lines along one axis). For output o and tap
// t of its group (T taps) the prover commits d[t][o] = y_o - x_(o,t) and a
// selector s[t][o]:
//
//   d[t][o] in [0, 2^b)                  (range checks: y is at least every input)
//   s[t][o] (1 - s[t][o]) = 0,  s[t][o] d[t][o] = 0,  sum_t s[t][o] = 1
//                                        (y equals the input of exactly one tap)
//   s[t][o] = d[t][o] = 0 on padding     (padding never wins)
//
// The products are one degree-3 zero-check sumcheck over the (t, o)
// hypercube at a random point rho with a random combiner gamma; the
// definition of d and the selector sums are linear forms at rho. So y is
// the maximum over the group's inputs, exactly as ops::max_pool
// (docs/ops-proofs.md). Input and output share their quantization.
namespace zkinfer::ops {

// The integer advice of one maximum layout, per output: the winning tap.
struct MaxAdvice {
  std::vector<std::int64_t> output;
  std::vector<std::size_t> winner;  // tap index t < T
};

// Test-only: rewrites the advice before it is written. Never set in production.
using MaxTamper = std::function<void(MaxAdvice&)>;

class MaxLayout {
 public:
  // Both sides, from public data: allocates Y, d, s and the pads over the
  // caller's input slots. Max pooling: Y [N, C, OH, OW], the taps of a
  // window. Along an axis: Y holds one maximum per line along `axis` (in
  // row-major order of the other dimensions), the taps are its entries.
  static MaxLayout pooling(WitnessLayout& layout, const Shape& input, const PoolParams& params,
                           Slot input_slot, unsigned range_bits = kDefaultRequantRangeBits);
  static MaxLayout along_axis(WitnessLayout& layout, const Shape& input, std::size_t axis,
                              Slot input_slot, unsigned range_bits = kDefaultRequantRangeBits);

  Slot output() const { return output_; }
  std::size_t taps() const { return taps_; }
  std::size_t outputs() const { return outputs_; }
  // d[t][o], the committed y_o - x_(o,t).
  Slot difference(std::size_t tap, std::size_t output) const {
    return difference_ + tap * outputs_ + output;
  }
  // The input element read by tap t of output o, or nothing on padding.
  std::optional<std::size_t> input_element(std::size_t tap, std::size_t output) const;

  // Prover, before the commitment: writes Y, d, s and the pads from the
  // input values (row-major, as committed). Returns Y's values.
  std::vector<std::int32_t> fill(BaseWitness<Challenge>& witness,
                                 std::span<const std::int32_t> input,
                                 const MaxTamper& tamper = {}) const;

  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const;
  sumcheck::SumcheckProof<Challenge> prove(const BaseWitness<Challenge>& witness,
                                           hash::Transcript& transcript,
                                           const std::string& prefix) const;
  void verify(const sumcheck::SumcheckProof<Challenge>& proof, hash::Transcript& transcript,
              const std::string& prefix, ProofConstraints& cs) const;
  sumcheck::SumcheckProof<Challenge> read_proof(ByteReader& reader) const;

  // d >= 0 for every tap that reads the input.
  lookup::LookupRequests range_checks() const;
  double soundness_error() const;

 private:
  // Both factories: the source map is set, then the slots.
  static MaxLayout allocate(WitnessLayout& layout, MaxLayout out, Slot input_slot);
  unsigned tap_vars() const;
  unsigned output_vars() const;
  sumcheck::SumcheckShape<Challenge> select_shape(const Challenge& gamma) const;
  // Slots [taps][outputs] (d or s) at a point of the (t, o) hypercube.
  ProofForm tap_form(Slot first, std::span<const Challenge> point) const;

  std::size_t taps_ = 0, outputs_ = 0;
  // sources_[t * outputs + o]: the input element, or -1 on padding.
  std::vector<std::int64_t> sources_;
  unsigned range_bits_ = kDefaultRequantRangeBits;
  Slot input_ = 0, output_ = 0, difference_ = 0, selector_ = 0;
  sumcheck::SumcheckPads<Challenge> select_pads_;
};

}  // namespace zkinfer::ops
