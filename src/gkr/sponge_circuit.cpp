// SPDX-License-Identifier: Apache-2.0
#include "gkr/sponge_circuit.hpp"

#include <bit>
#include <string>

namespace zkinfer::gkr {
namespace {

using Form = pcs::LinearForm;
using Sponge = hash::Poseidon2Sponge;

constexpr std::size_t kSaltLength = hash::kCommitmentSaltElements;

// Where sponge-input position q (salt ‖ prefix ‖ packed message ‖ 1 ‖ 0...)
// comes from.
enum class Source { kSalt, kPrefix, kMessage, kPad, kZero };

Source source_of(const SpongeShape& shape, std::size_t q) {
  if (q < kSaltLength) return Source::kSalt;
  if (q < kSaltLength + shape.prefix_length) return Source::kPrefix;
  if (q < shape.absorbed_length()) return Source::kMessage;
  if (q == shape.absorbed_length()) return Source::kPad;
  return Source::kZero;
}

Poseidon2CircuitShape batch_of(std::size_t instances) {
  return {static_cast<unsigned>(std::bit_width(instances) - 1)};
}

// Sum of the circuits' instances plus the fixed cost of every circuit after the first.
std::size_t cost(const std::vector<Poseidon2CircuitShape>& circuits) {
  std::size_t total = 0;
  for (const auto& c : circuits) total += c.instances();
  return total + (circuits.size() - 1) * kSpongeCircuitCost;
}

// Where each permutation's states are, computed once per fill or verify.
class StateIndex {
 public:
  StateIndex(const SpongeShape& shape, const SpongeSlots& slots)
      : circuits_(shape.circuits()), slots_(slots) {
    if (slots.circuits.size() != circuits_.size()) fail("sponge circuit: slots of another shape");
  }
  std::size_t batch() const {
    std::size_t total = 0;
    for (const auto& c : circuits_) total += c.instances();
    return total;
  }
  Slot slot(StateSide side, std::size_t lane, std::size_t permutation) const {
    for (std::size_t c = 0, first = 0; c < circuits_.size(); first += circuits_[c++].instances()) {
      const std::size_t n = circuits_[c].instances();
      if (permutation - first >= n) continue;
      const SpongeCircuitSlots& at = slots_.circuits[c];
      return (side == StateSide::kInput ? at.inputs : at.outputs) + lane * n +
             (permutation - first);
    }
    fail("sponge circuit: permutation out of range");
  }

 private:
  std::vector<Poseidon2CircuitShape> circuits_;
  const SpongeSlots& slots_;
};

// The image of the all-zero state: the public output of every batch-padding
// permutation.
const State& permutation_of_zero() {
  static const State image = [] {
    State s{};
    hash::poseidon2_permute<kLanes>(s);
    return s;
  }();
  return image;
}

}  // namespace

// ---- Shape and statement ------------------------------------------------------------

std::size_t SpongeShape::absorbed_length() const {
  return kSaltLength + prefix_length + hash::packed_size(message);
}

std::size_t SpongeShape::permutations() const {
  return absorbed_length() / Sponge::kRate + 1;
}

std::vector<Poseidon2CircuitShape> SpongeShape::circuits() const {
  const std::size_t total = permutations();
  std::vector<Poseidon2CircuitShape> best = {batch_of(std::bit_ceil(total))};
  for (std::size_t count = 2; count <= kMaxSpongeCircuits; ++count) {
    std::vector<Poseidon2CircuitShape> split;
    std::size_t left = total;
    while (left > 0 && split.size() + 1 < count) {
      split.push_back(batch_of(std::bit_floor(left)));
      left -= std::bit_floor(left);
    }
    if (left > 0) split.push_back(batch_of(std::bit_ceil(left)));
    if (cost(split) < cost(best)) best = std::move(split);
  }
  return best;
}

std::size_t SpongeShape::batch() const {
  std::size_t total = 0;
  for (const auto& c : circuits()) total += c.instances();
  return total;
}

void SpongeShape::validate() const {
  for (const hash::MessageSegment& s : message) hash::packing_rule(s.kind);
  batch_of(std::bit_ceil(permutations())).validate();
}

Slot state_slot(const SpongeShape& shape, const SpongeSlots& slots, StateSide side,
                std::size_t lane, std::size_t permutation) {
  return StateIndex(shape, slots).slot(side, lane, permutation);
}

void SpongeShape::write(ByteWriter& w) const {
  static constexpr char kTag[] = "zkinfer-poseidon2-sponge-gkr-v2";
  w.raw({reinterpret_cast<const std::uint8_t*>(kTag), sizeof(kTag) - 1});
  w.u64(prefix_length);
  hash::write_message_segments(w, message);
}

void SpongeStatement::write(ByteWriter& w) const {
  w.u64(domain_tag);
  w.u64(prefix.size());
  for (const Goldilocks& x : prefix) x.write(w);
  hash::write_poseidon2_digest(w, digest);
}

// ---- Layout and witness -------------------------------------------------------------

SpongeSlots allocate(WitnessLayout& layout, const SpongeShape& shape, MessageSlots message) {
  shape.validate();
  if (message.segment_first.size() != shape.message.size()) {
    fail("sponge circuit: value slots for " + std::to_string(message.segment_first.size()) +
         " segments, shape has " + std::to_string(shape.message.size()));
  }
  SpongeSlots slots;
  slots.salt = layout.allocate(kSaltLength);
  for (const Poseidon2CircuitShape& circuit : shape.circuits()) {
    SpongeCircuitSlots c;
    c.inputs = layout.allocate(circuit.state_size());
    c.outputs = layout.allocate(circuit.state_size());
    c.pads = allocate_pads(layout, circuit);
    slots.circuits.push_back(std::move(c));
  }
  slots.message = std::move(message);
  return slots;
}

std::vector<RangeCheck> range_checks(const SpongeShape& shape, const SpongeSlots& slots) {
  return range_checks(shape.message, slots.message);
}

hash::Poseidon2Digest fill(sumcheck::BaseWitness<Challenge>& witness, const SpongeShape& shape,
                           const SpongeSlots& slots, std::uint64_t domain_tag,
                           const hash::CommitmentSalt& salt, std::span<const Goldilocks> prefix,
                           const SpongeTamper& tamper) {
  shape.validate();
  if (prefix.size() != shape.prefix_length) fail("sponge circuit fill: prefix length mismatch");
  if (domain_tag >= Goldilocks::kModulus) fail("sponge circuit fill: domain tag must be below p");
  std::vector<Goldilocks> padded = hash::commitment_preimage(
      salt, prefix, shape.message, read_values(shape.message, slots.message, witness));
  padded.push_back(Goldilocks::one());  // the "10*" pad; zeros follow
  padded.resize(shape.permutations() * Sponge::kRate);

  for (std::size_t i = 0; i < kSaltLength; ++i) witness.at(slots.salt + i) = salt[i];
  // The same chain as hash::Poseidon2Sponge, one permutation per block, with
  // every input and output state kept for the circuit.
  const StateIndex index(shape, slots);
  const auto lane_slot = [&](StateSide side, std::size_t lane, std::size_t b) {
    return index.slot(side, lane, b);
  };
  State state{};
  state[Sponge::kRate] = Goldilocks::from_canonical(domain_tag);
  for (std::size_t b = 0; b < index.batch(); ++b) {
    if (b < shape.permutations()) {
      for (std::size_t j = 0; j < Sponge::kRate; ++j) state[j] += padded[b * Sponge::kRate + j];
      if (tamper.input) tamper.input(b, state);
    } else {
      state = State{};
    }
    for (std::size_t j = 0; j < kLanes; ++j)
      witness.at(lane_slot(StateSide::kInput, j, b)) = state[j];
    hash::poseidon2_permute<kLanes>(state);
    for (std::size_t j = 0; j < kLanes; ++j)
      witness.at(lane_slot(StateSide::kOutput, j, b)) = state[j];
  }
  const auto circuits = shape.circuits();
  for (std::size_t c = 0; c < circuits.size(); ++c)
    fill_pads(witness, circuits[c], slots.circuits[c].pads);
  // Lanes 0..3 of the last real output (squeezing 4 <= 8 elements needs no
  // further permutation).
  hash::Poseidon2Digest digest;
  for (std::size_t j = 0; j < digest.size(); ++j) {
    digest[j] = witness.at(lane_slot(StateSide::kOutput, j, shape.permutations() - 1));
  }
  return digest;
}

namespace {

std::string circuit_prefix(const std::string& prefix, std::size_t c) {
  return prefix + "circuit" + std::to_string(c) + "/";
}

}  // namespace

void append_schema(hash::TranscriptSchema& schema, const std::string& prefix,
                   const SpongeShape& shape) {
  const auto circuits = shape.circuits();
  for (std::size_t c = 0; c < circuits.size(); ++c)
    append_schema(schema, circuit_prefix(prefix, c), circuits[c]);
}

// ---- Proof ------------------------------------------------------------------------

void SpongeProof::write(ByteWriter& w) const {
  for (const Poseidon2CircuitProof& c : circuits) c.write(w);
}

SpongeProof SpongeProof::read(ByteReader& r, const SpongeShape& shape) {
  SpongeProof proof;
  for (const Poseidon2CircuitShape& c : shape.circuits())
    proof.circuits.push_back(Poseidon2CircuitProof::read(r, c));
  return proof;
}

SpongeProof prove(const SpongeShape& shape, const SpongeSlots& slots,
                  const sumcheck::BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                  const std::string& prefix) {
  const auto circuits = shape.circuits();
  if (slots.circuits.size() != circuits.size()) fail("sponge circuit: slots of another shape");
  SpongeProof proof;
  for (std::size_t c = 0; c < circuits.size(); ++c) {
    const std::span<const Goldilocks> inputs(witness.data() + slots.circuits[c].inputs,
                                             circuits[c].state_size());
    proof.circuits.push_back(prove(circuits[c], inputs, slots.circuits[c].pads, witness, transcript,
                                   circuit_prefix(prefix, c))
                                 .proof);
  }
  return proof;
}

void verify(const SpongeShape& shape, const SpongeSlots& slots, const SpongeStatement& statement,
            const SpongeProof& proof, hash::Transcript& transcript, const std::string& prefix,
            pcs::Constraints& cs) {
  shape.validate();
  if (statement.prefix.size() != shape.prefix_length) {
    fail("sponge circuit: statement prefix has " + std::to_string(statement.prefix.size()) +
         " elements, shape " + std::to_string(shape.prefix_length));
  }
  if (statement.domain_tag >= Goldilocks::kModulus) fail("sponge circuit: domain tag >= p");
  const auto circuits = shape.circuits();
  if (slots.circuits.size() != circuits.size()) fail("sponge circuit: slots of another shape");
  if (proof.circuits.size() != circuits.size()) fail("sponge proof: wrong number of circuits");
  for (std::size_t c = 0; c < circuits.size(); ++c) {
    const SpongeCircuitSlots& at = slots.circuits[c];
    const auto claims =
        verify(circuits[c], proof.circuits[c], at.pads, transcript, circuit_prefix(prefix, c), cs);
    settle_claims(cs, claims, circuits[c], at.inputs, at.outputs);
  }

  const std::vector<Form> packed = packed_element_forms(shape.message, slots.message);
  // Block element at sponge-input position q, as a form over committed slots.
  const auto block_element = [&](std::size_t q) -> Form {
    switch (source_of(shape, q)) {
      case Source::kSalt: {
        Form f;
        f.add_term(slots.salt + q, Challenge::one());
        return f;
      }
      case Source::kPrefix:
        return Form::constant_value(Challenge(statement.prefix[q - kSaltLength]));
      case Source::kMessage:
        return packed[q - kSaltLength - shape.prefix_length];
      case Source::kPad:
        return Form::constant_value(Challenge::one());
      case Source::kZero:
        break;
    }
    return {};
  };
  const StateIndex index(shape, slots);
  const auto state_lane = [&](StateSide side, std::size_t j, std::size_t b) {
    Form f;
    f.add_term(index.slot(side, j, b), Challenge::one());
    return f;
  };

  for (std::size_t b = 0; b < shape.permutations(); ++b) {
    for (std::size_t j = 0; j < kLanes; ++j) {
      // What permutation b's input lane j must be: the previous output (or
      // the initial state) plus the absorbed block on the rate lanes.
      Form expected;
      if (b > 0) {
        expected = state_lane(StateSide::kOutput, j, b - 1);
      } else if (j == Sponge::kRate) {
        expected =
            Form::constant_value(Challenge(Goldilocks::from_canonical(statement.domain_tag)));
      }
      if (j < Sponge::kRate) expected += block_element(b * Sponge::kRate + j);
      cs.require_equal(state_lane(StateSide::kInput, j, b), std::move(expected));
    }
  }
  for (std::size_t j = 0; j < statement.digest.size(); ++j) {
    cs.require_equal(state_lane(StateSide::kOutput, j, shape.permutations() - 1),
                     Form::constant_value(Challenge(statement.digest[j])));
  }
  for (std::size_t b = shape.permutations(); b < index.batch(); ++b) {
    for (std::size_t j = 0; j < kLanes; ++j) {
      cs.require_zero(state_lane(StateSide::kInput, j, b));
      cs.require_equal(state_lane(StateSide::kOutput, j, b),
                       Form::constant_value(Challenge(permutation_of_zero()[j])));
    }
  }
}

double soundness_error(const SpongeShape& shape) {
  double error = 0;
  for (const Poseidon2CircuitShape& c : shape.circuits()) error += soundness_error(c);
  return error;
}

}  // namespace zkinfer::gkr
