// SPDX-License-Identifier: Apache-2.0
// Forward NTT and Reed–Solomon coset LDE throughput per ISA path and thread
// count. Run with --benchmark_repetitions=5 --benchmark_report_aggregates_only=true.

#include <benchmark/benchmark.h>
#include <omp.h>

#include <random>
#include <vector>

#include "base/cpu_features.hpp"
#include "poly/ntt.hpp"

namespace {

using zkinfer::Isa;
using zkinfer::field::Goldilocks;

std::vector<Goldilocks> random_vector(std::size_t n) {
  std::mt19937_64 rng(1);
  std::vector<Goldilocks> v(n);
  for (auto& x : v) x = Goldilocks::sample(rng);
  return v;
}

// Arguments: log2 size, Isa, OpenMP threads.
bool setup(benchmark::State& state, Isa& isa) {
  isa = static_cast<Isa>(state.range(1));
  if (!zkinfer::cpu_supports(isa)) {
    state.SkipWithError("ISA not available on this CPU");
    return false;
  }
  omp_set_num_threads(static_cast<int>(state.range(2)));
  state.SetLabel(zkinfer::isa_name(isa));
  return true;
}

void BM_Ntt(benchmark::State& state) {
  Isa isa;
  if (!setup(state, isa)) return;
  std::vector<Goldilocks> values = random_vector(std::size_t{1} << state.range(0));
  for (auto _ : state) {
    zkinfer::poly::ntt(values, isa);
    benchmark::DoNotOptimize(values.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(values.size()));
}

// Rate-1/4 codeword (log_blowup 2) as in Ligero; items are codeword symbols.
void BM_CosetLde(benchmark::State& state) {
  Isa isa;
  if (!setup(state, isa)) return;
  constexpr unsigned kLogBlowup = 2;
  const std::vector<Goldilocks> coeffs = random_vector(std::size_t{1} << state.range(0));
  for (auto _ : state) {
    std::vector<Goldilocks> codeword =
        zkinfer::poly::coset_lde(coeffs, kLogBlowup, zkinfer::poly::kDefaultCosetShift, isa);
    benchmark::DoNotOptimize(codeword.data());
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<std::int64_t>(coeffs.size() << kLogBlowup));
}

// The same into a preallocated codeword: no allocation or page faults.
void BM_CosetLdeInto(benchmark::State& state) {
  Isa isa;
  if (!setup(state, isa)) return;
  constexpr unsigned kLogBlowup = 2;
  const std::vector<Goldilocks> coeffs = random_vector(std::size_t{1} << state.range(0));
  std::vector<Goldilocks> codeword(coeffs.size() << kLogBlowup);
  for (auto _ : state) {
    zkinfer::poly::coset_lde(coeffs, codeword, zkinfer::poly::kDefaultCosetShift, isa);
    benchmark::DoNotOptimize(codeword.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(codeword.size()));
}

void isa_and_thread_args(benchmark::internal::Benchmark* b, std::initializer_list<int> log_sizes) {
  b->ArgNames({"log_n", "isa", "threads"});
  for (int log_n : log_sizes) {
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
      for (int threads : {1, 2}) b->Args({log_n, static_cast<int>(isa), threads});
    }
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_Ntt)->Apply([](auto* b) { isa_and_thread_args(b, {16, 20, 22}); });
BENCHMARK(BM_CosetLde)->Apply([](auto* b) { isa_and_thread_args(b, {20}); });
BENCHMARK(BM_CosetLdeInto)->Apply([](auto* b) { isa_and_thread_args(b, {20}); });

}  // namespace

BENCHMARK_MAIN();
