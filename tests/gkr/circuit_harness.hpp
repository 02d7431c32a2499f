// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <vector>

#include "gkr/poseidon2_circuit.hpp"
#include "support/rng.hpp"

// Ideal-commitment harness for the Poseidon2 circuit tests: the committed
// witness is [inputs | outputs | pads] (both tensors lane-major), and a proof
// is accepted when the verifier's constraints, with the claims settled
// against the committed tensors (settle_claims), hold on that witness.
namespace zkinfer::gkr::testing {

using zkinfer::testing::TestRng;
using E = Challenge;

inline std::vector<Goldilocks> random_states(const Poseidon2CircuitShape& shape, TestRng& rng) {
  std::vector<Goldilocks> out(shape.state_size());
  for (auto& v : out) v = Goldilocks::sample(rng);
  return out;
}

struct Committed {
  Poseidon2CircuitShape shape;
  std::vector<Goldilocks> inputs, outputs;  // lane-major, as committed
  WitnessLayout layout;
  Slot inputs_first = 0, outputs_first = 0;
  Poseidon2CircuitPads pads;
  BaseWitness<E> witness;
};

// Commits `inputs` and `outputs` (by default the true outputs) with fresh pads.
inline Committed commit(const Poseidon2CircuitShape& shape, std::vector<Goldilocks> inputs,
                        std::vector<Goldilocks> outputs = {}) {
  Committed c;
  c.shape = shape;
  if (outputs.empty()) outputs = compute_trace(shape, inputs).outputs;
  c.inputs = std::move(inputs);
  c.outputs = std::move(outputs);
  c.inputs_first = c.layout.allocate(shape.state_size());
  c.outputs_first = c.layout.allocate(shape.state_size());
  c.pads = allocate_pads(c.layout, shape);
  c.witness.assign(c.layout.size(), Goldilocks());
  std::copy(c.inputs.begin(), c.inputs.end(), c.witness.begin() + c.inputs_first);
  std::copy(c.outputs.begin(), c.outputs.end(), c.witness.begin() + c.outputs_first);
  fill_pads(c.witness, shape, c.pads);
  return c;
}

inline hash::TranscriptSchema schema_for(const Poseidon2CircuitShape& shape) {
  hash::TranscriptSchema schema("gkr-poseidon2-test/v1");
  append_schema(schema, "p2/", shape);
  return schema;
}

// Stands in for the commitment to the inputs and outputs.
inline Bytes statement_bytes(const Committed& c) {
  ByteWriter w;
  for (const auto& v : c.inputs) v.write(w);
  for (const auto& v : c.outputs) v.write(w);
  return w.take();
}

inline Bytes parameter_bytes(const Poseidon2CircuitShape& shape) {
  ByteWriter w;
  shape.write(w);
  return w.take();
}

struct Run {
  Poseidon2ProverOutput prover;
  std::vector<hash::Transcript::Event> prover_events, verifier_events;
  pcs::Constraints cs;
  Poseidon2Claims<pcs::LinearForm> claims;
};

inline Run prove_committed(const Committed& c, const Poseidon2Tamper& tamper = {}) {
  Run run;
  hash::Transcript t(schema_for(c.shape), statement_bytes(c), parameter_bytes(c.shape), true);
  run.prover = prove(c.shape, c.inputs, c.pads, c.witness, t, "p2/", tamper);
  t.finish();
  run.prover_events = t.events();
  return run;
}

// Runs the verifier on `proof`, settles its claims and checks every constraint
// on the committed witness.
inline bool accepts(const Committed& c, Run& run, const Poseidon2CircuitProof& proof) {
  hash::Transcript t(schema_for(c.shape), statement_bytes(c), parameter_bytes(c.shape), true);
  run.cs = {};
  run.claims = verify(c.shape, proof, c.pads, t, "p2/", run.cs);
  t.finish();
  run.verifier_events = t.events();
  settle_claims(run.cs, run.claims, c.shape, c.inputs_first, c.outputs_first);
  return run.cs.holds_for(c.witness, c.layout);
}

inline bool prove_and_verify(const Committed& c, const Poseidon2Tamper& tamper = {}) {
  Run run = prove_committed(c, tamper);
  return accepts(c, run, run.prover.proof);
}

}  // namespace zkinfer::gkr::testing
