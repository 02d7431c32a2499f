// SPDX-License-Identifier: Apache-2.0
// Field kernel throughput. Threads(2) runs the same loop on both cores at
// once (each on its own data) and reports the aggregate rate.
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "field/extension.hpp"
#include "field/goldilocks_vec.hpp"

namespace {

using zkinfer::Isa;
using zkinfer::field::Goldilocks;
using zkinfer::field::GoldilocksExt2;

constexpr int kChains = 8;  // independent dependency chains hide multiply latency
constexpr int kStepsPerIteration = 64;

template <class F>
std::array<F, kChains> seeds(std::uint64_t salt) {
  std::array<F, kChains> v;
  for (int i = 0; i < kChains; ++i) v[i] = F::from_u64(0x9E3779B97F4A7C15ULL * (i + salt) + 12345);
  return v;
}

template <class F>
void BM_ScalarMul(benchmark::State& state) {
  auto x = seeds<F>(1);
  const auto y = seeds<F>(100);
  for (auto _ : state) {
    for (int s = 0; s < kStepsPerIteration; ++s) {
      for (int i = 0; i < kChains; ++i) x[i] = x[i] * y[i];
    }
    benchmark::DoNotOptimize(x);
  }
  state.SetItemsProcessed(state.iterations() * kStepsPerIteration * kChains);
}
BENCHMARK(BM_ScalarMul<Goldilocks>)
    ->Name("goldilocks_mul/scalar")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();
BENCHMARK(BM_ScalarMul<GoldilocksExt2>)
    ->Name("ext2_mul/scalar")
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// Element-wise product of two arrays that fit in L1 (2 x 2 KiB in, 2 KiB out).
void BM_PackedMul(benchmark::State& state) {
  const Isa isa = static_cast<Isa>(state.range(0));
  if (!zkinfer::cpu_supports(isa)) {
    state.SkipWithError("CPU lacks this ISA");
    return;
  }
  constexpr std::size_t n = 256;
  std::vector<Goldilocks> a(n), b(n), out(n);
  for (std::size_t i = 0; i < n; ++i) {
    a[i] = Goldilocks::from_u64(i * 0x9E3779B97F4A7C15ULL + 1);
    b[i] = Goldilocks::from_u64(i * 0xBF58476D1CE4E5B9ULL + 7);
  }
  for (auto _ : state) {
    zkinfer::field::vec::mul(isa, out, a, b);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(zkinfer::isa_name(isa));
}
BENCHMARK(BM_PackedMul)
    ->Name("goldilocks_mul/array")
    ->ArgName("isa")
    ->DenseRange(0, 2)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

void BM_Inverse(benchmark::State& state) {
  Goldilocks x = Goldilocks::from_u64(123456789);
  for (auto _ : state) {
    x = x.inverse() + Goldilocks::one();
    benchmark::DoNotOptimize(x);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Inverse)->Name("goldilocks_inverse");

}  // namespace

BENCHMARK_MAIN();
