// SPDX-License-Identifier: Apache-2.0
//
// SHA-256 and Merkle kernels. Every benchmark takes the implementation as
// its first argument (0 = portable, 1 = SHA-NI) and calls it explicitly, so
// both paths are measured in one run whatever ZKINFER_ISA says. Throughput is
// reported as items/s = SHA-256 compressions per second.
//
//   build/<dir>/bench/hash_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true

#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstddef>
#include <span>
#include <vector>

#include "field/goldilocks.hpp"
#include "hash/merkle.hpp"
#include "hash/sha256.hpp"

namespace zkinfer::hash {
namespace {

using field::Goldilocks;

// False (and the benchmark marked skipped) when the CPU cannot run `impl`.
bool select_impl(benchmark::State& state, Sha256Impl& impl) {
  impl = state.range(0) == 0 ? Sha256Impl::kPortable : Sha256Impl::kShaNi;
  state.SetLabel(sha256_impl_name(impl));
  if (sha256_impl_available(impl)) return true;
  state.SkipWithError("CPU has no SHA-NI");
  return false;
}

std::vector<Digest> pseudo_random_digests(std::size_t n) {
  std::vector<Digest> out(n);
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (auto& d : out) {
    for (auto& b : d.bytes) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      b = static_cast<std::uint8_t>(x);
    }
  }
  return out;
}

// Latency of one node hash: each compression consumes the previous output.
void BM_CompressLatency(benchmark::State& state) {
  Sha256Impl impl;
  if (!select_impl(state, impl)) return;
  Digest acc = pseudo_random_digests(1)[0];
  const Digest other = pseudo_random_digests(2)[1];
  for (auto _ : state) {
    acc = compress(acc, other, impl);
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CompressLatency)->ArgName("shani")->Arg(0)->Arg(1);

// compress_pairs on an L2-resident batch; with 2 threads each takes half.
void BM_CompressPairs(benchmark::State& state) {
  Sha256Impl impl;
  if (!select_impl(state, impl)) return;
  const int threads = static_cast<int>(state.range(1));
  constexpr std::size_t kPairs = std::size_t{1} << 14;
  const std::vector<Digest> children = pseudo_random_digests(2 * kPairs);
  std::vector<Digest> parents(kPairs);
  omp_set_num_threads(threads);
  for (auto _ : state) {
#pragma omp parallel
    {
      const auto t = static_cast<std::size_t>(omp_get_thread_num());
      const auto nt = static_cast<std::size_t>(omp_get_num_threads());
      const std::size_t begin = kPairs * t / nt, end = kPairs * (t + 1) / nt;
      compress_pairs(std::span(children).subspan(2 * begin, 2 * (end - begin)),
                     std::span(parents).subspan(begin, end - begin), impl);
    }
    benchmark::DoNotOptimize(parents.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kPairs));
}
BENCHMARK(BM_CompressPairs)
    ->ArgNames({"shani", "threads"})
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->UseRealTime();

constexpr std::size_t kMerkleLeaves = std::size_t{1} << 20;

// The internal nodes only, from precomputed leaf digests.
void BM_MerkleTreeFromDigests(benchmark::State& state) {
  Sha256Impl impl;
  if (!select_impl(state, impl)) return;
  omp_set_num_threads(static_cast<int>(state.range(1)));
  const std::vector<Digest> leaves = pseudo_random_digests(kMerkleLeaves);
  for (auto _ : state) {
    const MerkleTree tree(leaves, impl);
    benchmark::DoNotOptimize(tree.root());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kMerkleLeaves - 1));
}
BENCHMARK(BM_MerkleTreeFromDigests)
    ->ArgNames({"shani", "threads"})
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// A full commitment: salted leaf hashes of one Goldilocks element each (one
// compression per leaf) plus the internal nodes. The leaf digest buffer is
// reused across commitments, as a prover can (the tree copies it).
void BM_MerkleCommitGoldilocks(benchmark::State& state) {
  Sha256Impl impl;
  if (!select_impl(state, impl)) return;
  omp_set_num_threads(static_cast<int>(state.range(1)));
  std::vector<Salt> salts(kMerkleLeaves);
  std::vector<Goldilocks> values(kMerkleLeaves);
  for (std::size_t i = 0; i < kMerkleLeaves; ++i) {
    salts[i] = draw_salt();
    values[i] = Goldilocks::from_u64(i * 0x9e3779b97f4a7c15ULL);
  }
  std::vector<Digest> leaves(kMerkleLeaves);
  for (auto _ : state) {
    hash_field_leaves<Goldilocks>(salts, values, 1, leaves, impl);
    const MerkleTree tree(leaves, impl);
    benchmark::DoNotOptimize(tree.root());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(2 * kMerkleLeaves - 1));
}
BENCHMARK(BM_MerkleCommitGoldilocks)
    ->ArgNames({"shani", "threads"})
    ->ArgsProduct({{0, 1}, {1, 2}})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace zkinfer::hash

BENCHMARK_MAIN();
