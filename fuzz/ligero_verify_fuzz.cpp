// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: parse and verify a ZK-Ligero proof of linear and
// quadratic constraints over a small committed witness. Invariants: no crash
// or undefined behaviour on any input, and no proof other than the honest
// one is accepted. The commitment's randomness is fixed so inputs reproduce.
#include "fuzz_input.hpp"
#include "pcs/ligero.hpp"
#include "support/rng.hpp"

namespace {

using zkinfer::Bytes;
namespace pcs = zkinfer::pcs;
using zkinfer::field::Goldilocks;

struct Fixture {
  pcs::Ligero ligero{pcs::LigeroOptions{4, pcs::kDefaultLigeroLogRateInv, 8}};
  pcs::WitnessLayout layout;
  std::vector<Goldilocks> witness;
  pcs::Constraints constraints;
  zkinfer::hash::TranscriptSchema schema{"ligero-fuzz/v1"};
  pcs::Commitment commitment;
  Bytes honest;

  Fixture() {
    zkinfer::testing::TestRng rng(5);
    layout.allocate(12);
    witness.resize(12);
    for (auto& w : witness) w = Goldilocks::sample(rng);
    witness[2] = witness[0] * witness[1];
    layout.add_quadratic({0, 1, 2});
    // sum_j c_j w_j - (its value) = 0
    pcs::LinearForm form;
    for (pcs::Slot j = 0; j < 12; ++j) form.add_term(j, pcs::Challenge::sample(rng));
    form.constant = -form.evaluate(witness);
    constraints.require_zero(form);
    ligero.schema_commitment(schema);
    ligero.schema_proof(schema, layout);

    zkinfer::hash::Transcript t(schema, {}, {});
    auto committed =
        ligero.commit_with_randomness(witness, layout, [&](std::span<std::uint8_t> out) {
          for (auto& b : out) b = static_cast<std::uint8_t>(rng());
        });
    commitment = committed.commitment;
    ligero.absorb_commitment(commitment, t);
    honest = ligero.prove(std::move(committed.prover_data), constraints, t);
  }

  bool verify(const Bytes& bytes) const {
    zkinfer::hash::Transcript t(schema, {}, {});
    ligero.absorb_commitment(commitment, t);
    return ligero.verify(commitment, layout, constraints, bytes, t);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  return zkinfer::fuzzing::check_verifier(fixture, data, size);
}
