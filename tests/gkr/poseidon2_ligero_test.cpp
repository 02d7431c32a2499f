// SPDX-License-Identifier: Apache-2.0
// The Poseidon2 circuit through the whole stack: inputs, outputs and pads in
// one ZK-Ligero commitment, the circuit proof, the claims settled as linear
// constraints, and one Ligero constraint proof.
#include <gtest/gtest.h>

#include <cstring>

#include "circuit_harness.hpp"
#include "gkr/poseidon2_circuit.hpp"
#include "pcs/ligero.hpp"

namespace zkinfer::gkr {
namespace {

using testing::commit;
using testing::Committed;
using testing::random_states;
using testing::TestRng;

constexpr char kStatement[] = "poseidon2 batch statement";

ByteSpan statement() {
  return {reinterpret_cast<const std::uint8_t*>(kStatement), std::strlen(kStatement)};
}

hash::TranscriptSchema full_schema(const pcs::Ligero& ligero, const Poseidon2CircuitShape& shape,
                                   const WitnessLayout& layout) {
  hash::TranscriptSchema schema("gkr-poseidon2-ligero-test/v1");
  ligero.schema_commitment(schema);
  append_schema(schema, "p2/", shape);
  ligero.schema_proof(schema, layout);
  return schema;
}

struct FullProof {
  pcs::Commitment commitment;
  Bytes circuit_proof, ligero_proof;
};

// The prover: commit, prove the circuit, derive the constraints the verifier
// will derive (replaying its side on a copy of the transcript), prove them.
FullProof prove_full(const pcs::Ligero& ligero, const Committed& c,
                     const Poseidon2Tamper& tamper = {}) {
  const Bytes params = testing::parameter_bytes(c.shape);
  hash::Transcript t(full_schema(ligero, c.shape, c.layout), statement(), params);
  pcs::CommitResult committed = ligero.commit(c.witness, c.layout);
  ligero.absorb_commitment(committed.commitment, t);
  hash::Transcript replay = t;
  const auto out = prove(c.shape, c.inputs, c.pads, c.witness, t, "p2/", tamper);
  pcs::Constraints cs;
  const auto claims = verify(c.shape, out.proof, c.pads, replay, "p2/", cs);
  settle_claims(cs, claims, c.shape, c.inputs_first, c.outputs_first);
  FullProof full;
  full.commitment = committed.commitment;
  ByteWriter w;
  out.proof.write(w);
  full.circuit_proof = w.take();
  full.ligero_proof = ligero.prove(std::move(committed.prover_data), cs, t);
  t.finish();
  return full;
}

// The verifier, from public data only: the shape gives the layout and the pads.
bool verify_full(const pcs::Ligero& ligero, const Poseidon2CircuitShape& shape,
                 const FullProof& full) {
  WitnessLayout layout;
  const Slot inputs_first = layout.allocate(shape.state_size());
  const Slot outputs_first = layout.allocate(shape.state_size());
  const Poseidon2CircuitPads pads = allocate_pads(layout, shape);
  const Bytes params = testing::parameter_bytes(shape);
  hash::Transcript t(full_schema(ligero, shape, layout), statement(), params);
  ligero.absorb_commitment(full.commitment, t);
  try {
    ByteReader reader(full.circuit_proof);
    const auto proof = Poseidon2CircuitProof::read(reader, shape);
    reader.expect_end("Poseidon2 circuit proof");
    pcs::Constraints cs;
    const auto claims = verify(shape, proof, pads, t, "p2/", cs);
    settle_claims(cs, claims, shape, inputs_first, outputs_first);
    if (!ligero.verify(full.commitment, layout, cs, full.ligero_proof, t)) return false;
    t.finish();
    return true;
  } catch (const Error&) {
    return false;
  }
}

TEST(Poseidon2CircuitLigero, ProvesAndVerifiesEndToEnd) {
  TestRng rng(1);
  const pcs::Ligero ligero;
  for (unsigned log_n : {0u, 6u}) {
    const Poseidon2CircuitShape shape{log_n};
    const Committed c = commit(shape, random_states(shape, rng));
    const FullProof full = prove_full(ligero, c);
    EXPECT_TRUE(verify_full(ligero, shape, full)) << "N = 2^" << log_n;
    // Bound to the statement's shape: another batch size does not parse.
    EXPECT_FALSE(verify_full(ligero, Poseidon2CircuitShape{log_n + 1}, full));
  }
}

TEST(Poseidon2CircuitLigero, RejectsAWrongOutputState) {
  TestRng rng(2);
  const pcs::Ligero ligero;
  const Poseidon2CircuitShape shape{4};
  const std::vector<Goldilocks> inputs = random_states(shape, rng);
  std::vector<Goldilocks> wrong = compute_trace(shape, inputs).outputs;
  const std::size_t flipped = 7 * shape.instances() + 3;  // lane 7 of instance 3
  wrong[flipped] += Goldilocks::one();
  const Committed c = commit(shape, inputs, wrong);
  // An honest prover, and one that claims the committed output.
  Poseidon2Tamper claims_committed;
  claims_committed.trace = [&](Poseidon2Trace& trace) { trace.outputs = wrong; };
  for (const Poseidon2Tamper* tamper : {static_cast<const Poseidon2Tamper*>(nullptr),
                                        static_cast<const Poseidon2Tamper*>(&claims_committed)}) {
    const FullProof full = prove_full(ligero, c, tamper ? *tamper : Poseidon2Tamper{});
    EXPECT_FALSE(verify_full(ligero, shape, full)) << (tamper ? "cheating" : "honest");
  }
  // The same prover with the true output is accepted.
  const Committed good = commit(shape, inputs);
  EXPECT_TRUE(verify_full(ligero, shape, prove_full(ligero, good)));
}

}  // namespace
}  // namespace zkinfer::gkr
