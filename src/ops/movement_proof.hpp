// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "ops/requant_proof.hpp"
#include "ops/tensor.hpp"

// Proof of data movement (Transpose, Concat): the output is committed and
// each of its values equals one committed source value, Y[i] = w[source_i],
// shown as one linear form at a random point over the output,
// sum_i e(i) (Y[i] - w[source_i]) = 0. The sources are range-checked by
// their producers, so Y needs no range check. docs/ops-proofs.md.
namespace zkinfer::ops {

// A movement proof sends nothing: its one constraint is settled by Ligero.
struct NoMessages {
  void write(ByteWriter&) const {}
};

class CopyLayout {
 public:
  static CopyLayout allocate(WitnessLayout& layout, std::vector<Slot> sources);

  Slot output() const { return output_; }
  // Prover: copies the sources into Y. Returns Y's values.
  std::vector<std::int32_t> fill(BaseWitness<Challenge>& witness) const;

  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const;
  NoMessages prove(const BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                   const std::string& prefix) const;
  void verify(const NoMessages& proof, hash::Transcript& transcript, const std::string& prefix,
              ProofConstraints& cs) const;
  NoMessages read_proof(ByteReader&) const { return {}; }
  lookup::LookupRequests range_checks() const { return {}; }
  double soundness_error() const;

 private:
  unsigned vars() const;

  std::vector<Slot> sources_;
  Slot output_ = 0;
};

// transpose(x, perm) of the tensor at `input`.
CopyLayout transpose_layout(WitnessLayout& layout, const Shape& x, Slot input,
                            const std::vector<std::size_t>& perm);
// concat(inputs, axis) of the tensors at `slots`.
CopyLayout concat_layout(WitnessLayout& layout, std::span<const Shape> shapes,
                         std::span<const Slot> slots, std::size_t axis);

}  // namespace zkinfer::ops
