// SPDX-License-Identifier: Apache-2.0
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <vector>

#include "hash/poseidon2.hpp"

namespace {

using zkinfer::field::Goldilocks;

// Each permutation consumes the previous output, so the figure is latency (one permutation at a
// time on one core), the cost a sequential sponge sees.
template <std::size_t Width>
void BM_Poseidon2Permute(benchmark::State& state) {
  std::array<Goldilocks, Width> s;
  for (std::size_t i = 0; i < Width; ++i) s[i] = Goldilocks::from_u64(i);
  for (auto _ : state) {
    zkinfer::hash::poseidon2_permute(s);
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Poseidon2Permute<8>)->Name("BM_Poseidon2Permute/width:8");
BENCHMARK(BM_Poseidon2Permute<12>)->Name("BM_Poseidon2Permute/width:12");

void BM_Poseidon2Compress(benchmark::State& state) {
  zkinfer::hash::Poseidon2Digest left{}, right{};
  right[0] = Goldilocks::one();
  for (auto _ : state) {
    left = zkinfer::hash::poseidon2_compress(left, right);
    benchmark::DoNotOptimize(left);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Poseidon2Compress);

// Sponge throughput in input elements per second (width 12, rate 8).
void BM_Poseidon2Hash(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<Goldilocks> input(n);
  for (std::size_t i = 0; i < n; ++i) input[i] = Goldilocks::from_u64(i * 0x9e3779b97f4a7c15ULL);
  for (auto _ : state) {
    benchmark::DoNotOptimize(zkinfer::hash::poseidon2_hash(input, 0));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Poseidon2Hash)->Arg(1 << 16);

}  // namespace

BENCHMARK_MAIN();
