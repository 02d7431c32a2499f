// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gkr/message_packing.hpp"
#include "gkr/poseidon2_circuit.hpp"
#include "hash/commitment.hpp"

// A zero-knowledge proof that a public digest is hash::commitment(domain_tag,
// salt, prefix, values) for a committed salt and committed values: the
// Poseidon2 sponge of hash/poseidon2.hpp over salt ‖ prefix ‖ packed message,
// computed in-circuit (model_id and input_commitment, DESIGN §1).
// docs/commitments.md has the construction, the layout and the soundness.
//
// Committed (one ZK-Ligero witness): the 4 salt elements, the output state
// of every permutation (the lane-major tensors of poseidon2_circuit.hpp, one
// per circuit), the circuits' pads, and the values themselves (owned by the
// caller, e.g. the weights). The input states are not committed: each is a
// public affine function of committed slots,
//
//   - permutation 0's input = [block 0, tag, 0, 0, 0] (the initial state);
//   - permutation b's input = permutation b-1's output + block b on the rate
//     lanes 0..7, and = it on the capacity lanes 8..11 (chaining);
//   - blocks: the sponge input salt ‖ prefix ‖ packed message ‖ 1 ‖ 0..0 cut
//     into blocks of 8; salt lanes are salt slots, prefix lanes public
//     constants, message lanes the packing forms over the value slots
//     (message_packing.hpp), the "10*" pad the constant 1;
//   - a batch-padding permutation's input (the N - B unused ones of the last
//     circuit) is the zero state,
//
// so each circuit's input claims (one value per lane at one point) are
// settled by one linear form per lane over the previous outputs, the salt
// and the values, and its output claims against the output tensor. The
// B permutations run in one to three Poseidon2 circuits of power-of-two
// batches, consecutive permutations in consecutive circuits; only the last
// circuit has padding permutations (SpongeShape::circuits). The circuits
// then prove every output the permutation of its input (a padding output is
// therefore P(0)), and one more linear constraint per lane pins the digest:
// lanes 0..3 of the last real permutation's output.
//
// The values must additionally be range-checked by the caller
// (sponge range_checks), which makes the packing injective.
namespace zkinfer::gkr {

// ---- Public shape and statement ----------------------------------------------

// Built from public sizes only: the length of the public prefix and the
// message's segments (kinds and counts).
inline constexpr std::size_t kMaxSpongeCircuits = 3;
// The per-circuit cost (60 layer sumchecks, their pads and proof elements,
// the settlement) in permutations' worth of prover time, measured.
inline constexpr std::size_t kSpongeCircuitCost = 64;

struct SpongeShape {
  std::size_t prefix_length = 0;
  std::vector<hash::MessageSegment> message;

  // Sponge input before padding: salt + prefix + packed message.
  std::size_t absorbed_length() const;
  // Permutations the sponge runs: one per block of 8 absorbed elements,
  // counting the "10*" pad (which always takes a position, so ⌊L/8⌋ + 1).
  std::size_t permutations() const;
  // The circuits, in permutation order: the cheapest of one batch of the
  // next power of two, or the largest powers of two below B followed by the
  // rest rounded up (at most kMaxSpongeCircuits circuits), counting each
  // further circuit as kSpongeCircuitCost permutations of fixed cost. A
  // LeNet's 1073 permutations run as 1024 + 64 instead of 2048.
  std::vector<Poseidon2CircuitShape> circuits() const;
  // Permutations the circuits hold, padding included.
  std::size_t batch() const;
  void validate() const;
  // Canonical encoding for the transcript's parameters.
  void write(ByteWriter& w) const;
};

// Public: the domain tag, the prefix elements and the claimed digest. The
// caller absorbs it (write) into the proof's statement.
struct SpongeStatement {
  std::uint64_t domain_tag = 0;
  std::vector<Goldilocks> prefix;
  hash::Poseidon2Digest digest{};

  void write(ByteWriter& w) const;
};

// ---- Witness layout -------------------------------------------------------------

// One circuit's output state tensor (lane-major, its state_size() slots) and pads.
struct SpongeCircuitSlots {
  Slot outputs = 0;
  Poseidon2CircuitPads pads;
};

struct SpongeSlots {
  Slot salt = 0;                             // kCommitmentSaltElements slots
  std::vector<SpongeCircuitSlots> circuits;  // as SpongeShape::circuits
  MessageSlots message;                      // the caller's value slots
};

// The slot of lane `lane` of permutation `permutation`'s output state.
Slot output_slot(const SpongeShape& shape, const SpongeSlots& slots, std::size_t lane,
                 std::size_t permutation);

// Allocates the salt, the output state tensors and the circuit pads; the values
// live where the caller committed them (`message`, one slot per value).
SpongeSlots allocate(WitnessLayout& layout, const SpongeShape& shape, MessageSlots message);

// The range checks the caller must include in its batched LogUp: every value
// slot with its kind's bit width and offset. Without them the proof does not
// bind the values (message_packing.hpp).
std::vector<RangeCheck> range_checks(const SpongeShape& shape, const SpongeSlots& slots);

// Test-only: a cheating prover's hook, called on each permutation's input
// state (batch padding included) before it is permuted (by fill) and proven
// (by prove, given the same hook); the chain continues from the changed
// state. It runs twice per permutation, so it must not keep state. Never set
// in production.
struct SpongeTamper {
  std::function<void(std::size_t permutation, State& input)> input;
};

// Prover: the values must already be in the witness at their slots. Writes
// the salt, the output state of every permutation and the circuit pads (from
// the CSPRNG). Returns the digest, equal to hash::commitment(tag,
// salt, prefix, values). Throws Error on a value out of its kind's range or
// a prefix of the wrong length.
hash::Poseidon2Digest fill(sumcheck::BaseWitness<Challenge>& witness, const SpongeShape& shape,
                           const SpongeSlots& slots, std::uint64_t domain_tag,
                           const hash::CommitmentSalt& salt, std::span<const Goldilocks> prefix,
                           const SpongeTamper& tamper = {});

// Transcript steps, under `prefix` (those of the Poseidon2 circuit). The
// witness commitment must be absorbed before them.
void append_schema(hash::TranscriptSchema& schema, const std::string& prefix,
                   const SpongeShape& shape);

// ---- Proof ------------------------------------------------------------------------

struct SpongeProof {
  std::vector<Poseidon2CircuitProof> circuits;

  void write(ByteWriter& w) const;
  // Strict: the shape fixes every count; throws Error on truncation or a
  // non-canonical element. Leaves following bytes to the caller.
  static SpongeProof read(ByteReader& r, const SpongeShape& shape);
};

// Prover, after fill and the commitment: the domain tag and prefix are
// fill's; the input states are rebuilt from the committed outputs, salt and
// values. Transcript steps under `label`.
SpongeProof prove(const SpongeShape& shape, const SpongeSlots& slots, std::uint64_t domain_tag,
                  std::span<const Goldilocks> prefix,
                  const sumcheck::BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                  const std::string& label, const SpongeTamper& tamper = {});

// Verifier: runs the circuits' checks, settles their output claims against
// the output tensors and their input claims against the chain's inputs, and
// pins the digest, all as constraints appended to `cs`; the PCS proof of
// `cs` decides. Throws Error if the
// statement does not fit the shape (prefix length, tag >= p).
void verify(const SpongeShape& shape, const SpongeSlots& slots, const SpongeStatement& statement,
            const SpongeProof& proof, hash::Transcript& transcript, const std::string& prefix,
            pcs::Constraints& cs);

// The Poseidon2 circuits' soundness errors, summed; the linear
// constraints add nothing (they are settled exactly by the PCS, whose error
// is accounted there). Binding of the values further rests on the range
// checks and on Poseidon2's collision resistance (docs/commitments.md).
double soundness_error(const SpongeShape& shape);

}  // namespace zkinfer::gkr
