// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "field/extension.hpp"
#include "field/small_prime.hpp"
#include "hash/sha256.hpp"
#include "hash/transcript.hpp"
#include "sumcheck/constraints.hpp"

// The polynomial commitment as the rest of the prover sees it.
//
// In zkinfer's padded-transcript zero knowledge (docs/zero-knowledge.md) every
// check the verifier would make becomes a linear or quadratic constraint over
// one committed vector of Goldilocks elements (weights, input, pads). So the
// interface is not "open a polynomial at a point" but "commit to a vector,
// then prove in zero knowledge that these linear forms vanish on it and the
// layout's quadratic relations hold". A multilinear evaluation claim on a
// committed tensor is one such linear form (mle_evaluation_claim below).
// ZK-Ligero (ligero.hpp) implements it; a WHIR/BaseFold v2 can too.
//
// The interface is a template on the challenge field E (the committed
// vector lives in its base field E::Base); production uses E = GF(p^2) over
// Goldilocks, the names without "Basic" below.
namespace zkinfer::pcs {

using field::Goldilocks;
// Every challenge and constraint coefficient lives in GF(p^2).
using Challenge = field::GoldilocksExt2;
// The challenge field of the soundness experiments (docs/ligero.md): E = F =
// GF(257), so small that a cheat needing a challenge to hit a root succeeds
// measurably often. The templates of this module are instantiated for it
// next to Challenge.
using TinyChallenge = field::SmallPrime<257>;
using sumcheck::Slot;
using sumcheck::WitnessLayout;
using LinearForm = sumcheck::LinearForm<Challenge>;
using Constraints = sumcheck::ConstraintSystem<Challenge>;

// The public commitment: a Merkle root. The witness size it commits to is
// fixed by the public layout, not by the root.
struct Commitment {
  hash::Digest root;
  bool operator==(const Commitment&) const = default;
};

// What the prover keeps from commit to prove (the encoded witness and its
// randomness). Secret; consumed by the single proof it may be used for.
class ProverData {
 public:
  virtual ~ProverData() = default;
};

struct CommitResult {
  Commitment commitment;
  std::unique_ptr<ProverData> prover_data;
};

template <field::Field E>
class BasicPolynomialCommitment {
 public:
  using Base = typename E::Base;

  virtual ~BasicPolynomialCommitment() = default;

  // Transcript steps, for the schema both sides build: those of
  // absorb_commitment (to place right after the commitment is made, before
  // any challenge the committed data must not depend on), and those of
  // prove/verify (to place where the constraints are final).
  virtual void schema_commitment(hash::TranscriptSchema& schema) const = 0;
  // The proof's steps depend on the layout (its number of rows).
  virtual void schema_proof(hash::TranscriptSchema& schema, const WitnessLayout& layout) const = 0;

  // Commits to `witness`, of layout.size() elements satisfying nothing yet:
  // the constraints come later. Randomness from the OS CSPRNG.
  virtual CommitResult commit(std::span<const Base> witness, const WitnessLayout& layout) const = 0;

  virtual void absorb_commitment(const Commitment& commitment,
                                 hash::Transcript& transcript) const = 0;

  // Proves that every form of `constraints` vanishes on the committed
  // witness and that the layout's quadratic constraints hold. Consumes the
  // prover data: a second proof from one commitment would reveal more of the
  // encoded witness than its zero knowledge allows. A false statement yields
  // a proof that verify rejects. Throws Error on constraints naming slots
  // outside the layout.
  virtual Bytes prove(std::unique_ptr<ProverData> prover_data,
                      const sumcheck::ConstraintSystem<E>& constraints,
                      hash::Transcript& transcript) const = 0;

  // True iff `proof` shows the constraints hold for the committed witness.
  // Returns false on a failed check; throws Error on malformed input
  // (unparseable proof, slots outside the layout). Never crashes.
  virtual bool verify(const Commitment& commitment, const WitnessLayout& layout,
                      const sumcheck::ConstraintSystem<E>& constraints, ByteSpan proof,
                      hash::Transcript& transcript) const = 0;
};

using PolynomialCommitment = BasicPolynomialCommitment<Challenge>;

// The linear form  sum_x eq(point, x) * w[first + x]  -  claimed  over the
// 2^n slots [first, first + 2^n) holding a committed tensor in multilinear
// table order (variable 0 = most significant index bit, poly/multilinear.hpp),
// for point in E^n. It vanishes iff the tensor's multilinear extension at
// `point` equals `claimed` (a padded value, i.e. itself a form over pads).
// O(2^n): one eq table.
LinearForm mle_evaluation_claim(Slot first, std::span<const Challenge> point,
                                const LinearForm& claimed);
// The same from the point's eq table, for several tensors claimed at one point.
LinearForm mle_evaluation_claim_from_eq(Slot first, std::span<const Challenge> eq,
                                        const LinearForm& claimed);

// SHA-256 over a canonical encoding of the layout (size, quadratic
// constraints) and every linear form: what a proof binds into its transcript
// before its first challenge, so that constants chosen by the prover (padded
// claims) cannot be adapted to the challenges. Throws Error on a slot outside
// the layout. Instantiated for Challenge and TinyChallenge.
template <field::Field E>
hash::Digest statement_digest(const WitnessLayout& layout,
                              const sumcheck::ConstraintSystem<E>& constraints);

}  // namespace zkinfer::pcs
