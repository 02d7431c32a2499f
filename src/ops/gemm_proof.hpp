// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ops/gemm.hpp"
#include "ops/requant_proof.hpp"

// Proof of one Gemm with its requantization (ops::gemm): Y = rescale(
// (X - zx) (W - zw)^T + bias ) over committed X [M, K], W [N, K], bias [N]
// and the committed output and advice of RequantLayout.
//
// Thaler's matrix-multiplication sumcheck: with (r_i, r_j) from the
// transcript, e_i = eq(r_i, i), e_j = eq(r_j, j),
//
//   sum_k A(k) B(k) = sum_{i,j} e_i e_j M_j (acc_ij - b_j),
//   A(k) = sum_i e_i (X[i][k] - zx),   B(k) = sum_j e_j M_j (W[j][k] - zw_j),
//
// a degree-2 sumcheck over the log2 K variables of k whose claimed sum is a
// linear form over committed slots (RequantLayout::rescaled_form minus the
// bias term), so the accumulator is never committed. Its two final
// evaluations are settled as linear forms over X and W. The multiplier M_j
// and the weight zero point zw_j are public and folded into B; per-tensor
// parameters are the per-channel case with one value. Then the clamp
// zero-check of RequantLayout; the range checks go to the caller's batch.
// docs/ops-proofs.md.
namespace zkinfer::ops {

struct GemmShape {
  std::size_t rows = 0;     // M (batch)
  std::size_t inner = 0;    // K
  std::size_t outputs = 0;  // N
};

// The caller's committed slots of the operands, dense row-major.
struct GemmOperands {
  Slot input = 0;   // X [M, K]
  Slot weight = 0;  // W [N, K]
  bool has_bias = false;
  Slot bias = 0;  // [N] when has_bias
};

struct GemmProof {
  sumcheck::SumcheckProof<Challenge> matmul;
  sumcheck::SumcheckProof<Challenge> clamp;

  void write(ByteWriter& w) const;
};

class GemmLayout {
 public:
  // Both sides, from public shapes and parameters: allocates Y, the advice
  // and the pads after the caller's operands. `range_bits`: RequantLayout.
  static GemmLayout allocate(WitnessLayout& layout, const GemmShape& shape, const MacQuant& quant,
                             const GemmOperands& operands,
                             unsigned range_bits = kDefaultRequantRangeBits);

  const GemmShape& shape() const { return shape_; }
  const RequantLayout& requant() const { return requant_; }
  Slot output() const { return requant_.output(); }

  // Prover, before the commitment: writes Y, the advice and the pads. The
  // caller writes X, W and bias into its own slots. Fails unless Y equals
  // ops::gemm bit for bit. Returns Y.
  IntTensor fill(BaseWitness<Challenge>& witness, const IntTensor& input, const IntTensor& weight,
                 std::span<const std::int32_t> bias, const RequantTamper& tamper = {}) const;

  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const;

  // Prover: reads every operand from the committed witness (so a corrupted
  // witness is proven as committed).
  GemmProof prove(const BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                  const std::string& prefix) const;

  // Verifier: appends the operator's constraints to `cs`.
  void verify(const GemmProof& proof, hash::Transcript& transcript, const std::string& prefix,
              ProofConstraints& cs) const;

  // Strict: fails on a wrong length; the caller checks the reader's end.
  GemmProof read_proof(ByteReader& reader) const;

  lookup::RangeCheckRequests range_checks() const { return requant_.range_checks(); }

  // Soundness error of this operator's proof, without its range checks
  // (the caller's batch: lookup::soundness_error) and Ligero
  // (docs/ops-proofs.md).
  double soundness_error() const;

 private:
  unsigned inner_vars() const;
  sumcheck::SumcheckShape<Challenge> matmul_shape() const;
  // M_j * e_j for the real channels.
  std::vector<Challenge> scaled_channel_weights(std::span<const Challenge> channel_eq) const;

  GemmShape shape_;
  MacQuant quant_;
  GemmOperands operands_;
  RequantLayout requant_;
  sumcheck::SumcheckPads<Challenge> matmul_pads_;
};

}  // namespace zkinfer::ops
