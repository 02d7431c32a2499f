// SPDX-License-Identifier: Apache-2.0
// The Poseidon2 circuit (src/gkr): proving and verifying a batch of N
// width-12 permutations, N = 2^10 and 2^14, with 1 and 2 threads.
//
// prove: the forward trace, the output evaluations and the 60 layer
// sumchecks (pads are drawn outside the timed region, as they are committed
// before proving). verify: the verifier's constraint system, i.e. the 60 layer
// checks and the settlement of the 24 lane claims against the committed
// tensors (the PCS proof of those constraints is measured in ligero_bench).
//
// sponge_commitment_prove / _verify: the in-circuit commitment
// (gkr/sponge_circuit.hpp) over 60,000 int8 values (a LeNet's weights: 8572
// packed elements, 1073 permutations in a batch of 2^11). prove: fill (the
// sponge chain, the committed states and the pads) and the circuit proof;
// verify: the circuit checks, the settlement and the chaining constraints.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdint>
#include <vector>

#include "gkr/poseidon2_circuit.hpp"
#include "gkr/sponge_circuit.hpp"

namespace {

using zkinfer::Bytes;
using zkinfer::ByteWriter;
using zkinfer::field::Goldilocks;
namespace gkr = zkinfer::gkr;
namespace hash = zkinfer::hash;

constexpr std::uint8_t kStatement[] = {'b', 'e', 'n', 'c', 'h'};

struct Instance {
  gkr::Poseidon2CircuitShape shape;
  std::vector<Goldilocks> inputs;
  zkinfer::sumcheck::WitnessLayout layout;
  zkinfer::sumcheck::Slot inputs_first = 0, outputs_first = 0;
  gkr::Poseidon2CircuitPads pads;
  zkinfer::sumcheck::BaseWitness<gkr::Challenge> witness;
  hash::TranscriptSchema schema{"gkr-bench/v1"};
  Bytes params;

  explicit Instance(unsigned log_instances) : shape{log_instances} {
    inputs.resize(shape.state_size());
    std::uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (auto& v : inputs) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      v = Goldilocks::from_u64(x);
    }
    inputs_first = layout.allocate(shape.state_size());
    outputs_first = layout.allocate(shape.state_size());
    pads = gkr::allocate_pads(layout, shape);
    witness.assign(layout.size(), Goldilocks());
    const auto outputs = gkr::compute_trace(shape, inputs).outputs;
    std::copy(inputs.begin(), inputs.end(), witness.begin() + inputs_first);
    std::copy(outputs.begin(), outputs.end(), witness.begin() + outputs_first);
    gkr::fill_pads(witness, shape, pads);
    gkr::append_schema(schema, "p2/", shape);
    ByteWriter w;
    shape.write(w);
    params = w.take();
  }

  gkr::Poseidon2ProverOutput prove() {
    hash::Transcript t(schema, kStatement, params);
    return gkr::prove(shape, inputs, pads, witness, t, "p2/");
  }
};

void BM_Prove(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(1)));
  Instance inst(static_cast<unsigned>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(inst.prove());
  state.SetItemsProcessed(state.iterations() << state.range(0));  // permutations
  ByteWriter w;
  inst.prove().proof.write(w);
  state.counters["proof_bytes"] = static_cast<double>(w.bytes().size());
}
BENCHMARK(BM_Prove)
    ->Name("poseidon2_gkr_prove")
    ->ArgNames({"log_permutations", "threads"})
    ->ArgsProduct({{10, 14}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_Verify(benchmark::State& state) {
  omp_set_num_threads(static_cast<int>(state.range(1)));
  Instance inst(static_cast<unsigned>(state.range(0)));
  const auto proof = inst.prove().proof;
  std::size_t terms = 0;
  for (auto _ : state) {
    hash::Transcript t(inst.schema, kStatement, inst.params);
    zkinfer::pcs::Constraints cs;
    const auto claims = gkr::verify(inst.shape, proof, inst.pads, t, "p2/", cs);
    gkr::settle_claims(cs, claims, inst.shape, inst.inputs_first, inst.outputs_first);
    terms = 0;
    for (const auto& form : cs.linear) terms += form.terms.size();
    benchmark::DoNotOptimize(terms);
  }
  state.SetItemsProcessed(state.iterations() << state.range(0));
  state.counters["linear_terms"] = static_cast<double>(terms);
}
BENCHMARK(BM_Verify)
    ->Name("poseidon2_gkr_verify")
    ->ArgNames({"log_permutations", "threads"})
    ->ArgsProduct({{0, 10, 14}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

struct SpongeInstance {
  gkr::SpongeShape shape{4, {{hash::ValueKind::kInt8, 60000}}};
  zkinfer::sumcheck::WitnessLayout layout;
  gkr::SpongeSlots slots;
  zkinfer::sumcheck::BaseWitness<gkr::Challenge> witness;
  gkr::SpongeStatement statement{hash::kModelCommitmentTag, {}, {}};
  hash::CommitmentSalt salt = hash::draw_commitment_salt();
  hash::TranscriptSchema schema{"gkr-sponge-bench/v1"};
  Bytes params;

  SpongeInstance() {
    const zkinfer::sumcheck::Slot values = layout.allocate(shape.message[0].count);
    slots = gkr::allocate(layout, shape, {{values}});
    witness.assign(layout.size(), Goldilocks());
    std::uint64_t x = 0x9E3779B97F4A7C15ULL;
    for (std::size_t i = 0; i < shape.message[0].count; ++i) {
      x = x * 6364136223846793005ULL + 1442695040888963407ULL;
      witness[values + i] = Goldilocks::from_i64(static_cast<std::int8_t>(x >> 56));
    }
    for (std::uint64_t i = 0; i < shape.prefix_length; ++i) {
      statement.prefix.push_back(Goldilocks::from_u64(i));
    }
    gkr::append_schema(schema, "sponge/", shape);
    ByteWriter w;
    shape.write(w);
    params = w.take();
    statement.digest = fill();
  }

  hash::Poseidon2Digest fill() {
    return gkr::fill(witness, shape, slots, statement.domain_tag, salt, statement.prefix);
  }
  gkr::SpongeProof prove() {
    hash::Transcript t(schema, kStatement, params);
    return gkr::prove(shape, slots, statement.domain_tag, statement.prefix, witness, t, "sponge/");
  }
};

void BM_SpongeProve(benchmark::State& state) {
  omp_set_num_threads(1);
  SpongeInstance inst;
  for (auto _ : state) {
    benchmark::DoNotOptimize(inst.fill());
    benchmark::DoNotOptimize(inst.prove());
  }
  state.SetItemsProcessed(state.iterations() * 60000);  // values
  ByteWriter w;
  inst.prove().write(w);
  state.counters["proof_bytes"] = static_cast<double>(w.bytes().size());
}
BENCHMARK(BM_SpongeProve)
    ->Name("sponge_commitment_prove/int8_values:60000/threads:1")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_SpongeVerify(benchmark::State& state) {
  omp_set_num_threads(1);
  SpongeInstance inst;
  const gkr::SpongeProof proof = inst.prove();
  for (auto _ : state) {
    hash::Transcript t(inst.schema, kStatement, inst.params);
    zkinfer::pcs::Constraints cs;
    gkr::verify(inst.shape, inst.slots, inst.statement, proof, t, "sponge/", cs);
    benchmark::DoNotOptimize(cs.linear.size());
  }
  state.SetItemsProcessed(state.iterations() * 60000);
}
BENCHMARK(BM_SpongeVerify)
    ->Name("sponge_commitment_verify/int8_values:60000/threads:1")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
