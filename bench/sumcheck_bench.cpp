// SPDX-License-Identifier: Apache-2.0
// Padded zero-knowledge sumcheck, prover and verifier, for
// sum_x eq(z, x) * a(x) * b(x) over 2^n terms (degree 3, the matmul shape).
#include <benchmark/benchmark.h>
#include <omp.h>

#include "field/extension.hpp"
#include "poly/multilinear.hpp"
#include "sumcheck/sumcheck.hpp"

namespace {

using E = zkinfer::field::GoldilocksExt2;
namespace sc = zkinfer::sumcheck;

struct Setup {
  sc::SumcheckShape<E> shape;
  std::vector<std::vector<E>> tables;
  sc::WitnessLayout layout;
  sc::SumcheckPads<E> pads;
  sc::BaseWitness<E> witness;
  zkinfer::hash::TranscriptSchema schema{"sumcheck-bench/v1"};

  explicit Setup(unsigned n) {
    shape.num_vars = n;
    shape.num_tables = 3;
    shape.table_is_public = {true, false, false};
    shape.terms = {{E::one(), {0, 1, 2}}};
    std::vector<E> z(n);
    std::uint64_t seed = 1;
    const auto next = [&] { return seed = seed * 6364136223846793005ULL + 1442695040888963407ULL; };
    for (auto& v : z) v = E::sample(next);
    tables.push_back(zkinfer::poly::eq_table<E>(z));
    for (int t = 0; t < 2; ++t) {
      std::vector<E> table(std::size_t{1} << n);
      for (auto& v : table) v = E(zkinfer::field::Goldilocks::sample(next));
      tables.push_back(std::move(table));
    }
    pads = sc::allocate_pads(layout, shape);
    witness.resize(layout.size());
    sc::fill_pads(witness, shape, pads);
    sc::append_schema(schema, "sc/", shape);
  }
};

void BM_SumcheckProve(benchmark::State& state) {
  const Setup setup(static_cast<unsigned>(state.range(0)));
  omp_set_num_threads(static_cast<int>(state.range(1)));
  for (auto _ : state) {
    state.PauseTiming();
    auto tables = setup.tables;  // prove folds its tables in place
    zkinfer::hash::Transcript t(setup.schema, {}, {});
    state.ResumeTiming();
    benchmark::DoNotOptimize(
        sc::prove(setup.shape, std::move(tables), setup.pads, setup.witness, t, "sc/"));
  }
  state.SetItemsProcessed(state.iterations() * (std::int64_t{1} << state.range(0)));
  state.counters["threads"] = static_cast<double>(state.range(1));
}
BENCHMARK(BM_SumcheckProve)
    ->ArgNames({"log_terms", "threads"})
    ->Args({20, 1})
    ->Args({20, 2})
    ->Args({22, 1})
    ->Args({22, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
