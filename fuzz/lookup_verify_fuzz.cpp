// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: parse and verify a LogUp-GKR lookup proof (an 8-bit range
// check of 32 values). Invariants: no crash or undefined behaviour on any
// input, and no proof other than the honest one is accepted. The honest
// proof's pads come from the CSPRNG, so mutations are replayed against a
// fresh honest proof in each process.
#include "field/extension.hpp"
#include "fuzz_input.hpp"
#include "lookup/logup_harness.hpp"

namespace {

using zkinfer::Bytes;
using E = zkinfer::field::GoldilocksExt2;
namespace lk = zkinfer::lookup;

struct Fixture {
  lk::testing::Scenario<E> scenario;
  lk::testing::Run<E> run;
  Bytes honest;

  Fixture()
      : scenario(lk::testing::make_scenario<E>({lk::Table<zkinfer::field::Goldilocks>::range(8)},
                                               {lk::LookupGroup{0, 5}})) {
    zkinfer::testing::TestRng rng(3);
    lk::testing::fill_random_lookups(scenario, rng);
    run = lk::testing::prove_scenario(scenario);
    zkinfer::ByteWriter w;
    run.prover.proof.write(w);
    honest = w.take();
  }

  bool verify(const Bytes& bytes) {
    zkinfer::ByteReader r(bytes);
    const auto proof = lk::LookupProof<E>::read(r, scenario.shape);
    r.expect_end("lookup proof");
    return lk::testing::accepts(scenario, run, proof);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Fixture fixture;
  return zkinfer::fuzzing::check_verifier(fixture, data, size);
}
