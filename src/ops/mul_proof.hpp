// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ops/conv_proof.hpp"
#include "ops/elementwise.hpp"

// Proof of an elementwise product with broadcasting (ops::mul):
// Y = clamp(zy + requant((A - za)(B - zb))). With e the eq table of a random
// output point rho, the requantization claim is a degree-3 sumcheck,
//
//   sum_x M eq(rho, x) A'(x) B'(x) = rescaled_form(e),
//   A'(x) = A[source_a(x)] - za,  B'(x) = B[source_b(x)] - zb,
//
// whose final A' and B' evaluations are linear forms over A and B (the
// verifier walks the broadcast once). Then the clamp zero-check; the range
// checks go to the caller's batch. docs/ops-proofs.md.
namespace zkinfer::ops {

// A committed operand: its shape, first slot, and a bound on |value - zero
// point| (from the tensor's quantization range, which its producer's proof
// enforces).
struct MulOperand {
  Shape shape;
  Slot slot = 0;
  std::int64_t centred_bound = 0;
};

class MulLayout {
 public:
  // Fails if M * |A'| * |B'| could reach 2^62 (the requantization
  // argument's bound), or like ops::mul on bad shapes or parameters.
  static MulLayout allocate(WitnessLayout& layout, const MulOperand& a, const MulOperand& b,
                            const MulParams& params,
                            unsigned range_bits = kDefaultRequantRangeBits);

  Slot output() const { return requant_.output(); }
  // Prover, after the operands are written: Y and the advice. Returns Y.
  std::vector<std::int32_t> fill(BaseWitness<Challenge>& witness,
                                 const RequantTamper& tamper = {}) const;

  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const;
  MacProof prove(const BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                 const std::string& prefix) const;
  void verify(const MacProof& proof, hash::Transcript& transcript, const std::string& prefix,
              ProofConstraints& cs) const;
  MacProof read_proof(ByteReader& reader) const;
  lookup::LookupRequests range_checks() const { return requant_.range_checks(); }
  double soundness_error() const;

 private:
  sumcheck::SumcheckShape<Challenge> product_shape() const;
  // A'(point) or B'(point) as a linear form.
  ProofForm operand_form(const std::vector<Slot>& sources, std::int32_t zero_point,
                         std::span<const Challenge> point) const;

  MulParams params_;
  std::vector<Slot> a_sources_, b_sources_;
  RequantLayout requant_;
  sumcheck::SumcheckPads<Challenge> product_pads_;
};

}  // namespace zkinfer::ops
