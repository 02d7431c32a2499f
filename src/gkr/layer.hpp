// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "base/error.hpp"
#include "field/goldilocks_vec.hpp"
#include "lookup/fraction_gkr.hpp"
#include "poly/multilinear.hpp"
#include "sumcheck/sumcheck.hpp"

// One layer of a data-parallel layered circuit (GKR: Goldwasser-Kalai-
// Rothblum 2008; Thaler 2013 for data-parallel circuits), proven with the
// padded sumcheck so that every message is blinded (docs/zero-knowledge.md).
// docs/poseidon2-circuit.md has the protocol and its soundness.
//
// Every wire of the layer is a multilinear table over the same 2^n instances
// (variable 0 = most significant index bit, poly/multilinear.hpp); a gate
// computes, instance by instance, the product of 1 to 3 input wires. Claims
// on the gates' multilinear extensions arrive in groups, one point per group
// (r_p). The layer batches every claim with fresh challenges beta_g into one
// sumcheck
//
//   sum_g beta_g claim_g
//     = sum_x [ sum_{product gates g} beta_g eq(r_{p(g)}, x) prod_{i in g} in_i(x)
//             + sum_{groups p}          eq(r_p, x) T_p(x) ],
//   T_p = sum_{linear gates g in p} beta_g in_{i(g)},
//
// of degree <= 4 per variable (eq counts), and ends with claims on every input
// wire at one new point s. Linear gates (one input: identity wires) are folded
// into one table T_p per group, so carrying many wires through a layer costs
// one sumcheck table instead of one per wire; inputs used only by linear
// gates are then evaluated at s and sent (padded) after the sumcheck, and the
// verifier checks T_p(s) = sum beta_g in_{i(g)}(s), a linear constraint.
namespace zkinfer::gkr {

using sumcheck::BaseWitness;
using sumcheck::ConstraintSystem;
using sumcheck::ExtSlots;
using sumcheck::LinearForm;
using sumcheck::Slot;
using sumcheck::WitnessLayout;

inline constexpr std::size_t kMaxGateInputs = 3;

// An output wire: the product of `inputs` (1..3 input wires, repeats allowed),
// claimed at the point of `group`.
struct Gate {
  std::size_t group = 0;
  std::vector<std::size_t> inputs;
};

// The public shape of one layer, known to both sides.
struct LayerShape {
  unsigned num_vars = 0;
  std::size_t num_groups = 0;
  std::size_t num_inputs = 0;
  std::vector<Gate> gates;

  void validate() const {
    if (num_groups == 0 || gates.empty()) fail("GKR layer shape: no groups or no gates");
    std::vector<bool> used(num_inputs, false), group_used(num_groups, false);
    for (const Gate& g : gates) {
      if (g.group >= num_groups) fail("GKR layer shape: gate group out of range");
      if (g.inputs.empty() || g.inputs.size() > kMaxGateInputs)
        fail("GKR layer shape: a gate multiplies 1 to 3 inputs");
      for (std::size_t i : g.inputs) {
        if (i >= num_inputs) fail("GKR layer shape: gate input out of range");
        used[i] = true;
      }
      group_used[g.group] = true;
    }
    if (std::find(used.begin(), used.end(), false) != used.end())
      fail("GKR layer shape: an input wire feeds no gate");
    if (std::find(group_used.begin(), group_used.end(), false) != group_used.end())
      fail("GKR layer shape: a group has no gate");
  }

  // Inputs of some product gate (sumcheck tables), ascending.
  std::vector<std::size_t> product_inputs() const {
    std::vector<bool> in_product(num_inputs, false);
    for (const Gate& g : gates) {
      if (g.inputs.size() > 1) {
        for (std::size_t i : g.inputs) in_product[i] = true;
      }
    }
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < num_inputs; ++i) {
      if (in_product[i]) out.push_back(i);
    }
    return out;
  }
  // Inputs of linear gates only (evaluated and sent after the sumcheck), ascending.
  std::vector<std::size_t> linear_inputs() const {
    const std::vector<std::size_t> products = product_inputs();
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < num_inputs; ++i) {
      if (!std::binary_search(products.begin(), products.end(), i)) out.push_back(i);
    }
    return out;
  }
  // Groups with at least one linear gate (each owns a table T_p), ascending.
  std::vector<std::size_t> linear_groups() const {
    std::vector<bool> has(num_groups, false);
    for (const Gate& g : gates) {
      if (g.inputs.size() == 1) has[g.group] = true;
    }
    std::vector<std::size_t> out;
    for (std::size_t p = 0; p < num_groups; ++p) {
      if (has[p]) out.push_back(p);
    }
    return out;
  }
  // eq, inputs (times eq): the largest gate plus one.
  unsigned degree() const {
    std::size_t d = 1;
    for (const Gate& g : gates) d = std::max(d, g.inputs.size());
    return static_cast<unsigned>(d + 1);
  }
};

namespace detail {

inline constexpr std::size_t kNoTable = static_cast<std::size_t>(-1);

// Sumcheck table of each input wire (kNoTable for linear-only inputs). Tables:
// [0, G) eq per group, then the product inputs, then T_p per linear group.
inline std::vector<std::size_t> input_tables(const LayerShape& shape) {
  std::vector<std::size_t> table(shape.num_inputs, kNoTable);
  const std::vector<std::size_t> products = shape.product_inputs();
  for (std::size_t k = 0; k < products.size(); ++k) table[products[k]] = shape.num_groups + k;
  return table;
}

// A linear form with its terms sorted by slot and repeated slots merged:
// batching claims that share pads would otherwise multiply the term count.
template <field::Field E>
LinearForm<E> compact(LinearForm<E> form) {
  auto& t = form.terms;
  std::sort(t.begin(), t.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::size_t out = 0;
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (out > 0 && t[out - 1].first == t[i].first) {
      t[out - 1].second += t[i].second;
    } else {
      t[out++] = t[i];
    }
  }
  t.resize(out);
  return form;
}

}  // namespace detail

// The sumcheck a layer runs, with batching coefficients `batch` (one per gate).
// Pad placement depends only on its table structure, so both sides allocate
// pads with all-ones coefficients.
template <field::Field E>
sumcheck::SumcheckShape<E> sumcheck_shape(const LayerShape& shape, std::span<const E> batch) {
  shape.validate();
  if (batch.size() != shape.gates.size()) fail("GKR layer: one batching coefficient per gate");
  const std::vector<std::size_t> table = detail::input_tables(shape);
  const std::vector<std::size_t> linear_groups = shape.linear_groups();
  const std::size_t first_t = shape.num_groups + shape.product_inputs().size();
  sumcheck::SumcheckShape<E> s;
  s.num_vars = shape.num_vars;
  s.num_tables = first_t + linear_groups.size();
  s.table_is_public.assign(s.num_tables, false);
  for (std::size_t p = 0; p < shape.num_groups; ++p) s.table_is_public[p] = true;
  for (std::size_t g = 0; g < shape.gates.size(); ++g) {
    const Gate& gate = shape.gates[g];
    if (gate.inputs.size() == 1) continue;
    sumcheck::ProductTerm<E> term{batch[g], {gate.group}};
    for (std::size_t i : gate.inputs) term.factors.push_back(table[i]);
    s.terms.push_back(std::move(term));
  }
  for (std::size_t k = 0; k < linear_groups.size(); ++k) {
    s.terms.push_back({E::one(), {linear_groups[k], first_t + k}});
  }
  return s;
}

template <field::Field E>
sumcheck::SumcheckShape<E> sumcheck_structure(const LayerShape& shape) {
  const std::vector<E> ones(shape.gates.size(), E::one());
  return sumcheck_shape<E>(shape, ones);
}

// Where a layer's pads live: the sumcheck's, and one per linear-only input.
template <field::Field E>
struct LayerPads {
  sumcheck::SumcheckPads<E> sumcheck;
  std::vector<ExtSlots> linear;
};

template <field::Field E>
LayerPads<E> allocate_layer_pads(WitnessLayout& layout, const LayerShape& shape) {
  LayerPads<E> pads;
  pads.sumcheck = sumcheck::allocate_pads(layout, sumcheck_structure<E>(shape));
  for (std::size_t k = 0, n = shape.linear_inputs().size(); k < n; ++k) {
    pads.linear.push_back(layout.allocate_ext<E>());
  }
  return pads;
}

// Prover: draw the layer's pads from the CSPRNG.
template <field::Field E>
void fill_layer_pads(BaseWitness<E>& witness, const LayerShape& shape, const LayerPads<E>& pads) {
  sumcheck::fill_pads(witness, sumcheck_structure<E>(shape), pads.sumcheck);
  for (ExtSlots s : pads.linear) sumcheck::draw_pad<E>(witness, s);
}

// Transcript steps of one layer, under `prefix`.
template <field::Field E>
void append_layer_schema(hash::TranscriptSchema& schema, const std::string& prefix,
                         const LayerShape& shape) {
  schema.squeeze(prefix + "batch", hash::ValueType::field<E>());
  sumcheck::append_schema(schema, prefix, sumcheck_structure<E>(shape));
  if (!shape.linear_inputs().empty()) {
    schema.absorb(prefix + "linear-evaluations", hash::ValueType::field<E>());
  }
}

// What the prover sends for one layer; every value is padded.
template <field::Field E>
struct LayerProof {
  sumcheck::SumcheckProof<E> sumcheck;
  std::vector<E> linear_evaluations;  // per linear-only input, ascending

  void write(ByteWriter& w) const {
    sumcheck.write(w);
    for (const E& v : linear_evaluations) v.write(w);
  }
  static LayerProof read(ByteReader& r, const LayerShape& shape) {
    LayerProof proof;
    proof.sumcheck = sumcheck::SumcheckProof<E>::read(r, sumcheck_structure<E>(shape));
    proof.linear_evaluations.resize(shape.linear_inputs().size());
    for (E& v : proof.linear_evaluations) v = E::read(r);
    return proof;
  }
};

// Inner products and axpys run in chunks: in parallel, and each chunk
// through the packed GF(p^2)-by-Goldilocks kernels where they exist. Field
// arithmetic is exact, so the result is the same for every thread count.
inline constexpr std::size_t kChunk = 1024;

template <field::Field E, class V>
E dot_chunk(std::span<const E> weights, std::span<const V> values) {
  if constexpr (std::is_same_v<E, field::GoldilocksExt2> && std::is_same_v<V, field::Goldilocks>) {
    return field::vec::dot(weights, values);
  } else {
    E sum = E::zero();
    for (std::size_t x = 0; x < weights.size(); ++x) sum += weights[x] * values[x];
    return sum;
  }
}

// sum_x weights[x] * values[x], values in E or its base field (a base
// value scales an E value at the cost of kExtensionDegree base products).
template <field::Field E, class V>
E inner_product(std::span<const E> weights, std::span<const V> values) {
  if (weights.size() != values.size()) fail("GKR: inner product of different lengths");
  const std::size_t chunks = (weights.size() + kChunk - 1) / kChunk;
  E sum = E::zero();
#pragma omp parallel if (weights.size() >= sumcheck::kParallelThreshold)
  {
    E local = E::zero();
#pragma omp for schedule(static) nowait
    for (std::size_t c = 0; c < chunks; ++c) {
      const std::size_t first = c * kChunk, count = std::min(kChunk, weights.size() - first);
      local += dot_chunk<E, V>(weights.subspan(first, count), values.subspan(first, count));
    }
#pragma omp critical
    sum += local;
  }
  return sum;
}

// t[x] += beta * in[x].
template <field::Field E>
void add_scaled(std::vector<E>& t, const E& beta, std::span<const typename E::Base> in) {
  const std::size_t chunks = (t.size() + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (t.size() >= sumcheck::kParallelThreshold)
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t first = c * kChunk, count = std::min(kChunk, t.size() - first);
    if constexpr (std::is_same_v<E, field::GoldilocksExt2>) {
      field::vec::axpy(std::span(t).subspan(first, count), beta, in.subspan(first, count));
    } else {
      for (std::size_t x = first; x < first + count; ++x) t[x] += beta * in[x];
    }
  }
}

template <field::Field E>
struct LayerProverOutput {
  LayerProof<E> proof;
  std::vector<E> point;   // s
  std::vector<E> inputs;  // in_i(s) for every input wire (unpadded)
};

// Prover. `points[p]` is the point of group p; `inputs[i]` the 2^n values of
// input wire i (read, never copied: they must outlive the call), in the base
// field as every wire of a circuit over witness data is. The claims themselves are not needed: the
// sumcheck recomputes everything from the inputs.
template <field::Field E>
LayerProverOutput<E> prove_layer(const LayerShape& shape, const std::vector<std::vector<E>>& points,
                                 const std::vector<std::span<const typename E::Base>>& inputs,
                                 const LayerPads<E>& pads, const BaseWitness<E>& witness,
                                 hash::Transcript& transcript, const std::string& prefix,
                                 const sumcheck::RoundTamper<E>& tamper = {}) {
  shape.validate();
  const std::size_t size = std::size_t{1} << shape.num_vars;
  if (points.size() != shape.num_groups) fail("GKR layer prove: one point per group");
  for (const auto& p : points) {
    if (p.size() != shape.num_vars) fail("GKR layer prove: point of the wrong dimension");
  }
  if (inputs.size() != shape.num_inputs) fail("GKR layer prove: wrong number of inputs");
  for (const auto& in : inputs) {
    if (in.size() != size) fail("GKR layer prove: input of the wrong size");
  }
  const std::vector<E> batch = transcript.challenges<E>(prefix + "batch", shape.gates.size());

  // T_p: an input may feed both a linear gate and a product gate.
  std::vector<std::vector<E>> linear_tables;
  for (std::size_t p : shape.linear_groups()) {
    std::vector<E> t(size, E::zero());
    for (std::size_t g = 0; g < shape.gates.size(); ++g) {
      const Gate& gate = shape.gates[g];
      if (gate.group != p || gate.inputs.size() != 1) continue;
      add_scaled(t, batch[g], inputs[gate.inputs[0]]);
    }
    linear_tables.push_back(std::move(t));
  }
  std::vector<sumcheck::Table<E>> tables;
  for (const auto& p : points) tables.push_back(sumcheck::Table<E>::eq(p));
  const std::vector<std::size_t> products = shape.product_inputs();
  for (std::size_t i : products) tables.push_back(sumcheck::Table<E>::in_base(inputs[i]));
  for (auto& t : linear_tables) tables.push_back(std::move(t));

  auto sc = sumcheck::prove(sumcheck_shape<E>(shape, batch), std::move(tables), pads.sumcheck,
                            witness, transcript, prefix, tamper);
  LayerProverOutput<E> out;
  out.point = sc.point;
  out.inputs.assign(shape.num_inputs, E::zero());
  const std::vector<std::size_t> table = detail::input_tables(shape);
  for (std::size_t i : products) out.inputs[i] = sc.table_evaluations[table[i]];
  const std::vector<std::size_t> linear = shape.linear_inputs();
  if (!linear.empty()) {
    const std::vector<E> eq = sumcheck::eq_table_parallel<E>(out.point);
    for (std::size_t k = 0; k < linear.size(); ++k) {
      const std::size_t i = linear[k];
      out.inputs[i] = inner_product<E, typename E::Base>(eq, inputs[i]);
      out.proof.linear_evaluations.push_back(out.inputs[i] +
                                             sumcheck::read_ext<E>(witness, pads.linear[k]));
    }
    transcript.absorb_field<E>(prefix + "linear-evaluations", out.proof.linear_evaluations);
  }
  out.proof.sumcheck = std::move(sc.proof);
  return out;
}

// The verifier's result: every input wire's value at `point`, as a linear
// form over committed pads.
template <field::Field E>
struct LayerClaims {
  std::vector<E> point;
  std::vector<LinearForm<E>> inputs;
};

// Verifier. `gate_claims[g]` is the claimed value of gate g at the point of
// its group. Appends the sumcheck's constraints and the T_p checks to `cs`.
template <field::Field E>
LayerClaims<E> verify_layer(const LayerShape& shape, const std::vector<std::vector<E>>& points,
                            const std::vector<LinearForm<E>>& gate_claims,
                            const LayerProof<E>& proof, const LayerPads<E>& pads,
                            hash::Transcript& transcript, const std::string& prefix,
                            ConstraintSystem<E>& cs) {
  shape.validate();
  if (points.size() != shape.num_groups) fail("GKR layer verify: one point per group");
  for (const auto& p : points) {
    if (p.size() != shape.num_vars) fail("GKR layer verify: point of the wrong dimension");
  }
  if (gate_claims.size() != shape.gates.size()) fail("GKR layer verify: one claim per gate");
  const std::vector<std::size_t> linear = shape.linear_inputs();
  if (proof.linear_evaluations.size() != linear.size())
    fail("GKR layer proof: wrong number of linear evaluations");

  const std::vector<E> batch = transcript.challenges<E>(prefix + "batch", shape.gates.size());
  LinearForm<E> claim;
  for (std::size_t g = 0; g < shape.gates.size(); ++g) claim += gate_claims[g].scaled(batch[g]);
  const std::function<E(std::size_t, const std::vector<E>&)> eq_at =
      [&points](std::size_t table, const std::vector<E>& s) {
        return lookup::eq_eval<E>(points.at(table), s);
      };
  const auto sc = sumcheck::verify(sumcheck_shape<E>(shape, batch), detail::compact(claim),
                                   proof.sumcheck, pads.sumcheck, eq_at, transcript, prefix, cs);
  if (!linear.empty()) {
    transcript.absorb_field<E>(prefix + "linear-evaluations", proof.linear_evaluations);
  }

  LayerClaims<E> out;
  out.point = sc.point;
  out.inputs.resize(shape.num_inputs);
  const std::vector<std::size_t> table = detail::input_tables(shape);
  for (std::size_t i : shape.product_inputs()) out.inputs[i] = sc.table_evaluations[table[i]];
  for (std::size_t k = 0; k < linear.size(); ++k) {
    LinearForm<E> v = LinearForm<E>::constant_value(proof.linear_evaluations[k]);
    v.add_ext(pads.linear[k], -E::one());
    out.inputs[linear[k]] = std::move(v);
  }
  // T_p(s) = sum over the linear gates of p of beta_g in_{i(g)}(s).
  const std::vector<std::size_t> linear_groups = shape.linear_groups();
  const std::size_t first_t = shape.num_groups + shape.product_inputs().size();
  for (std::size_t k = 0; k < linear_groups.size(); ++k) {
    LinearForm<E> combined;
    for (std::size_t g = 0; g < shape.gates.size(); ++g) {
      const Gate& gate = shape.gates[g];
      if (gate.group == linear_groups[k] && gate.inputs.size() == 1) {
        combined += out.inputs[gate.inputs[0]].scaled(batch[g]);
      }
    }
    cs.require_equal(sc.table_evaluations[first_t + k], detail::compact(std::move(combined)));
  }
  return out;
}

// Soundness error of one layer: a false claim survives the batching with
// probability 1/|E| (a nonzero linear form in the independent beta_g
// vanishes) and the sumcheck with probability degree * n / |E| (Lund-Fortnow-
// Karloff-Nisan; union bound over the rounds). The T_p checks are exact.
template <field::Field E>
double layer_soundness_error(const LayerShape& shape) {
  shape.validate();
  const double field_size =
      std::pow(static_cast<double>(E::Base::kModulus), static_cast<double>(E::kExtensionDegree));
  return (1.0 + static_cast<double>(shape.degree()) * shape.num_vars) / field_size;
}

}  // namespace zkinfer::gkr
