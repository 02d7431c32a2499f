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

// Slot of lane j of permutation b in a lane-major state tensor at `first`.
Slot lane_slot(Slot first, const SpongeShape& shape, std::size_t lane, std::size_t b) {
  return first + lane * shape.circuit().instances() + b;
}

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

Poseidon2CircuitShape SpongeShape::circuit() const {
  return {static_cast<unsigned>(std::bit_width(std::bit_ceil(permutations())) - 1)};
}

void SpongeShape::validate() const {
  for (const hash::MessageSegment& s : message) hash::packing_rule(s.kind);
  circuit().validate();
}

void SpongeShape::write(ByteWriter& w) const {
  static constexpr char kTag[] = "zkinfer-poseidon2-sponge-gkr-v1";
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
  slots.inputs = layout.allocate(shape.circuit().state_size());
  slots.outputs = layout.allocate(shape.circuit().state_size());
  slots.message = std::move(message);
  slots.pads = allocate_pads(layout, shape.circuit());
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
  State state{};
  state[Sponge::kRate] = Goldilocks::from_canonical(domain_tag);
  for (std::size_t b = 0; b < shape.circuit().instances(); ++b) {
    if (b < shape.permutations()) {
      for (std::size_t j = 0; j < Sponge::kRate; ++j) state[j] += padded[b * Sponge::kRate + j];
      if (tamper.input) tamper.input(b, state);
    } else {
      state = State{};
    }
    for (std::size_t j = 0; j < kLanes; ++j)
      witness.at(lane_slot(slots.inputs, shape, j, b)) = state[j];
    hash::poseidon2_permute<kLanes>(state);
    for (std::size_t j = 0; j < kLanes; ++j)
      witness.at(lane_slot(slots.outputs, shape, j, b)) = state[j];
  }
  fill_pads(witness, shape.circuit(), slots.pads);
  // Lanes 0..3 of the last real output (squeezing 4 <= 8 elements needs no
  // further permutation).
  hash::Poseidon2Digest digest;
  for (std::size_t j = 0; j < digest.size(); ++j) {
    digest[j] = witness.at(lane_slot(slots.outputs, shape, j, shape.permutations() - 1));
  }
  return digest;
}

void append_schema(hash::TranscriptSchema& schema, const std::string& prefix,
                   const SpongeShape& shape) {
  append_schema(schema, prefix, shape.circuit());
}

// ---- Proof ------------------------------------------------------------------------

void SpongeProof::write(ByteWriter& w) const {
  circuit.write(w);
}

SpongeProof SpongeProof::read(ByteReader& r, const SpongeShape& shape) {
  return {Poseidon2CircuitProof::read(r, shape.circuit())};
}

SpongeProof prove(const SpongeShape& shape, const SpongeSlots& slots,
                  const sumcheck::BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                  const std::string& prefix) {
  const Poseidon2CircuitShape circuit = shape.circuit();
  const std::span<const Goldilocks> inputs(witness.data() + slots.inputs, circuit.state_size());
  return {prove(circuit, inputs, slots.pads, witness, transcript, prefix).proof};
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
  const Poseidon2CircuitShape circuit = shape.circuit();
  const auto claims = verify(circuit, proof.circuit, slots.pads, transcript, prefix, cs);
  settle_claims(cs, claims, circuit, slots.inputs, slots.outputs);

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
  const auto state_lane = [&](Slot tensor, std::size_t j, std::size_t b) {
    Form f;
    f.add_term(lane_slot(tensor, shape, j, b), Challenge::one());
    return f;
  };

  for (std::size_t b = 0; b < shape.permutations(); ++b) {
    for (std::size_t j = 0; j < kLanes; ++j) {
      // What permutation b's input lane j must be: the previous output (or
      // the initial state) plus the absorbed block on the rate lanes.
      Form expected;
      if (b > 0) {
        expected = state_lane(slots.outputs, j, b - 1);
      } else if (j == Sponge::kRate) {
        expected =
            Form::constant_value(Challenge(Goldilocks::from_canonical(statement.domain_tag)));
      }
      if (j < Sponge::kRate) expected += block_element(b * Sponge::kRate + j);
      cs.require_equal(state_lane(slots.inputs, j, b), std::move(expected));
    }
  }
  for (std::size_t j = 0; j < statement.digest.size(); ++j) {
    cs.require_equal(state_lane(slots.outputs, j, shape.permutations() - 1),
                     Form::constant_value(Challenge(statement.digest[j])));
  }
  for (std::size_t b = shape.permutations(); b < circuit.instances(); ++b) {
    for (std::size_t j = 0; j < kLanes; ++j) {
      cs.require_zero(state_lane(slots.inputs, j, b));
      cs.require_equal(state_lane(slots.outputs, j, b),
                       Form::constant_value(Challenge(permutation_of_zero()[j])));
    }
  }
}

double soundness_error(const SpongeShape& shape) {
  return soundness_error(shape.circuit());
}

}  // namespace zkinfer::gkr
