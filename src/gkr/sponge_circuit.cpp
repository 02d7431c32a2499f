// SPDX-License-Identifier: Apache-2.0
#include "gkr/sponge_circuit.hpp"

#include <algorithm>
#include <bit>
#include <string>

#include "pcs/coordinates.hpp"
#include "poly/multilinear.hpp"

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

// Where each permutation's output state is, computed once per fill, prove or
// verify.
class OutputIndex {
 public:
  OutputIndex(const SpongeShape& shape, const SpongeSlots& slots)
      : circuits_(shape.circuits()), slots_(slots) {
    if (slots.circuits.size() != circuits_.size()) fail("sponge circuit: slots of another shape");
  }
  std::size_t batch() const {
    std::size_t total = 0;
    for (const auto& c : circuits_) total += c.instances();
    return total;
  }
  Slot slot(std::size_t lane, std::size_t permutation) const {
    for (std::size_t c = 0, first = 0; c < circuits_.size(); first += circuits_[c++].instances()) {
      const std::size_t n = circuits_[c].instances();
      if (permutation - first >= n) continue;
      return slots_.circuits[c].outputs + lane * n + (permutation - first);
    }
    fail("sponge circuit: permutation out of range");
  }
  State output(const sumcheck::BaseWitness<Challenge>& witness, std::size_t permutation) const {
    State s;
    for (std::size_t j = 0; j < kLanes; ++j) s[j] = witness.at(slot(j, permutation));
    return s;
  }

 private:
  std::vector<Poseidon2CircuitShape> circuits_;
  const SpongeSlots& slots_;
};

// The commitment preimage (hash::commitment_preimage) with the "10*" pad and
// the zeros after it: one block of kRate elements per permutation.
std::vector<Goldilocks> padded_sponge_input(const SpongeShape& shape,
                                            std::vector<Goldilocks> preimage) {
  preimage.push_back(Goldilocks::one());
  preimage.resize(shape.permutations() * Sponge::kRate);
  return preimage;
}

// Permutation b's input: the previous permutation's output (the initial
// state [0, tag, 0, 0, 0] for b = 0) plus block b on the rate lanes; the
// all-zero state for a batch-padding permutation. verify builds the same
// state as linear forms.
State chain_input(const SpongeShape& shape, std::uint64_t domain_tag,
                  std::span<const Goldilocks> padded, std::size_t b, const State& previous_output) {
  State state{};
  if (b >= shape.permutations()) return state;
  if (b == 0) {
    state[Sponge::kRate] = Goldilocks::from_canonical(domain_tag);
  } else {
    state = previous_output;
  }
  for (std::size_t j = 0; j < Sponge::kRate; ++j) state[j] += padded[b * Sponge::kRate + j];
  return state;
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

Slot output_slot(const SpongeShape& shape, const SpongeSlots& slots, std::size_t lane,
                 std::size_t permutation) {
  return OutputIndex(shape, slots).slot(lane, permutation);
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
  if (domain_tag >= Goldilocks::kModulus) fail("sponge circuit fill: domain tag must be below p");
  if (prefix.size() != shape.prefix_length) fail("sponge circuit fill: prefix length mismatch");
  // Packing natively refuses a value outside its range.
  const std::vector<Goldilocks> padded = padded_sponge_input(
      shape, hash::commitment_preimage(salt, prefix, shape.message,
                                       read_values(shape.message, slots.message, witness)));
  for (std::size_t i = 0; i < kSaltLength; ++i) witness.at(slots.salt + i) = salt[i];
  // The same chain as hash::Poseidon2Sponge, one permutation per block, with
  // every output state kept for the circuit.
  const OutputIndex index(shape, slots);
  State state{};
  for (std::size_t b = 0; b < index.batch(); ++b) {
    state = chain_input(shape, domain_tag, padded, b, state);
    if (tamper.input) tamper.input(b, state);
    hash::poseidon2_permute<kLanes>(state);
    for (std::size_t j = 0; j < kLanes; ++j) witness.at(index.slot(j, b)) = state[j];
  }
  const auto circuits = shape.circuits();
  for (std::size_t c = 0; c < circuits.size(); ++c)
    fill_pads(witness, circuits[c], slots.circuits[c].pads);
  // Lanes 0..3 of the last real output (squeezing 4 <= 8 elements needs no
  // further permutation).
  const State last = index.output(witness, shape.permutations() - 1);
  hash::Poseidon2Digest digest;
  std::copy_n(last.begin(), digest.size(), digest.begin());
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

SpongeProof prove(const SpongeShape& shape, const SpongeSlots& slots, std::uint64_t domain_tag,
                  std::span<const Goldilocks> prefix,
                  const sumcheck::BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                  const std::string& label, const SpongeTamper& tamper) {
  shape.validate();
  if (domain_tag >= Goldilocks::kModulus) fail("sponge circuit prove: domain tag must be below p");
  const auto circuits = shape.circuits();
  const OutputIndex index(shape, slots);
  // The packed elements as the circuit sees them: the packing forms on the
  // committed values, whether or not they are in range (the caller's range
  // checks decide that).
  std::vector<Goldilocks> packed;
  for (const Form& element : packed_element_forms(shape.message, slots.message)) {
    packed.push_back(pcs::coordinates_of(element.evaluate(witness))[0]);
  }
  if (prefix.size() != shape.prefix_length) fail("sponge circuit prove: prefix length mismatch");
  hash::CommitmentSalt salt;
  std::copy_n(witness.begin() + static_cast<std::ptrdiff_t>(slots.salt), kSaltLength, salt.begin());
  const std::vector<Goldilocks> padded =
      padded_sponge_input(shape, hash::commitment_preimage(salt, prefix, packed));
  SpongeProof proof;
  for (std::size_t c = 0, first = 0; c < circuits.size(); first += circuits[c++].instances()) {
    // The input states are not committed: each is the chain's affine
    // function of the committed previous output, salt and values.
    const std::size_t n = circuits[c].instances();
    std::vector<Goldilocks> inputs(circuits[c].state_size());
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t b = first + i;
      State state = chain_input(shape, domain_tag, padded, b,
                                b == 0 ? State{} : index.output(witness, b - 1));
      if (tamper.input) tamper.input(b, state);
      for (std::size_t j = 0; j < kLanes; ++j) inputs[j * n + i] = state[j];
    }
    proof.circuits.push_back(prove(circuits[c], inputs, slots.circuits[c].pads, witness, transcript,
                                   circuit_prefix(label, c))
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
  const OutputIndex index(shape, slots);
  const std::vector<Form> packed = packed_element_forms(shape.message, slots.message);
  // form += scale * (block element at sponge-input position q), as a form
  // over committed slots.
  const auto add_block_element = [&](Form& form, std::size_t q, const Challenge& scale) {
    switch (source_of(shape, q)) {
      case Source::kSalt:
        form.add_term(slots.salt + q, scale);
        break;
      case Source::kPrefix:
        form.constant += scale * Challenge(statement.prefix[q - kSaltLength]);
        break;
      case Source::kMessage: {
        const Form& element = packed[q - kSaltLength - shape.prefix_length];
        for (const auto& [slot, coeff] : element.terms) form.add_term(slot, scale * coeff);
        form.constant += scale * element.constant;
        break;
      }
      case Source::kPad:
        form.constant += scale;
        break;
      case Source::kZero:
        break;
    }
  };
  const Challenge tag(Goldilocks::from_canonical(statement.domain_tag));

  for (std::size_t c = 0, first = 0; c < circuits.size(); first += circuits[c++].instances()) {
    const std::size_t n = circuits[c].instances();
    const auto claims = verify(circuits[c], proof.circuits[c], slots.circuits[c].pads, transcript,
                               circuit_prefix(prefix, c), cs);
    settle_state_claim(cs, claims.outputs, circuits[c], slots.circuits[c].outputs);
    // The input claims, settled against the chain's inputs (chain_input) as
    // forms: lane j's multilinear extension at the claim's point is
    // sum_i eq(point, i) * (lane j of permutation first + i's input), and a
    // batch-padding input is zero.
    const std::vector<Challenge> eq = poly::eq_table<Challenge>(claims.inputs.point);
    const std::size_t real = std::min(n, shape.permutations() - first);
    for (std::size_t j = 0; j < kLanes; ++j) {
      Form form = claims.inputs.lanes[j].scaled(-Challenge::one());
      // A message lane's element has up to 7 terms.
      form.terms.reserve(form.terms.size() + real * (j < Sponge::kRate ? 8 : 1));
      for (std::size_t i = 0; i < real; ++i) {
        const std::size_t b = first + i;
        if (b > 0) {
          form.add_term(index.slot(j, b - 1), eq[i]);
        } else if (j == Sponge::kRate) {
          form.constant += eq[i] * tag;
        }
        if (j < Sponge::kRate) add_block_element(form, b * Sponge::kRate + j, eq[i]);
      }
      cs.require_zero(std::move(form));
    }
  }
  for (std::size_t j = 0; j < statement.digest.size(); ++j) {
    Form lane;
    lane.add_term(index.slot(j, shape.permutations() - 1), Challenge::one());
    cs.require_equal(std::move(lane), Form::constant_value(Challenge(statement.digest[j])));
  }
}

double soundness_error(const SpongeShape& shape) {
  double error = 0;
  for (const Poseidon2CircuitShape& c : shape.circuits()) error += soundness_error(c);
  return error;
}

}  // namespace zkinfer::gkr
