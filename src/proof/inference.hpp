// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "gkr/sponge_circuit.hpp"
#include "lookup/lookup_batch.hpp"
#include "ops/affine_requant_proof.hpp"
#include "ops/gemm_proof.hpp"
#include "ops/movement_proof.hpp"
#include "ops/mul_proof.hpp"
#include "ops/pool_proof.hpp"
#include "ops/softmax_proof.hpp"
#include "ops/table_proof.hpp"
#include "pcs/ligero.hpp"
#include "proof/model_card.hpp"

// The zero-knowledge proof of one inference (DESIGN §1–2, docs/proof-design.md):
// the certified model behind `model_id`, run by the integer reference
// executor on the input behind `input_commitment`, gives the disclosed output.
//
// One ZK-Ligero commitment holds the weights, the input, every activation,
// the operator advice, both sponge traces and every pad. The transcript
// absorbs the statement first, then the commitment; then come, in order, the
// operator proofs (node by node), the in-circuit model_id and
// input_commitment, one LogUp-GKR over every range check of the model, and
// the Ligero proof of all the constraints those sub-proofs leave. The
// disclosed output is pinned by linear constraints on the output's slots.
namespace zkinfer::proof {

using pcs::Challenge;
using sumcheck::Slot;

// Version of the proof format and of the circuit it describes (2: the
// statement carries the batch size; 3: the Poseidon2 circuit computes x^7 as
// (x^3)^2 x, docs/poseidon2-circuit.md; 4: many narrow range checks are
// looked up two per row, lookup::LookupBatch::checks_in_pairs; 5: partial
// Poseidon2 rounds carry lanes 1..11 as identity wires; 6: the sponges'
// input states are not committed, gkr/sponge_circuit.hpp, and the Ligero
// statement digest hashes terms in chunks across forms; 7: the Ligero linear
// test collapses the rows by a sumcheck, docs/ligero.md).
inline constexpr std::uint32_t kProofFormatVersion = 7;

// The most inferences one proof may cover (a verifier builds a circuit of
// this many copies, so a statement may not ask for more).
inline constexpr std::uint32_t kMaxBatch = 1024;

// What the verifier knows and the proof is about.
struct Statement {
  std::uint32_t batch = 1;  // inferences proven together, inputs and outputs concatenated
  hash::Poseidon2Digest model_id{};
  hash::Digest arch_digest;
  hash::Poseidon2Digest input_commitment{};
  std::vector<std::int32_t> output;  // the disclosed output tensors, quantized, in input order

  void write(ByteWriter& w) const;
  static Statement read(ByteReader& r);
  bool operator==(const Statement&) const = default;
};

struct InferenceProof {
  Statement statement;
  pcs::Commitment commitment;
  Bytes sub_proofs;        // operators, model_id, input_commitment, range checks
  Bytes constraint_proof;  // ZK-Ligero, over every constraint the sub-proofs leave
};

// The canonical file: magic "ZKPF", statement (starting with the format
// version), commitment, then the two parts, each length-prefixed. Strict:
// any other bytes are an Error.
Bytes serialize_proof(const InferenceProof& proof);
InferenceProof parse_proof(ByteSpan bytes);

// Wall-clock seconds of each prover phase, in order, for the progress report
// and the benchmarks.
class PhaseTimes {
 public:
  PhaseTimes();
  // Ends the running phase under `name` and starts the next.
  void lap(std::string name);
  const std::vector<std::pair<std::string, double>>& phases() const { return phases_; }

 private:
  std::chrono::steady_clock::time_point start_;
  std::vector<std::pair<std::string, double>> phases_;
};

// The public plan of a proof, built the same way by both sides from the
// architecture alone: every slot of the witness and every sub-protocol.
// Fails with an Error naming the node for an operator that cannot be proven
// yet. With batch > 1 the circuit runs the model on `batch` inputs at once:
// every activation's leading (batch) dimension is multiplied, so each
// operator proof covers the whole batch, and the weights are committed and
// bound to model_id once.
class InferenceCircuit {
 public:
  explicit InferenceCircuit(const model::QuantizedModel& architecture, std::uint32_t batch = 1);
  InferenceCircuit(const InferenceCircuit&) = delete;
  InferenceCircuit& operator=(const InferenceCircuit&) = delete;

  // The batched architecture the circuit runs.
  const model::QuantizedModel& architecture() const { return arch_; }
  std::uint32_t batch() const { return batch_; }
  const sumcheck::WitnessLayout& layout() const { return layout_; }
  // First slot of a tensor's values (row-major), of a node's weights and bias.
  Slot tensor_slot(model::TensorId id) const { return tensor_slots_.at(id); }
  Slot weight_slot(std::size_t node) const;
  Slot bias_slot(std::size_t node) const;

  hash::TranscriptSchema schema(const pcs::Ligero& ligero) const;

  // Soundness error of each component of this proof shape, and (last) their
  // union bound: what `zkinfer inspect --card` prints (sources: each
  // component's soundness_error, docs/ligero.md for the Ligero tests).
  struct SoundnessTerm {
    std::string component;
    double error = 0;
  };
  std::vector<SoundnessTerm> soundness(const pcs::Ligero& ligero) const;
  Bytes parameters() const;

  // Prover, before the commitment: the whole witness from the private model,
  // the quantized inputs (batch() of them, concatenated) and the two salts.
  // Returns the statement it proves.
  Statement fill(sumcheck::BaseWitness<Challenge>& witness, const ModelPackage& package,
                 const ops::IntTensor& input, const hash::CommitmentSalt& input_salt,
                 const std::function<void(sumcheck::BaseWitness<Challenge>&)>& tamper) const;

  // Prover: the sub-proofs, in transcript order.
  void prove(const sumcheck::BaseWitness<Challenge>& witness, hash::Transcript& transcript,
             PhaseTimes& times, ByteWriter& out) const;
  // Verifier (and the prover's replay): parses the sub-proofs from `in` and
  // appends every constraint they and the statement leave.
  void constrain(const Statement& statement, ByteReader& in, hash::Transcript& transcript,
                 pcs::Constraints& cs) const;

 private:
  // One proven operator, in node order: its layout and, for Gemm and Conv,
  // the slots of its weights and bias.
  struct ProvenNode {
    std::size_t node = 0;
    Slot weights = 0, bias = 0;
    std::variant<ops::GemmLayout, ops::ConvLayout, ops::MaxLayout, ops::AffineRequantLayout,
                 ops::CopyLayout, ops::MulLayout, ops::TableLayout, ops::SoftmaxLayout>
        layout;
  };
  const ProvenNode& proven(std::size_t node) const;
  // Both sides: the slots and sub-protocol of node i.
  void plan_node(std::size_t i, lookup::LookupRequests& requests, gkr::MessageSlots& model_values);
  void add_range_checks(const std::vector<gkr::RangeCheck>& checks,
                        lookup::LookupRequests& requests);

  std::uint32_t batch_ = 1;
  Bytes single_architecture_;  // the certified (batch-1) architecture
  hash::Digest arch_digest_;   // its digest, bound into model_id
  model::QuantizedModel arch_;
  sumcheck::WitnessLayout layout_;
  std::vector<Slot> tensor_slots_;
  std::vector<ProvenNode> proven_;
  gkr::SpongeShape model_shape_, input_shape_;
  gkr::SpongeSlots model_sponge_, input_sponge_;
  std::vector<lookup::LimbedValue> limbed_;
  lookup::LookupBatch<Challenge> ranges_;
};

// Test-only: corrupts the witness after the honest prover filled it and
// before it is committed; the proof then runs honestly. Never set in
// production.
struct ProverTamper {
  std::function<void(const InferenceCircuit&, sumcheck::BaseWitness<Challenge>&)> witness;
};

struct ProveResult {
  InferenceProof proof;
  ops::IntTensor output;              // equal to the integer reference executor's (batched)
  hash::CommitmentSalt input_salt{};  // for the input's owner
  PhaseTimes times;
};

// One proof for every input (one input: batch 1).
ProveResult prove_inference(const ModelPackage& package, std::span<const ops::IntTensor> inputs,
                            const ProverTamper& tamper = {});
inline ProveResult prove_inference(const ModelPackage& package, const ops::IntTensor& input,
                                   const ProverTamper& tamper = {}) {
  return prove_inference(package, std::span(&input, 1), tamper);
}

struct Verdict {
  bool accepted = false;
  std::string reason;  // why not, for people
};

// Accepts iff the proof shows the statement for the card's model. Never
// throws on a malformed proof: that is a rejection with its reason.
Verdict verify_inference(const ModelCard& card, const InferenceProof& proof);

}  // namespace zkinfer::proof
