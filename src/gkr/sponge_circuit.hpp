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
// Committed (one ZK-Ligero witness): the 4 salt elements, the input and
// output state of every permutation (the lane-major tensors of
// poseidon2_circuit.hpp, one pair per circuit), the circuits' pads, and the
// values themselves (owned by the caller, e.g. the weights). The B
// permutations run in one to three Poseidon2 circuits of power-of-two
// batches, consecutive permutations in consecutive circuits; only the last
// circuit has padding permutations (SpongeShape::circuits). Proven: each
// batch by its Poseidon2 circuit (claims settled against its state tensors),
// and by linear constraints:
//
//   - the initial state: permutation 0's input = [block 0, tag, 0, 0, 0];
//   - chaining: permutation b's input = permutation b-1's output + block b on
//     the rate lanes 0..7, and = it on the capacity lanes 8..11;
//   - blocks: the sponge input salt ‖ prefix ‖ packed message ‖ 1 ‖ 0..0 cut
//     into blocks of 8; salt lanes are salt slots, prefix lanes public
//     constants, message lanes the packing forms over the value slots
//     (message_packing.hpp), the "10*" pad the constant 1;
//   - the digest: lanes 0..3 of the last real permutation's output;
//   - padding of the batch: the N - B unused permutations have input 0 and
//     output P(0), both public constants, so they carry no freedom.
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

// One circuit's state tensors (lane-major, its state_size() slots each) and pads.
struct SpongeCircuitSlots {
  Slot inputs = 0;
  Slot outputs = 0;
  Poseidon2CircuitPads pads;
};

struct SpongeSlots {
  Slot salt = 0;                             // kCommitmentSaltElements slots
  std::vector<SpongeCircuitSlots> circuits;  // as SpongeShape::circuits
  MessageSlots message;                      // the caller's value slots
};

enum class StateSide { kInput, kOutput };

// The slot of lane `lane` of permutation `permutation`'s input or output state.
Slot state_slot(const SpongeShape& shape, const SpongeSlots& slots, StateSide side,
                std::size_t lane, std::size_t permutation);

// Allocates the salt, the two state tensors and the circuit pads; the values
// live where the caller committed them (`message`, one slot per value).
SpongeSlots allocate(WitnessLayout& layout, const SpongeShape& shape, MessageSlots message);

// The range checks the caller must include in its batched LogUp: every value
// slot with its kind's bit width and offset. Without them the proof does not
// bind the values (message_packing.hpp).
std::vector<RangeCheck> range_checks(const SpongeShape& shape, const SpongeSlots& slots);

// Test-only: a cheating prover's hook, called on each real permutation's
// input state before it is committed and permuted; the chain continues from
// the changed state. Never set in production.
struct SpongeTamper {
  std::function<void(std::size_t permutation, State& input)> input;
};

// Prover: the values must already be in the witness at their slots. Writes
// the salt, the input and output state of every permutation and the circuit
// pads (from the CSPRNG). Returns the digest, equal to hash::commitment(tag,
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

SpongeProof prove(const SpongeShape& shape, const SpongeSlots& slots,
                  const sumcheck::BaseWitness<Challenge>& witness, hash::Transcript& transcript,
                  const std::string& prefix);

// Verifier: runs the circuit's checks, settles its claims against the state
// tensors and appends the chaining, block, digest and batch-padding
// constraints to `cs`; the PCS proof of `cs` decides. Throws Error if the
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
