// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "field/extension.hpp"
#include "gkr/layer.hpp"
#include "hash/poseidon2.hpp"
#include "pcs/pcs.hpp"

// A zero-knowledge proof that a batch of N = 2^n width-12 Poseidon2
// permutations (hash/poseidon2.hpp, the HorizenLabs Goldilocks instance) maps
// committed input states to committed output states, as a data-parallel
// layered circuit proven backwards with padded sumchecks. Only the inputs and
// outputs are committed: no round state is. docs/poseidon2-circuit.md has the
// layer decomposition, the soundness error and the costs.
//
// A state tensor holds 12 lanes of N instances, lane-major: lane j of
// instance i is element j * N + i. Each lane is therefore an aligned block of
// 2^n values, and the proof ends with, for the input tensor and the output
// tensor, one point and the value of every lane's multilinear extension
// there, as linear forms over committed pads. The caller settles them against
// its committed tensors (settle_claims: one pcs::mle_evaluation_claim per
// lane).
//
// The circuit is Goldilocks-specific (its constants are); challenges live in
// GF(p^2) (pcs::Challenge). The layer protocol underneath (gkr/layer.hpp) is
// generic and tested over small fields too.
namespace zkinfer::gkr {

using field::Goldilocks;
using Challenge = pcs::Challenge;

inline constexpr std::size_t kLanes = 12;
inline constexpr std::size_t kRounds =
    hash::kPoseidon2ExternalRounds + hash::kPoseidon2InternalRounds;
// Two layers per round: the S-box product x^7 = x^3 * x^2 * x^2, then the
// powers x^2, x^3 of the round input.
inline constexpr std::size_t kLayers = 2 * kRounds;

using State = std::array<Goldilocks, kLanes>;
// Row-major: y_i = sum_j m[i][j] x_j.
using Matrix = std::array<State, kLanes>;

// ---- The permutation as the circuit sees it ---------------------------------
//
//   u^0 = M_E in + c^0
//   w^k = S_k(u^k)                  (x^7 on every lane in full rounds, lane 0 only in partial ones)
//   u^(k+1) = L_k w^k + c^(k+1),    out = L_29 w^29
//
// with L_k = M_E after full rounds (k < 4 or k >= 26) and M_I after partial
// ones, c^k the round constants. u^k is the "round input" the trace keeps.

struct LinearLayer {
  Matrix matrix, inverse;
};
const LinearLayer& external_linear_layer();  // M_E
const LinearLayer& internal_linear_layer();  // M_I
bool is_full_round(std::size_t round);
State round_constants(std::size_t round);
const LinearLayer& linear_layer_after(std::size_t round);

// ---- Shape, pads, schema ----------------------------------------------------

struct Poseidon2CircuitShape {
  unsigned log_instances = 0;

  std::size_t instances() const { return std::size_t{1} << log_instances; }
  // Elements of one state tensor (12 lanes x N instances).
  std::size_t state_size() const { return kLanes * instances(); }
  void validate() const;
  // Canonical encoding for the transcript's parameters.
  void write(ByteWriter& w) const;
};

// The layer shapes, in proving order (layer 2s proves round 29 - s's S-box
// product, layer 2s + 1 its powers).
const LayerShape& circuit_layer(const Poseidon2CircuitShape& shape, std::size_t layer);

struct Poseidon2CircuitPads {
  std::array<ExtSlots, kLanes> outputs;  // pads of the sent output evaluations
  std::vector<LayerPads<Challenge>> layers;
};

Poseidon2CircuitPads allocate_pads(WitnessLayout& layout, const Poseidon2CircuitShape& shape);
// Prover: draw every pad from the CSPRNG.
void fill_pads(BaseWitness<Challenge>& witness, const Poseidon2CircuitShape& shape,
               const Poseidon2CircuitPads& pads);
// Transcript steps, under `prefix`. The committed inputs and outputs must be
// absorbed before them: the output point is the first step.
void append_schema(hash::TranscriptSchema& schema, const std::string& prefix,
                   const Poseidon2CircuitShape& shape);

// ---- Proof ------------------------------------------------------------------

// What the prover sends; every value is padded.
struct Poseidon2CircuitProof {
  std::array<Challenge, kLanes> output_evaluations;
  std::vector<LayerProof<Challenge>> layers;  // kLayers, in proving order

  void write(ByteWriter& w) const;
  // Strict: every count is fixed by the shape; throws Error on truncation or
  // a non-canonical element. Leaves following bytes to the caller.
  static Poseidon2CircuitProof read(ByteReader& r, const Poseidon2CircuitShape& shape);
};

// Lane-major state tensors of one batch: the round inputs u^0..u^29 and the outputs.
struct Poseidon2Trace {
  std::vector<std::vector<Goldilocks>> round_inputs;
  std::vector<Goldilocks> outputs;
};

// The forward pass (identical to hash::poseidon2_permute<12> per instance).
// `inputs` is a lane-major state tensor.
Poseidon2Trace compute_trace(const Poseidon2CircuitShape& shape,
                             std::span<const Goldilocks> inputs);

// A claim on every lane of a state tensor at one point: values (prover) or
// linear forms over committed slots (verifier).
template <class V>
struct StateClaim {
  std::vector<Challenge> point;
  std::array<V, kLanes> lanes;
};

template <class V>
struct Poseidon2Claims {
  StateClaim<V> inputs, outputs;
};

// Test-only: a cheating prover. `trace` may rewrite the honest trace (round
// inputs, outputs) before anything is sent; `round` may rewrite a sumcheck
// round's evaluations (before padding) in layer `layer`. Fiat-Shamir then
// runs honestly over what is sent. Never set in production.
struct Poseidon2Tamper {
  std::function<void(Poseidon2Trace&)> trace;
  std::function<void(std::size_t layer, unsigned round, std::vector<Challenge>&)> round;
};

struct Poseidon2ProverOutput {
  Poseidon2CircuitProof proof;
  Poseidon2Claims<Challenge> claims;
};

// Prover. The inputs and outputs must be committed (absorbed) before the
// transcript reaches this protocol, or be public affine functions of
// committed values (the sponge's inputs, sponge_circuit.hpp).
Poseidon2ProverOutput prove(const Poseidon2CircuitShape& shape, std::span<const Goldilocks> inputs,
                            const Poseidon2CircuitPads& pads, const BaseWitness<Challenge>& witness,
                            hash::Transcript& transcript, const std::string& prefix,
                            const Poseidon2Tamper& tamper = {});

// Verifier. Appends every layer's constraints to `cs`; returns the claims on
// the input and output tensors that the caller settles (settle_claims).
Poseidon2Claims<pcs::LinearForm> verify(const Poseidon2CircuitShape& shape,
                                        const Poseidon2CircuitProof& proof,
                                        const Poseidon2CircuitPads& pads,
                                        hash::Transcript& transcript, const std::string& prefix,
                                        pcs::Constraints& cs);

// Settles one state claim against a lane-major tensor committed at slots
// [first, +state_size): one pcs::mle_evaluation_claim per lane.
void settle_state_claim(pcs::Constraints& cs, const StateClaim<pcs::LinearForm>& claim,
                        const Poseidon2CircuitShape& shape, Slot first);

// Settles the claims against lane-major input and output tensors committed at
// slots [inputs_first, +state_size) and [outputs_first, +state_size).
void settle_claims(pcs::Constraints& cs, const Poseidon2Claims<pcs::LinearForm>& claims,
                   const Poseidon2CircuitShape& shape, Slot inputs_first, Slot outputs_first);

// Soundness error (docs/poseidon2-circuit.md): the output point (n / |E|)
// plus every layer's batching and sumcheck ((1 + 4n) / |E| each), excluding
// the settlement of the claims by the PCS.
double soundness_error(const Poseidon2CircuitShape& shape);

}  // namespace zkinfer::gkr
