// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "hash/merkle.hpp"
#include "pcs/ligero_params.hpp"
#include "pcs/pcs.hpp"
#include "poly/ntt.hpp"

// ZK-Ligero (Ames–Hazay–Ishai–Venkitasubramaniam, eprint 2022/1608) in the
// shape Longfellow specifies (google/longfellow-zk docs/specs/ligero.md),
// adapted to NTT domains over Goldilocks and to GF(p^2) challenges.
// Construction, deviations from Longfellow and their reasons, soundness and
// zero knowledge: docs/ligero.md. The scheme is a template on the challenge
// field E (rows over F = E::Base); `Ligero` is the production instance, and
// BasicLigero<TinyChallenge> runs the soundness experiments over GF(257).
//
// Domains: H = <w_BLOCK> holds row messages, H2 = <w_2BLOCK> (H = its even
// powers) holds products of two rows, and codewords are evaluations on the
// coset g * <w_N>, N = columns(), g the generator of F^* (7 for Goldilocks),
// which meets neither: an opened column never reveals a message symbol.
namespace zkinfer::pcs {

struct LigeroOptions {
  std::size_t queries = kDefaultLigeroQueries;  // NREQ
  unsigned log_rate_inv = kDefaultLigeroLogRateInv;
  // Explicit BLOCK (a power of two above `queries`); 0 = LigeroParams::choose.
  std::size_t block = 0;
};

// What ZK-Ligero needs of its challenge field E: E = F or a quadratic
// extension of F = E::Base, and F 2-adic with a generator (poly/ntt.hpp).
template <class E>
concept LigeroChallengeField = field::Field<E> && poly::TwoAdicField<typename E::Base> &&
    (E::kExtensionDegree == 1 || E::kExtensionDegree == 2);

// A serialized proof, every count fixed by the parameters:
//   ldt       BLOCK elements of E      narrow low-degree response on H
//   wide_ldt  2 BLOCK elements of E    wide low-degree response on H2
//   row_sumcheck  2 row_rounds() of E  row-sumcheck messages, padded: per round
//                                      g(0) - pi, g(2) - pi' (docs/ligero.md)
//   dot       2 BLOCK elements of E    linear-test response on H2
//   quad      2 BLOCK - WR elements    quadratic-test response on H2 without
//                                      the witness positions (zero by design)
//   columns   NREQ x rows() elements   opened columns, ascending column index
//                                      (of F)
//   salts     NREQ x 32 bytes          their leaf salts
//   merkle    MerkleMultiProof         compressed opening of those leaves
// The last three form the openings, absorbed after the last challenge.
template <LigeroChallengeField E>
struct BasicLigeroProof {
  using F = typename E::Base;
  std::vector<E> ldt, wide_ldt, row_sumcheck, dot, quad;
  std::vector<F> columns;
  std::vector<hash::Salt> salts;
  hash::MerkleMultiProof merkle;

  void write(ByteWriter& w) const;
  void write_openings(ByteWriter& w) const;
  // Strict: throws Error on truncation, a non-canonical element or an
  // oversized Merkle proof. `read` leaves any following bytes to the caller
  // (a proof may sit inside a larger object); `parse` rejects them.
  static BasicLigeroProof read(ByteReader& r, const LigeroParams& params);
  static BasicLigeroProof parse(ByteSpan bytes, const LigeroParams& params);
};

// What the linear test's response answers: the combination challenges
// alpha, the row sumcheck's point, and the value the response must sum to
// on the witness positions (derived from the sent round messages).
template <class E>
struct LinearTestChallenges {
  std::span<const E> alpha, row_point;
  E witness_sum;
};

// Test-only: a cheating prover. Each hook, when set, may change a message
// after the honest prover computed it and before it is absorbed, so the rest
// of the proof follows honest Fiat–Shamir over what was actually sent. Each
// sees the challenges its message answers, as an adaptive prover would: ldt
// and wide_ldt the low-degree challenges u, row_round (each round's two
// elements) the row challenges drawn before it, dot the linear-test
// challenges, quad u_q, and `columns` the sorted queries (it edits the
// opened columns after the Merkle opening was made from the committed ones).
template <LigeroChallengeField E>
struct BasicLigeroTamper {
  using F = typename E::Base;
  using Response = std::function<void(std::vector<E>& message, std::span<const E> challenges)>;
  Response ldt, wide_ldt, row_round, quad;
  std::function<void(std::vector<E>& message, const LinearTestChallenges<E>& challenges)> dot;
  std::function<void(std::vector<F>& columns, std::span<const std::size_t> queries)> columns;
};

// Fills its argument with uniform bytes; production uses os_random_bytes.
using RandomBytes = std::function<void(std::span<std::uint8_t>)>;

template <LigeroChallengeField E>
class BasicLigero final : public BasicPolynomialCommitment<E> {
 public:
  using F = typename E::Base;
  using Proof = BasicLigeroProof<E>;
  using Tamper = BasicLigeroTamper<E>;
  // Test-only: edits base row `row` of the tableau (its columns() symbols)
  // after encoding and before the Merkle leaves are hashed, so a committed
  // row need not be a codeword.
  using CodewordTamper = std::function<void(std::size_t row, std::span<F> codeword)>;

  explicit BasicLigero(LigeroOptions options = {}) : options_(options) {}

  // The parameters both sides derive from a public layout.
  LigeroParams params_for(const WitnessLayout& layout) const;

  void schema_commitment(hash::TranscriptSchema& schema) const override;
  void schema_proof(hash::TranscriptSchema& schema, const WitnessLayout& layout) const override;
  CommitResult commit(std::span<const F> witness, const WitnessLayout& layout) const override;
  void absorb_commitment(const Commitment& commitment, hash::Transcript& transcript) const override;
  Bytes prove(std::unique_ptr<ProverData> prover_data,
              const sumcheck::ConstraintSystem<E>& constraints,
              hash::Transcript& transcript) const override;
  bool verify(const Commitment& commitment, const WitnessLayout& layout,
              const sumcheck::ConstraintSystem<E>& constraints, ByteSpan proof,
              hash::Transcript& transcript) const override;

  // Test-only: commit with a caller's randomness source (for reproducible
  // runs, e.g. comparing thread counts), optionally committing tampered
  // rows. Never use it to make real proofs.
  CommitResult commit_with_randomness(std::span<const F> witness, const WitnessLayout& layout,
                                      const RandomBytes& random,
                                      const CodewordTamper& tamper = {}) const;
  // Test-only: prove as a cheating prover (see BasicLigeroTamper).
  Bytes prove_tampered(std::unique_ptr<ProverData> prover_data,
                       const sumcheck::ConstraintSystem<E>& constraints,
                       hash::Transcript& transcript, const Tamper& tamper) const;

 private:
  LigeroOptions options_;
};

// Production: Goldilocks rows, GF(p^2) challenges.
using Ligero = BasicLigero<Challenge>;
using LigeroProof = BasicLigeroProof<Challenge>;
using LigeroTamper = BasicLigeroTamper<Challenge>;

// Instantiated in ligero.cpp.
extern template class BasicLigero<Challenge>;
extern template class BasicLigero<TinyChallenge>;
extern template struct BasicLigeroProof<Challenge>;
extern template struct BasicLigeroProof<TinyChallenge>;

}  // namespace zkinfer::pcs
