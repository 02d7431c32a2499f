// SPDX-License-Identifier: Apache-2.0
// LogUp-GKR on one thread: 2^16 and 2^20 lookups into the 2^16 range table.
// The prover time covers what the prover does after witness generation:
// counting multiplicities, drawing pads, building the trees and proving. The
// verifier time covers building the constraint system (the PCS that proves
// it is measured elsewhere).
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <vector>

#include "field/extension.hpp"
#include "lookup/range_check.hpp"

namespace {

using zkinfer::Bytes;
using zkinfer::ByteWriter;
using zkinfer::field::Goldilocks;
using zkinfer::field::GoldilocksExt2;
namespace lookup = zkinfer::lookup;
namespace hash = zkinfer::hash;
using E = GoldilocksExt2;

constexpr unsigned kTableBits = 16;
constexpr std::uint8_t kStatement[] = {'b', 'e', 'n', 'c', 'h'};

struct Instance {
  lookup::LookupShape<E> shape;
  std::vector<lookup::GroupColumns<Goldilocks>> columns;
  zkinfer::sumcheck::WitnessLayout layout;
  lookup::LookupPads<E> pads;
  zkinfer::sumcheck::BaseWitness<E> witness;
  hash::TranscriptSchema schema{"lookup-bench/v1"};
  Bytes params;

  explicit Instance(unsigned log_lookups) {
    const std::size_t n = std::size_t{1} << log_lookups;
    shape =
        lookup::range_check_shape<E>(n, kTableBits, layout.allocate(std::size_t{1} << kTableBits));
    std::vector<Goldilocks> values(n);
    std::uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (auto& v : values) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      v = Goldilocks::from_u64(x >> (64 - kTableBits));
    }
    columns = lookup::range_check_columns(shape, std::move(values));
    pads = lookup::allocate_pads(layout, shape);
    witness.assign(layout.size(), Goldilocks());
    lookup::append_schema(schema, "lookup/", shape);
    ByteWriter w;
    shape.write(w);
    params = w.take();
  }

  lookup::LookupProverOutput<E> prove() {
    lookup::fill_multiplicities<E>(witness, shape, columns);
    lookup::fill_pads(witness, shape, pads);
    hash::Transcript t(schema, kStatement, params);
    return lookup::prove<E>(shape, columns, pads, witness, t, "lookup/");
  }
};

void BM_LookupProve(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(1)));
  Instance inst(static_cast<unsigned>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(inst.prove());
  state.SetItemsProcessed(state.iterations() << state.range(0));
}
BENCHMARK(BM_LookupProve)
    ->Name("logup_prove/2^16-table")
    ->ArgNames({"log_lookups", "threads"})
    ->ArgsProduct({{16, 20}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_LookupVerify(benchmark::State& state) {
  omp_set_num_threads(1);
  Instance inst(static_cast<unsigned>(state.range(0)));
  const auto proof = inst.prove().proof;
  std::size_t terms = 0;
  for (auto _ : state) {
    hash::Transcript t(inst.schema, kStatement, inst.params);
    zkinfer::sumcheck::ConstraintSystem<E> cs;
    benchmark::DoNotOptimize(lookup::verify(inst.shape, proof, inst.pads, t, "lookup/", cs));
    terms = 0;
    for (const auto& form : cs.linear) terms += form.terms.size();
  }
  state.counters["linear_terms"] = static_cast<double>(terms);
  ByteWriter w;
  proof.write(w);
  state.counters["proof_bytes"] = static_cast<double>(w.bytes().size());
}
BENCHMARK(BM_LookupVerify)
    ->Name("logup_verify/2^16-table/1-thread")
    ->Arg(16)
    ->Arg(20)
    ->ArgName("log_lookups")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
