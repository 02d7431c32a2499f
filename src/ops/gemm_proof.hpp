// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ops/conv_proof.hpp"
#include "ops/gemm.hpp"

// Proof of one Gemm with its requantization (ops::gemm): Y = rescale(
// (X - zx) (W - zw)^T + bias ) over committed X [M, K], W [N, K], bias [N].
// A Gemm is the 1 x 1 convolution of M images of K channels and one pixel
// by N filters, so it is proven by ConvLayout: Thaler's matrix-multiplication
// sumcheck is its tap sumcheck with one tap per input channel.
// docs/ops-proofs.md.
namespace zkinfer::ops {

struct GemmShape {
  std::size_t rows = 0;     // M (batch)
  std::size_t inner = 0;    // K
  std::size_t outputs = 0;  // N
};

using GemmOperands = MacOperands;
using GemmProof = MacProof;

class GemmLayout {
 public:
  static GemmLayout allocate(WitnessLayout& layout, const GemmShape& shape, const MacQuant& quant,
                             const GemmOperands& operands,
                             unsigned range_bits = kDefaultRequantRangeBits);

  const GemmShape& shape() const { return shape_; }
  const RequantLayout& requant() const { return conv_.requant(); }
  Slot output() const { return conv_.output(); }

  // ConvLayout::fill for X [M, K], W [N, K]; returns Y [M, N].
  IntTensor fill(BaseWitness<Challenge>& witness, const IntTensor& input, const IntTensor& weight,
                 std::span<const std::int32_t> bias, const RequantTamper& tamper = {}) const;

  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const {
    conv_.append_schema(schema, prefix);
  }
  GemmProof prove(const BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                  const std::string& prefix) const {
    return conv_.prove(witness, transcript, prefix);
  }
  void verify(const GemmProof& proof, hash::Transcript& transcript, const std::string& prefix,
              ProofConstraints& cs) const {
    conv_.verify(proof, transcript, prefix, cs);
  }
  GemmProof read_proof(ByteReader& reader) const { return conv_.read_proof(reader); }
  lookup::LookupRequests range_checks() const { return conv_.range_checks(); }
  double soundness_error() const { return conv_.soundness_error(); }

 private:
  GemmShape shape_;
  ConvLayout conv_;
};

}  // namespace zkinfer::ops
