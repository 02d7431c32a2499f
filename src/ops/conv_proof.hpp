// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ops/conv.hpp"
#include "ops/requant_proof.hpp"

// Proof of one convolution with its requantization (ops::conv), by a direct
// sumcheck: no im2col matrix is committed. X [N, C, H, W], W [M, C/G, kH,
// kW], bias [M], Y [N, M, OH, OW] (RequantLayout shape [N, M, OH * OW]).
//
// With (r_n, r_m, r_p) from the transcript, e_n, e_m, e_p their eq tables
// over images, output channels and output positions, and k = (g, c, i, j)
// a tap of group g (c < C/G, i < kH, j < kW):
//
//   sum_k A(k) B(k) = sum_{n,m,p} e_n e_m e_p M_m (acc_nmp - b_m),
//   A(k) = sum_{n,p} e_n e_p (X[n, g C/G + c, window(p, i, j)] - zx)  (0 on padding),
//   B(k) = sum_{m in group g} e_m M_m (W[m, c, i, j] - zw_m),
//
// a degree-2 sumcheck over the log2 G + log2 (C/G kH kW) variables of k.
// Its claimed sum is a linear form over the requantization's committed
// slots; its final A and B evaluations are linear forms over X and W that
// the verifier builds by walking the windows once (O(N C kH kW OH OW)
// terms, the MACs divided by M/G). Then the clamp zero-check of
// RequantLayout; the range checks go to the caller's batch. A Gemm is the
// case H = W = kH = kW = 1 (GemmLayout). docs/ops-proofs.md.
namespace zkinfer::ops {

// The caller's committed slots of the operands, dense row-major.
struct MacOperands {
  Slot input = 0;   // X
  Slot weight = 0;  // W
  bool has_bias = false;
  Slot bias = 0;  // [M] when has_bias
};

struct MacProof {
  sumcheck::SumcheckProof<Challenge> sums;  // the accumulator sumcheck
  sumcheck::SumcheckProof<Challenge> clamp;

  void write(ByteWriter& w) const;
};

class ConvLayout {
 public:
  // Both sides, from public shapes and parameters: allocates Y, the advice
  // and the pads after the caller's operands. Fails like ops::conv on
  // inconsistent shapes, and like RequantLayout on unprovable parameters.
  static ConvLayout allocate(WitnessLayout& layout, const Shape& input, const Shape& weight,
                             const ConvParams& params, const MacOperands& operands,
                             unsigned range_bits = kDefaultRequantRangeBits);

  const RequantLayout& requant() const { return requant_; }
  Slot output() const { return requant_.output(); }
  const Shape& output_shape() const { return output_shape_; }

  // Prover, before the commitment: writes Y, the advice and the pads. The
  // caller writes X, W and bias into its own slots. Fails unless Y equals
  // ops::conv bit for bit (an honest advice). Returns Y.
  IntTensor fill(BaseWitness<Challenge>& witness, const IntTensor& input, const IntTensor& weight,
                 std::span<const std::int32_t> bias, const RequantTamper& tamper = {}) const;

  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const;

  // Prover: reads every operand from the committed witness (so a corrupted
  // witness is proven as committed).
  MacProof prove(const BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                 const std::string& prefix) const;

  // Verifier: appends the operator's constraints to `cs`.
  void verify(const MacProof& proof, hash::Transcript& transcript, const std::string& prefix,
              ProofConstraints& cs) const;

  // Strict: fails on a wrong length; the caller checks the reader's end.
  MacProof read_proof(ByteReader& reader) const;

  lookup::LookupRequests range_checks() const { return requant_.range_checks(); }

  // Soundness error of this operator's proof, without its range checks and
  // Ligero (docs/ops-proofs.md).
  double soundness_error() const;

 private:
  struct Geometry {
    std::size_t batch = 0, channels = 0, height = 0, width = 0;
    std::size_t outputs = 0, kernel_h = 0, kernel_w = 0, groups = 1;
    std::size_t out_h = 0, out_w = 0;
    std::size_t group_in() const { return channels / groups; }
    std::size_t group_out() const { return outputs / groups; }
    std::size_t depth() const { return group_in() * kernel_h * kernel_w; }
    std::size_t positions() const { return out_h * out_w; }
  };
  // The outer (image), channel and position eq tables of the output point.
  struct OutputPoint {
    std::vector<Challenge> images, channels, positions;
  };

  unsigned group_vars() const;
  unsigned depth_vars() const;
  sumcheck::SumcheckShape<Challenge> taps_shape() const;
  OutputPoint output_point(hash::Transcript& transcript, const std::string& prefix) const;
  // M_m * e_m for every output channel.
  std::vector<Challenge> scaled_channel_weights(std::span<const Challenge> channel_eq) const;
  // Calls visit(tap index k on the hypercube, input element, e_n e_p) for
  // every (image, group, tap, output position) whose window position lies
  // inside the input: A(k) sums e_n e_p (X - zx) over exactly these.
  template <class Visit>
  void for_each_tap(const OutputPoint& point, const Visit& visit) const;

  Geometry geometry_;
  Window2d window_;
  MacQuant quant_;
  MacOperands operands_;
  Shape output_shape_;
  RequantLayout requant_;
  sumcheck::SumcheckPads<Challenge> taps_pads_;
};

}  // namespace zkinfer::ops
