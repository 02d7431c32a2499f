// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "poly/multilinear.hpp"
#include "sumcheck/sumcheck.hpp"

// Layered GKR for sums of fractions (Papini-Haboeck, eprint 2023/1284, §3),
// with every message padded (docs/zero-knowledge.md). docs/lookup.md has the
// protocol, the index conventions and the soundness terms.
//
// A fraction tree keeps each entry as a numerator/denominator pair, so
// building it needs no inversion: entry x of layer k is the sum of entries 2x
// and 2x+1 of layer k+1, (p0 q1 + p1 q0) / (q0 q1). Several trees are proven
// together aligned at the root: layer k of every tree has 2^k entries, so one
// sumcheck over k variables serves every tree that is still deeper than k,
// and all of them share the claim point.
namespace zkinfer::lookup {

template <field::Field E>
struct Fractions {
  std::vector<E> p, q;
};

// The verifier's view of one fraction: linear forms over committed slots.
template <field::Field E>
struct FractionClaim {
  sumcheck::LinearForm<E> p, q;
};

// layers[k] holds the 2^k entries of layer k; layers[depth] are the leaves.
template <field::Field E>
std::vector<Fractions<E>> build_layers(Fractions<E> leaves) {
  const unsigned depth = poly::log2_exact(leaves.p.size());
  if (leaves.q.size() != leaves.p.size()) fail("fraction tree: numerator/denominator mismatch");
  std::vector<Fractions<E>> layers(depth + 1);
  layers[depth] = std::move(leaves);
  for (unsigned k = depth; k-- > 0;) {
    const Fractions<E>& below = layers[k + 1];
    Fractions<E>& out = layers[k];
    const std::size_t size = std::size_t{1} << k;
    out.p.resize(size);
    out.q.resize(size);
#pragma omp parallel for schedule(static) if (size >= 4096)
    for (std::size_t x = 0; x < size; ++x) {
      const E q0 = below.q[2 * x], q1 = below.q[2 * x + 1];
      out.p[x] = below.p[2 * x] * q1 + below.p[2 * x + 1] * q0;
      out.q[x] = q0 * q1;
    }
  }
  return layers;
}

// eq(a, b) = prod_i (a_i b_i + (1 - a_i)(1 - b_i)), in O(len) for the verifier.
template <field::Field E>
E eq_eval(std::span<const E> a, std::span<const E> b) {
  E acc = E::one();
  for (std::size_t i = 0; i < a.size(); ++i) {
    const E ab = a[i] * b[i];
    acc *= ab + ab + E::one() - a[i] - b[i];
  }
  return acc;
}

// The depths of the trees proven together (any may be 0: its root is its leaf).
struct GkrShape {
  std::vector<unsigned> depths;

  unsigned num_layers() const {
    return depths.empty() ? 0 : *std::max_element(depths.begin(), depths.end());
  }
  // Trees whose layer k+1 exists: they take part in the sumcheck of layer k.
  std::vector<std::size_t> active(unsigned layer) const {
    std::vector<std::size_t> out;
    for (std::size_t t = 0; t < depths.size(); ++t) {
      if (depths[t] > layer) out.push_back(t);
    }
    return out;
  }
};

namespace detail {

inline std::string layer_prefix(const std::string& prefix, unsigned layer) {
  return prefix + "layer" + std::to_string(layer) + "/";
}

}  // namespace detail

// The sumcheck reducing layer k to layer k+1 for `active` trees, batched by
// powers of lambda: sum over active trees a of lambda^(2a) (p_a + lambda q_a),
//   p(r) = sum_x eq(r, x) [P0(x) Q1(x) + P1(x) Q0(x)],  q(r) = sum_x eq(r, x) Q0(x) Q1(x),
// where P0/P1 (Q0/Q1) are the even/odd entries of layer k+1. Table 0 is eq
// (public); tree a owns tables 1 + 4a + {0, 1, 2, 3} = P0, P1, Q0, Q1.
template <field::Field E>
sumcheck::SumcheckShape<E> layer_shape(unsigned layer, std::size_t active, const E& lambda) {
  sumcheck::SumcheckShape<E> shape;
  shape.num_vars = layer;
  shape.num_tables = 1 + 4 * active;
  shape.table_is_public.assign(shape.num_tables, false);
  shape.table_is_public[0] = true;
  E weight = E::one();
  for (std::size_t a = 0; a < active; ++a) {
    const std::size_t f = 1 + 4 * a;
    shape.terms.push_back({weight, {0, f, f + 3}});
    shape.terms.push_back({weight, {0, f + 1, f + 2}});
    shape.terms.push_back({weight * lambda, {0, f + 2, f + 3}});
    weight *= lambda * lambda;
  }
  return shape;
}

// Pad placement depends only on the table structure, not on lambda.
template <field::Field E>
sumcheck::SumcheckShape<E> layer_structure(const GkrShape& shape, unsigned layer) {
  return layer_shape<E>(layer, shape.active(layer).size(), E::one());
}

template <field::Field E>
std::vector<sumcheck::SumcheckPads<E>> allocate_gkr_pads(sumcheck::WitnessLayout& layout,
                                                         const GkrShape& shape) {
  std::vector<sumcheck::SumcheckPads<E>> pads;
  for (unsigned k = 0; k < shape.num_layers(); ++k) {
    pads.push_back(sumcheck::allocate_pads(layout, layer_structure<E>(shape, k)));
  }
  return pads;
}

template <field::Field E>
void fill_gkr_pads(sumcheck::BaseWitness<E>& witness, const GkrShape& shape,
                   const std::vector<sumcheck::SumcheckPads<E>>& pads) {
  for (unsigned k = 0; k < shape.num_layers(); ++k) {
    sumcheck::fill_pads(witness, layer_structure<E>(shape, k), pads[k]);
  }
}

template <field::Field E>
void append_gkr_schema(hash::TranscriptSchema& schema, const std::string& prefix,
                       const GkrShape& shape) {
  for (unsigned k = 0; k < shape.num_layers(); ++k) {
    const std::string p = detail::layer_prefix(prefix, k);
    schema.squeeze(p + "lambda", hash::ValueType::field<E>());
    sumcheck::append_schema(schema, p, layer_structure<E>(shape, k));
    schema.squeeze(p + "rho", hash::ValueType::field<E>());
  }
}

template <field::Field E>
std::vector<sumcheck::SumcheckProof<E>> read_gkr_proof(ByteReader& r, const GkrShape& shape) {
  std::vector<sumcheck::SumcheckProof<E>> layers;
  for (unsigned k = 0; k < shape.num_layers(); ++k) {
    layers.push_back(sumcheck::SumcheckProof<E>::read(r, layer_structure<E>(shape, k)));
  }
  return layers;
}

template <field::Field E>
struct GkrProverOutput {
  std::vector<sumcheck::SumcheckProof<E>> layers;
  std::vector<std::vector<E>> leaf_points;  // per tree
};

// Prover: `trees[t]` are the layers of tree t as built by build_layers. The
// claims on the roots must already be in the transcript.
template <field::Field E>
GkrProverOutput<E> prove_layers(const GkrShape& shape,
                                const std::vector<std::vector<Fractions<E>>>& trees,
                                const std::vector<sumcheck::SumcheckPads<E>>& pads,
                                const sumcheck::BaseWitness<E>& witness,
                                hash::Transcript& transcript, const std::string& prefix) {
  GkrProverOutput<E> out;
  out.leaf_points.resize(trees.size());
  std::vector<E> point;
  for (unsigned k = 0; k < shape.num_layers(); ++k) {
    const std::string p = detail::layer_prefix(prefix, k);
    const std::vector<std::size_t> active = shape.active(k);
    const E lambda = transcript.challenge<E>(p + "lambda");
    std::vector<sumcheck::Table<E>> tables;
    tables.push_back(sumcheck::Table<E>::eq(point));
    for (std::size_t t : active) {
      const Fractions<E>& below = trees[t][k + 1];
      for (const std::vector<E>* v : {&below.p, &below.q}) {
        std::vector<E> even(v->size() / 2), odd(v->size() / 2);
#pragma omp parallel for schedule(static) if (even.size() >= 4096)
        for (std::size_t x = 0; x < even.size(); ++x) {
          even[x] = (*v)[2 * x];
          odd[x] = (*v)[2 * x + 1];
        }
        tables.push_back(std::move(even));
        tables.push_back(std::move(odd));
      }
    }
    auto layer = sumcheck::prove(layer_shape(k, active.size(), lambda), std::move(tables), pads[k],
                                 witness, transcript, p);
    point = std::move(layer.point);
    point.push_back(transcript.challenge<E>(p + "rho"));
    out.layers.push_back(std::move(layer.proof));
    for (std::size_t t : active) {
      if (shape.depths[t] == k + 1) out.leaf_points[t] = point;
    }
  }
  return out;
}

template <field::Field E>
struct LeafClaim {
  std::vector<E> point;
  FractionClaim<E> value;
};

// Verifier: reduces the claims on the roots (one per tree) to claims on the
// leaves of each tree at its own point; appends every sumcheck's constraints.
template <field::Field E>
std::vector<LeafClaim<E>> verify_layers(const GkrShape& shape, std::vector<FractionClaim<E>> roots,
                                        const std::vector<sumcheck::SumcheckProof<E>>& proof,
                                        const std::vector<sumcheck::SumcheckPads<E>>& pads,
                                        hash::Transcript& transcript, const std::string& prefix,
                                        sumcheck::ConstraintSystem<E>& cs) {
  using Form = sumcheck::LinearForm<E>;
  if (proof.size() != shape.num_layers()) fail("fraction GKR proof: wrong number of layers");
  std::vector<LeafClaim<E>> leaves(roots.size());
  for (std::size_t t = 0; t < roots.size(); ++t) {
    if (shape.depths[t] == 0) leaves[t] = {{}, roots[t]};
  }
  std::vector<FractionClaim<E>> claims = std::move(roots);
  std::vector<E> point;
  for (unsigned k = 0; k < shape.num_layers(); ++k) {
    const std::string p = detail::layer_prefix(prefix, k);
    const std::vector<std::size_t> active = shape.active(k);
    const E lambda = transcript.challenge<E>(p + "lambda");
    Form claim;
    E weight = E::one();
    for (std::size_t t : active) {
      claim += claims[t].p.scaled(weight);
      claim += claims[t].q.scaled(weight * lambda);
      weight *= lambda * lambda;
    }
    const std::function<E(std::size_t, const std::vector<E>&)> eq_at =
        [&point](std::size_t, const std::vector<E>& s) { return eq_eval<E>(point, s); };
    const auto layer = sumcheck::verify(layer_shape(k, active.size(), lambda), claim, proof[k],
                                        pads[k], eq_at, transcript, p, cs);
    const E rho = transcript.challenge<E>(p + "rho");
    // The next claim is the multilinear extension in the last variable:
    // v(s, rho) = v(s, 0) + rho (v(s, 1) - v(s, 0)).
    const auto at_rho = [&rho](const Form& lo, const Form& hi) {
      Form out = lo;
      out += hi.scaled(rho);
      out -= lo.scaled(rho);
      return out;
    };
    point = layer.point;
    point.push_back(rho);
    for (std::size_t a = 0; a < active.size(); ++a) {
      const auto& e = layer.table_evaluations;
      const std::size_t f = 1 + 4 * a;
      claims[active[a]] = {at_rho(e[f], e[f + 1]), at_rho(e[f + 2], e[f + 3])};
      if (shape.depths[active[a]] == k + 1) leaves[active[a]] = {point, claims[active[a]]};
    }
  }
  return leaves;
}

}  // namespace zkinfer::lookup
