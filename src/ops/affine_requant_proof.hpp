// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "ops/elementwise.hpp"
#include "ops/pool.hpp"
#include "ops/requant_proof.hpp"

// Proof of an operator whose accumulators are affine in committed values,
// followed by the requantization stage: standalone Requantize (acc = x - zx),
// Add / Sub (acc = m_a (a - za) +- m_b (b - zb), multiplier 1) and the
// average pools (acc = the window's sum of x - zx). With e the eq table of
// a random point over the output, the claim of RequantLayout,
//
//   rescaled_form(e) = sum_x e(x) M_j(x) acc_x,
//
// is itself a linear form over committed slots: one constraint, no
// sumcheck. Then the clamp zero-check; the range checks go to the caller's
// batch. docs/ops-proofs.md.
namespace zkinfer::ops {

// acc_x = constant_x + sum of coefficient * w[slot] over element x's terms.
class AffineAccumulators {
 public:
  struct Term {
    Slot slot = 0;
    std::int64_t coefficient = 0;
  };

  void add_element(std::int64_t constant, std::span<const Term> terms);
  std::size_t size() const { return constants_.size(); }
  std::span<const Term> terms(std::size_t element) const {
    return std::span(terms_).subspan(first_[element], first_[element + 1] - first_[element]);
  }
  std::int64_t constant(std::size_t element) const { return constants_[element]; }
  // max over elements of |constant| + sum |coefficient| * 2^31: a bound on
  // |acc| when every committed operand is an int32.
  double magnitude_bound() const;

 private:
  std::vector<std::size_t> first_{0};
  std::vector<Term> terms_;
  std::vector<std::int64_t> constants_;
};

class AffineRequantLayout {
 public:
  // Both sides, from public data. Fails (naming `op`) if M * acc could
  // reach 2^62, the bound of the requantization argument, for int32
  // operands (every committed activation is a range-checked int32), or the
  // rescale is unprovable (RequantLayout).
  static AffineRequantLayout allocate(WitnessLayout& layout, const RequantShape& shape,
                                      const Rescale& rescale, AffineAccumulators accumulators,
                                      const std::string& op,
                                      unsigned range_bits = kDefaultRequantRangeBits);

  Slot output() const { return requant_.output(); }

  // Prover, before the commitment, after the operands are written: reads
  // them from the witness, writes Y and the advice. Returns Y.
  std::vector<std::int32_t> fill(BaseWitness<Challenge>& witness,
                                 const RequantTamper& tamper = {}) const;

  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const;
  sumcheck::SumcheckProof<Challenge> prove(const BaseWitness<Challenge>& witness,
                                           hash::Transcript& transcript,
                                           const std::string& prefix) const;
  void verify(const sumcheck::SumcheckProof<Challenge>& proof, hash::Transcript& transcript,
              const std::string& prefix, ProofConstraints& cs) const;
  sumcheck::SumcheckProof<Challenge> read_proof(ByteReader& reader) const {
    return requant_.read_proof(reader);
  }
  lookup::LookupRequests range_checks() const { return requant_.range_checks(); }
  // The random combination at the output point, plus the clamp stage.
  double soundness_error() const;

 private:
  RequantLayout requant_;
  Rescale rescale_;
  AffineAccumulators accumulators_;
};

}  // namespace zkinfer::ops

namespace zkinfer::ops {

// The operators proven by AffineRequantLayout, over the caller's committed
// input slots (dense row-major). Each fails like its ops function on bad
// shapes or parameters, and naming what the proof does not cover.

// requantize(x, zero_point, rescale, channel_axis).
AffineRequantLayout requantize_layout(WitnessLayout& layout, const Shape& x, Slot input,
                                      std::int32_t input_zero_point, const Rescale& rescale,
                                      std::size_t channel_axis = 1);

// add(a, b, params), or sub with `subtract`, with broadcasting.
AffineRequantLayout add_layout(WitnessLayout& layout, const Shape& a, Slot a_slot, const Shape& b,
                               Slot b_slot, const AddParams& params, bool subtract);

// average_pool(x, params, quant), or global_average_pool with `global`.
// Every window must have the same divisor (count_include_pad, or no window
// reaching into the padding): the proof has one rescale per tensor.
AffineRequantLayout average_pool_layout(WitnessLayout& layout, const Shape& x, Slot input,
                                        const PoolParams& params, const AverageQuant& quant,
                                        bool global);

}  // namespace zkinfer::ops
