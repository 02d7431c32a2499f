// SPDX-License-Identifier: Apache-2.0
#pragma once

// One operator proof through the whole stack, for the operator tests: the
// operands, the operator's output, advice and pads in one ZK-Ligero
// commitment, the operator proof, its range checks in one LogUp, and one
// Ligero constraint proof. `Layout` is an ops proof layout (append_schema,
// prove, verify, read_proof, range_checks); both sides build it from public
// data with the same `Build` function.

#include <cstring>
#include <functional>
#include <string>

#include "lookup/lookup_batch.hpp"
#include "ops/requant_proof.hpp"
#include "pcs/ligero.hpp"

namespace zkinfer::ops::testing {

template <class Layout>
class OperatorProofHarness {
 public:
  using E = Challenge;
  using Build = std::function<Layout(WitnessLayout&)>;
  using Events = std::vector<hash::Transcript::Event>;

  struct Instance {
    WitnessLayout layout;
    Layout op;
    lookup::LookupBatch<E> ranges;
  };

  struct FullProof {
    pcs::Commitment commitment;
    Bytes operator_proof;  // the operator's proof, then the range-check LogUp
    Bytes ligero_proof;
  };

  static constexpr const char* kOperatorPrefix = "op/";
  static constexpr const char* kRangePrefix = "ranges/";

  // `parameters`: the public parameters' bytes, absorbed first.
  OperatorProofHarness(Build build, Bytes parameters)
      : build_(std::move(build)), parameters_(std::move(parameters)) {}

  Instance instance() const {
    Instance in;
    in.op = build_(in.layout);
    in.ranges = lookup::LookupBatch<E>::allocate(in.layout, in.op.range_checks());
    return in;
  }

  // The range-check multiplicities, after the caller filled the operands and
  // the operator. With `skip_out_of_range` only in-range values are counted,
  // the best a cheating prover can do with an out-of-range value (the honest
  // fill refuses).
  static void fill_ranges(const Instance& in, BaseWitness<E>& witness,
                          bool skip_out_of_range = false) {
    if (!skip_out_of_range) {
      in.ranges.fill(witness);
      return;
    }
    const auto& shape = in.ranges.shape();
    const auto columns = in.ranges.columns(witness);
    for (std::size_t h = 0; h < shape.tables.size(); ++h) {
      for (const field::Goldilocks& v : columns[h][0]) {
        if (v.value() < shape.tables[h].size())
          witness.at(shape.multiplicity_slots[h] + v.value()) += field::Goldilocks::one();
      }
    }
    lookup::fill_pads(witness, shape, in.ranges.pads());
  }

  FullProof prove(const Instance& in, const BaseWitness<E>& witness,
                  Events* events = nullptr) const {
    hash::Transcript t(schema(in), statement(), parameters_, events != nullptr);
    pcs::CommitResult committed = ligero_.commit(witness, in.layout);
    ligero_.absorb_commitment(committed.commitment, t);
    hash::Transcript replay = t;
    ByteWriter w;
    in.op.prove(witness, t, kOperatorPrefix).write(w);
    in.ranges.prove(witness, t, kRangePrefix).write(w);
    FullProof full;
    full.commitment = committed.commitment;
    full.operator_proof = w.take();
    pcs::Constraints cs;
    constrain(in, full.operator_proof, replay, cs);
    full.ligero_proof = ligero_.prove(std::move(committed.prover_data), cs, t);
    t.finish();
    if (events) *events = t.events();
    return full;
  }

  // The verifier, from public data only.
  bool verify(const FullProof& full, Events* events = nullptr) const {
    try {
      const Instance in = instance();
      hash::Transcript t(schema(in), statement(), parameters_, events != nullptr);
      ligero_.absorb_commitment(full.commitment, t);
      pcs::Constraints cs;
      constrain(in, full.operator_proof, t, cs);
      if (!ligero_.verify(full.commitment, in.layout, cs, full.ligero_proof, t)) return false;
      t.finish();
      if (events) *events = t.events();
      return true;
    } catch (const Error&) {
      return false;
    }
  }

  // Ideal commitment: do the verifier's constraints for `operator_proof`
  // hold on the committed witness? (For sweeps too large for a Ligero proof
  // each.)
  bool constraints_hold(const Instance& in, const BaseWitness<E>& witness,
                        const pcs::Commitment& commitment, ByteSpan operator_proof) const {
    try {
      hash::Transcript t(schema(in), statement(), parameters_);
      ligero_.absorb_commitment(commitment, t);
      pcs::Constraints cs;
      constrain(in, operator_proof, t, cs);
      return cs.holds_for(witness, in.layout);
    } catch (const Error&) {
      return false;
    }
  }

 private:
  static ByteSpan statement() {
    static constexpr char kStatement[] = "operator proof statement";
    return {reinterpret_cast<const std::uint8_t*>(kStatement), std::strlen(kStatement)};
  }

  hash::TranscriptSchema schema(const Instance& in) const {
    hash::TranscriptSchema schema("operator-proof-test/v1");
    ligero_.schema_commitment(schema);
    in.op.append_schema(schema, kOperatorPrefix);
    in.ranges.append_schema(schema, kRangePrefix);
    ligero_.schema_proof(schema, in.layout);
    return schema;
  }

  static void constrain(const Instance& in, ByteSpan bytes, hash::Transcript& t,
                        pcs::Constraints& cs) {
    ByteReader reader(bytes);
    const auto proof = in.op.read_proof(reader);
    const auto ranges = in.ranges.read_proof(reader);
    reader.expect_end("operator proof");
    in.op.verify(proof, t, kOperatorPrefix, cs);
    in.ranges.verify(ranges, t, kRangePrefix, cs);
  }

  Build build_;
  Bytes parameters_;
  pcs::Ligero ligero_;
};

}  // namespace zkinfer::ops::testing
