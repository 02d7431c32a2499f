// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "ops/affine_requant_proof.hpp"
#include "ops/pool_proof.hpp"
#include "ops/softmax.hpp"

// Proof of a softmax along one axis (ops::softmax), as in zkLLM: for each
// line o of L entries x_(t,o),
//
//   m_o = max_t x_(t,o),  d = m_o - x        MaxLayout::along_axis
//   e = exp_table[d]                         lookup of (d, e) in the public table
//   S_o = sum_t e_(t,o)                      linear form at a random point
//   2 one e + S_o = 2 S_o q + r,  0 <= r < 2 S_o,  0 <= q <= one
//                                            degree-3 zero-check; r and the gap
//                                            2 S_o - 1 - r in two 16-bit limbs each
//   y = clamp(zy + q)                        AffineRequantLayout (multiplier 1, shift 0)
//
// so q = floor((2 one e + S) / (2 S)) = round(one e / S) exactly, and y is
// ops::softmax bit for bit. docs/ops-proofs.md.
namespace zkinfer::ops {

// The division's advice, [entry t][line o] (t-major), and the line sums S_o
// it is computed from (read-only for a tamper hook).
struct SoftmaxAdvice {
  std::vector<std::int64_t> quotient, remainder;
  std::vector<std::int64_t> sums;
};

// Test-only: rewrites the advice before it is written. Never set in production.
using SoftmaxTamper = std::function<void(SoftmaxAdvice&)>;

struct SoftmaxProof {
  sumcheck::SumcheckProof<Challenge> max, division, clamp;
  void write(ByteWriter& w) const;
};

class SoftmaxLayout {
 public:
  // Fails on lines of 2^15 entries or more (the sums must stay below 2^31),
  // or `one` = 2^16, naming the problem.
  static SoftmaxLayout allocate(WitnessLayout& layout, const Shape& x, Slot input,
                                const SoftmaxParams& params);

  Slot output() const { return output_.output(); }

  // Prover, before the commitment, from the committed input's values.
  // Returns Y, equal to ops::softmax unless tampered.
  std::vector<std::int32_t> fill(BaseWitness<Challenge>& witness,
                                 std::span<const std::int32_t> input,
                                 const SoftmaxTamper& tamper = {}) const;

  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const;
  SoftmaxProof prove(const BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                     const std::string& prefix) const;
  void verify(const SoftmaxProof& proof, hash::Transcript& transcript, const std::string& prefix,
              ProofConstraints& cs) const;
  SoftmaxProof read_proof(ByteReader& reader) const;
  lookup::LookupRequests range_checks() const;
  double soundness_error() const;

  // The committed quotient q of entry t of line o (for the tests).
  Slot quotient(std::size_t entry, std::size_t line) const {
    return quotient_ + entry * lines() + line;
  }

 private:
  std::size_t entries() const { return max_.taps(); }
  std::size_t lines() const { return max_.outputs(); }
  unsigned entry_vars() const;
  unsigned line_vars() const;
  unsigned vars() const { return entry_vars() + line_vars(); }
  sumcheck::SumcheckShape<Challenge> division_shape() const;
  // A [entries][lines] grid of slots at a point of the (t, o) hypercube.
  ProofForm grid_form(Slot first, std::span<const Challenge> point) const;
  // S_o broadcast over the entries (zero past them) at a point.
  ProofForm sum_form(std::span<const Challenge> point) const;

  SoftmaxParams params_;
  MaxLayout max_;
  Slot exp_ = 0, sum_ = 0, quotient_ = 0;
  Slot remainder_low_ = 0, remainder_high_ = 0, gap_low_ = 0, gap_high_ = 0;
  AffineRequantLayout output_;
  sumcheck::SumcheckPads<Challenge> division_pads_;
};

}  // namespace zkinfer::ops
