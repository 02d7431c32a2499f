// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "hash/merkle.hpp"
#include "pcs/ligero_params.hpp"
#include "pcs/pcs.hpp"

// ZK-Ligero (Ames–Hazay–Ishai–Venkitasubramaniam, eprint 2022/1608) in the
// shape Longfellow specifies (google/longfellow-zk docs/specs/ligero.md),
// adapted to NTT domains over Goldilocks and to GF(p^2) challenges.
// Construction, deviations from Longfellow and their reasons, soundness and
// zero knowledge: docs/ligero.md.
//
// Domains: H = <w_BLOCK> holds row messages, H2 = <w_2BLOCK> (H = its even
// powers) holds products of two rows, and codewords are evaluations on the
// coset 7 * <w_N>, N = columns(), which meets neither: an opened column never
// reveals a message symbol.
namespace zkinfer::pcs {

struct LigeroOptions {
  std::size_t queries = kDefaultLigeroQueries;  // NREQ
  unsigned log_rate_inv = kDefaultLigeroLogRateInv;
  // Explicit BLOCK (a power of two above `queries`); 0 = LigeroParams::choose.
  std::size_t block = 0;
};

// A serialized proof, every count fixed by the parameters:
//   ldt       BLOCK elements of E      narrow low-degree response on H
//   wide_ldt  2 BLOCK elements of E    wide low-degree response on H2
//   dot       2 BLOCK elements of E    linear-test response on H2
//   quad      2 BLOCK - WR elements    quadratic-test response on H2 without
//                                      the witness positions (zero by design)
//   columns   NREQ x rows() elements   opened columns, ascending column index
//   salts     NREQ x 32 bytes          their leaf salts
//   merkle    MerkleMultiProof         compressed opening of those leaves
// The last three form the openings, absorbed after the last challenge.
struct LigeroProof {
  std::vector<Challenge> ldt, wide_ldt, dot, quad;
  std::vector<Goldilocks> columns;
  std::vector<hash::Salt> salts;
  hash::MerkleMultiProof merkle;

  void write(ByteWriter& w) const;
  void write_openings(ByteWriter& w) const;
  // Strict: throws Error on truncation, a non-canonical element or an
  // oversized Merkle proof. `read` leaves any following bytes to the caller
  // (a proof may sit inside a larger object); `parse` rejects them.
  static LigeroProof read(ByteReader& r, const LigeroParams& params);
  static LigeroProof parse(ByteSpan bytes, const LigeroParams& params);
};

// Test-only: a cheating prover. Each hook, when set, may change a message
// after the honest prover computed it and before it is absorbed, so the rest
// of the proof follows honest Fiat–Shamir over what was actually sent.
// `columns` edits the opened columns after the Merkle opening was made from
// the committed ones.
struct LigeroTamper {
  std::function<void(std::vector<Challenge>&)> ldt, wide_ldt, dot, quad;
  std::function<void(std::vector<Goldilocks>&)> columns;
};

// Fills its argument with uniform bytes; production uses os_random_bytes.
using RandomBytes = std::function<void(std::span<std::uint8_t>)>;

class Ligero final : public PolynomialCommitment {
 public:
  explicit Ligero(LigeroOptions options = {}) : options_(options) {}

  // The parameters both sides derive from a public layout.
  LigeroParams params_for(const WitnessLayout& layout) const;

  void schema_commitment(hash::TranscriptSchema& schema) const override;
  void schema_proof(hash::TranscriptSchema& schema) const override;
  CommitResult commit(std::span<const Goldilocks> witness,
                      const WitnessLayout& layout) const override;
  void absorb_commitment(const Commitment& commitment, hash::Transcript& transcript) const override;
  Bytes prove(std::unique_ptr<ProverData> prover_data, const Constraints& constraints,
              hash::Transcript& transcript) const override;
  bool verify(const Commitment& commitment, const WitnessLayout& layout,
              const Constraints& constraints, ByteSpan proof,
              hash::Transcript& transcript) const override;

  // Test-only: commit with a caller's randomness source (for reproducible
  // runs, e.g. comparing thread counts). Never use it to make real proofs.
  CommitResult commit_with_randomness(std::span<const Goldilocks> witness,
                                      const WitnessLayout& layout, const RandomBytes& random) const;
  // Test-only: prove as a cheating prover (see LigeroTamper).
  Bytes prove_tampered(std::unique_ptr<ProverData> prover_data, const Constraints& constraints,
                       hash::Transcript& transcript, const LigeroTamper& tamper) const;

 private:
  LigeroOptions options_;
};

}  // namespace zkinfer::pcs
