// SPDX-License-Identifier: Apache-2.0
// ZK-Ligero: commit, prove (responses + column openings) and verify for 2^20
// and 2^22 committed elements, on 1 and 2 OpenMP threads, with the default
// parameters. The statement is what the model prover produces: one
// multilinear evaluation claim over the whole vector, a few sparse forms and
// 4096 quadratic constraints (products of pads).
// Run with --benchmark_repetitions=3 --benchmark_report_aggregates_only=true.

#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "pcs/ligero.hpp"
#include "poly/multilinear.hpp"

namespace {

using zkinfer::Bytes;
using zkinfer::ByteSpan;
using zkinfer::pcs::Challenge;
using zkinfer::pcs::Goldilocks;
using zkinfer::pcs::Ligero;
using zkinfer::pcs::LinearForm;

constexpr std::size_t kQuadratic = 4096;

struct Instance {
  zkinfer::pcs::WitnessLayout layout;
  std::vector<Goldilocks> witness;
  zkinfer::pcs::Constraints constraints;
};

Instance make_instance(unsigned log_n) {
  std::mt19937_64 rng(log_n);
  const std::size_t n = std::size_t{1} << log_n, base = n - kQuadratic;
  Instance in;
  in.layout.allocate(base);
  in.witness.resize(n);
  for (std::size_t i = 0; i < base; ++i) in.witness[i] = Goldilocks::sample(rng);
  for (std::size_t i = 0; i < kQuadratic; ++i) {
    const std::size_t x = rng() % base, y = rng() % base, z = in.layout.allocate(1);
    in.witness[z] = in.witness[x] * in.witness[y];
    in.layout.add_quadratic({x, y, z});
  }
  std::vector<Challenge> point(log_n);
  for (auto& r : point) r = Challenge::sample(rng);
  const Challenge value = zkinfer::poly::evaluate_mle<Challenge>(
      std::span<const Goldilocks>(in.witness), std::span<const Challenge>(point));
  in.constraints.require_zero(
      zkinfer::pcs::mle_evaluation_claim(0, point, LinearForm::constant_value(value)));
  for (int c = 0; c < 16; ++c) {
    LinearForm form;
    for (int j = 0; j < 4; ++j) form.add_term(rng() % n, Challenge::sample(rng));
    form.constant = -form.evaluate(in.witness);
    in.constraints.require_zero(std::move(form));
  }
  return in;
}

const Instance& instance(unsigned log_n) {
  static std::map<unsigned, Instance> cache;
  auto it = cache.find(log_n);
  if (it == cache.end()) it = cache.emplace(log_n, make_instance(log_n)).first;
  return it->second;
}

ByteSpan text(const char* s) {
  return {reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)};
}

zkinfer::hash::TranscriptSchema schema(const Ligero& ligero,
                                       const zkinfer::pcs::WitnessLayout& layout) {
  zkinfer::hash::TranscriptSchema s("zkinfer-ligero-bench/v1");
  ligero.schema_commitment(s);
  ligero.schema_proof(s, layout);
  return s;
}

// Arguments: log2 of the committed elements, OpenMP threads.
const Instance& setup(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(1)));
  return instance(static_cast<unsigned>(state.range(0)));
}

void BM_LigeroCommit(benchmark::State& state) {
  const Instance& in = setup(state);
  const Ligero ligero;
  for (auto _ : state) {
    zkinfer::pcs::CommitResult c = ligero.commit(in.witness, in.layout);
    benchmark::DoNotOptimize(c.commitment.root.bytes.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(in.witness.size()));
}

// Everything after the commitment: the three responses, the queries and
// the opened columns with their Merkle proof.
void BM_LigeroProve(benchmark::State& state) {
  const Instance& in = setup(state);
  const Ligero ligero;
  const auto s = schema(ligero, in.layout);
  std::size_t proof_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    zkinfer::pcs::CommitResult c = ligero.commit(in.witness, in.layout);
    zkinfer::hash::Transcript t(s, text("bench"), text("default"));
    ligero.absorb_commitment(c.commitment, t);
    state.ResumeTiming();
    const Bytes proof = ligero.prove(std::move(c.prover_data), in.constraints, t);
    proof_bytes = proof.size();
  }
  state.counters["proof_bytes"] = static_cast<double>(proof_bytes);
}

void BM_LigeroVerify(benchmark::State& state) {
  const Instance& in = setup(state);
  const Ligero ligero;
  const auto s = schema(ligero, in.layout);
  zkinfer::pcs::CommitResult c = ligero.commit(in.witness, in.layout);
  zkinfer::hash::Transcript pt(s, text("bench"), text("default"));
  ligero.absorb_commitment(c.commitment, pt);
  const Bytes proof = ligero.prove(std::move(c.prover_data), in.constraints, pt);
  for (auto _ : state) {
    zkinfer::hash::Transcript t(s, text("bench"), text("default"));
    ligero.absorb_commitment(c.commitment, t);
    if (!ligero.verify(c.commitment, in.layout, in.constraints, proof, t)) {
      state.SkipWithError("proof rejected");
      return;
    }
  }
  state.counters["proof_bytes"] = static_cast<double>(proof.size());
}

void sizes_and_threads(benchmark::internal::Benchmark* b) {
  b->ArgNames({"log_n", "threads"});
  for (int log_n : {20, 22}) {
    for (int threads : {1, 2}) b->Args({log_n, threads});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_LigeroCommit)->Apply(sizes_and_threads);
BENCHMARK(BM_LigeroProve)->Apply(sizes_and_threads);
BENCHMARK(BM_LigeroVerify)->Apply(sizes_and_threads);

}  // namespace

BENCHMARK_MAIN();
