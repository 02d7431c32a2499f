// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: parse and verify a padded sumcheck proof. Invariants: no
// crash or undefined behaviour on any input, and no proof other than the
// honest one is accepted.
#include "field/extension.hpp"
#include "fuzz_input.hpp"
#include "poly/multilinear.hpp"
#include "sumcheck/sumcheck.hpp"
#include "support/rng.hpp"

namespace {

using zkinfer::Bytes;
using E = zkinfer::field::GoldilocksExt2;
namespace sc = zkinfer::sumcheck;

struct Fixture {
  sc::SumcheckShape<E> shape;
  std::vector<std::vector<E>> tables;
  sc::WitnessLayout layout;
  sc::SumcheckPads<E> pads;
  sc::BaseWitness<E> witness;
  zkinfer::hash::TranscriptSchema schema{"sumcheck-fuzz/v1"};
  E sum;
  Bytes honest;

  Fixture() {
    zkinfer::testing::TestRng rng(42);
    shape.num_vars = 3;
    shape.num_tables = 3;
    shape.table_is_public = {true, false, false};
    shape.terms = {{E::one(), {0, 1, 2}}, {E::from_u64(2), {1}}};
    std::vector<E> z;
    for (unsigned i = 0; i < shape.num_vars; ++i) z.push_back(E::sample(rng));
    tables.push_back(zkinfer::poly::eq_table<E>(z));
    for (int t = 0; t < 2; ++t) {
      std::vector<E> table(8);
      for (auto& v : table) v = E::sample(rng);
      tables.push_back(table);
    }
    sum = E::zero();
    for (std::size_t x = 0; x < 8; ++x) {
      sum += tables[0][x] * tables[1][x] * tables[2][x] + E::from_u64(2) * tables[1][x];
    }
    pads = sc::allocate_pads(layout, shape);
    // Deterministic pads so that a crashing input reproduces.
    witness.resize(layout.size());
    for (auto& w : witness) w = zkinfer::field::Goldilocks::sample(rng);
    for (const auto& gadget : pads.product_gadgets) gadget.fill(witness);
    sc::append_schema(schema, "sc/", shape);
    zkinfer::hash::Transcript t(schema, {}, {});
    zkinfer::ByteWriter w;
    sc::prove(shape, tables, pads, witness, t, "sc/").proof.write(w);
    honest = w.take();
  }

  bool verify(const Bytes& bytes) const {
    zkinfer::ByteReader r(bytes);
    const auto proof = sc::SumcheckProof<E>::read(r, shape);
    r.expect_end("sumcheck proof");
    zkinfer::hash::Transcript t(schema, {}, {});
    sc::ConstraintSystem<E> cs;
    const auto eq_at = [&](std::size_t, const std::vector<E>& r_point) {
      return zkinfer::poly::evaluate_mle<E, E>(tables[0], r_point);
    };
    const auto out =
        sc::verify(shape, sc::LinearForm<E>::constant_value(sum), proof, pads,
                   std::function<E(std::size_t, const std::vector<E>&)>(eq_at), t, "sc/", cs);
    for (std::size_t j = 1; j < tables.size(); ++j) {
      cs.require_equal(out.table_evaluations[j],
                       sc::LinearForm<E>::constant_value(
                           zkinfer::poly::evaluate_mle<E, E>(tables[j], out.point)));
    }
    return cs.holds_for(witness, layout);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Fixture fixture;
  return zkinfer::fuzzing::check_verifier(fixture, data, size);
}
