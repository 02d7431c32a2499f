// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <vector>

#include "lookup/logup.hpp"
#include "support/rng.hpp"

// Ideal-commitment harness for the lookup tests: the prover's witness is
// the committed vector, and a proof is accepted when the verifier's
// constraints hold on it and its column claims equal the true column MLEs
// (what the caller's settlement would check).
namespace zkinfer::lookup::testing {

using zkinfer::testing::TestRng;

template <class E>
using B = typename E::Base;

template <class E>
struct Scenario {
  LookupShape<E> shape;
  std::vector<GroupColumns<B<E>>> columns;
  // Per table; when unset the honest counts are used.
  std::optional<std::vector<std::vector<B<E>>>> multiplicities;
};

// Tables and groups; multiplicity slots are laid out from slot 0 on.
template <class E>
Scenario<E> make_scenario(std::vector<Table<B<E>>> tables, std::vector<LookupGroup> groups) {
  Scenario<E> s;
  Slot next = 0;
  for (const auto& t : tables) {
    s.shape.multiplicity_slots.push_back(next);
    next += t.size();
  }
  s.shape.tables = std::move(tables);
  s.shape.groups = std::move(groups);
  return s;
}

// Every group looks up uniformly random rows of its table.
template <class E>
void fill_random_lookups(Scenario<E>& s, TestRng& rng) {
  s.columns.clear();
  for (const auto& g : s.shape.groups) {
    const auto& table = s.shape.tables[g.table];
    GroupColumns<B<E>> cols(table.num_columns(), std::vector<B<E>>(std::size_t{1} << g.num_vars));
    for (std::size_t i = 0; i < cols[0].size(); ++i) {
      const std::size_t row = rng.below(table.size());
      for (std::size_t k = 0; k < cols.size(); ++k) cols[k][i] = table.entry(k, row);
    }
    s.columns.push_back(std::move(cols));
  }
}

template <class E>
Table<B<E>> random_table(unsigned num_vars, std::size_t num_columns, TestRng& rng) {
  std::vector<std::vector<B<E>>> cols(num_columns, std::vector<B<E>>(std::size_t{1} << num_vars));
  for (auto& c : cols) {
    for (auto& v : c) v = B<E>::sample(rng);
  }
  return Table<B<E>>::from_columns(std::move(cols));
}

template <class E>
Bytes statement_bytes(const Scenario<E>& s) {
  // Stands in for the commitment to the columns and multiplicities.
  ByteWriter w;
  for (const auto& group : s.columns) {
    for (const auto& column : group) {
      for (const auto& v : column) v.write(w);
    }
  }
  return w.take();
}

template <class E>
hash::TranscriptSchema schema_for(const LookupShape<E>& shape) {
  hash::TranscriptSchema schema("lookup-test/v1");
  append_schema(schema, "lookup/", shape);
  return schema;
}

template <class E>
struct Run {
  WitnessLayout layout;
  LookupPads<E> pads;
  BaseWitness<E> witness;
  LookupProverOutput<E> prover;
  std::vector<hash::Transcript::Event> prover_events, verifier_events;
};

template <class E>
std::size_t multiplicity_slots_end(const LookupShape<E>& shape) {
  std::size_t end = 0;
  for (std::size_t h = 0; h < shape.tables.size(); ++h) {
    end = std::max(end, shape.multiplicity_slots[h] + shape.tables[h].size());
  }
  return end;
}

// Commits the witness (multiplicities, pads) and runs the prover.
template <class E>
Run<E> prove_scenario(const Scenario<E>& s, const TreeTamper<E>& tamper = {}) {
  Run<E> run;
  run.layout.allocate(multiplicity_slots_end(s.shape));
  run.pads = allocate_pads(run.layout, s.shape);
  run.witness.assign(run.layout.size(), B<E>());
  if (s.multiplicities) {
    for (std::size_t h = 0; h < s.shape.tables.size(); ++h) {
      for (std::size_t j = 0; j < (*s.multiplicities)[h].size(); ++j) {
        run.witness.at(s.shape.multiplicity_slots[h] + j) = (*s.multiplicities)[h][j];
      }
    }
  } else {
    fill_multiplicities<E>(run.witness, s.shape, s.columns);
  }
  fill_pads(run.witness, s.shape, run.pads);
  ByteWriter params;
  s.shape.write(params);
  hash::Transcript t(schema_for(s.shape), statement_bytes(s), params.bytes(), true);
  run.prover = prove<E>(s.shape, s.columns, run.pads, run.witness, t, "lookup/", tamper);
  t.finish();
  run.prover_events = t.events();
  return run;
}

// Verifies `proof` against the committed witness of `run`: constraints hold
// and the column claims equal the true MLEs of the scenario's columns.
template <class E>
bool accepts(const Scenario<E>& s, Run<E>& run, const LookupProof<E>& proof) {
  ByteWriter params;
  s.shape.write(params);
  hash::Transcript t(schema_for(s.shape), statement_bytes(s), params.bytes(), true);
  ConstraintSystem<E> cs;
  const LookupClaims<E> claims = verify(s.shape, proof, run.pads, t, "lookup/", cs);
  t.finish();
  run.verifier_events = t.events();
  for (std::size_t g = 0; g < claims.size(); ++g) {
    for (std::size_t k = 0; k < claims[g].columns.size(); ++k) {
      const E truth = poly::evaluate_mle<E, B<E>>(s.columns[g][k], claims[g].point);
      if (!(claims[g].columns[k].evaluate(run.witness) == truth)) return false;
    }
  }
  return cs.holds_for(run.witness, run.layout);
}

template <class E>
bool prove_and_verify(const Scenario<E>& s, const TreeTamper<E>& tamper = {}) {
  Run<E> run = prove_scenario(s, tamper);
  return accepts(s, run, run.prover.proof);
}

// Honest counts per table, skipping rows that are in no table.
template <class E>
std::vector<std::vector<B<E>>> range_counts(const Scenario<E>& s) {
  std::vector<std::vector<B<E>>> counts;
  for (std::size_t h = 0; h < s.shape.tables.size(); ++h) {
    std::vector<std::uint64_t> c(s.shape.tables[h].size(), 0);
    for (std::size_t g = 0; g < s.shape.groups.size(); ++g) {
      if (s.shape.groups[g].table != h) continue;
      for (const auto& v : s.columns[g][0]) {
        if (v.value() < c.size()) ++c[v.value()];
      }
    }
    counts.emplace_back();
    for (std::uint64_t x : c) counts.back().push_back(B<E>::from_u64(x));
  }
  return counts;
}

}  // namespace zkinfer::lookup::testing
