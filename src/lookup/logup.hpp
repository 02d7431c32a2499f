// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "lookup/concatenation.hpp"
#include "lookup/fraction_gkr.hpp"
#include "lookup/table.hpp"

// LogUp-GKR lookups into fixed public tables with committed multiplicities,
// zero-knowledge through padded messages. Protocol, batching, padding and
// soundness: docs/lookup.md.
//
// Statement: every row of every lookup group (columns a_1..a_c of 2^n rows,
// witness data whose multilinear-extension claims the caller settles) is a
// row of the group's public table. With challenges alpha, beta and C the
// largest column count, a row compresses to
//   v = sum_k beta^k a_k + beta^C * id        (id = the table's index)
// and the proof shows, with committed multiplicities m,
//   sum_{lookup rows i} 1 / (alpha - v_i) = sum_{table rows j} m_j / (alpha - t_j)
// by two fraction trees (lookups; tables) proven with layered GKR.
namespace zkinfer::lookup {

using sumcheck::BaseWitness;
using sumcheck::ConstraintSystem;
using sumcheck::ExtSlots;
using sumcheck::LinearForm;
using sumcheck::Slot;
using sumcheck::WitnessLayout;

// 2^num_vars lookups into tables[table].
struct LookupGroup {
  std::size_t table = 0;
  unsigned num_vars = 0;
};

// The lookup columns of one group: [column][row].
template <class B>
using GroupColumns = std::vector<std::vector<B>>;

// The public shape of one lookup argument, known to both sides.
template <field::Field E>
struct LookupShape {
  using Base = typename E::Base;
  std::vector<Table<Base>> tables;  // table h has id h
  std::vector<LookupGroup> groups;
  // m_h[j] is committed at multiplicity_slots[h] + j (a base-field count).
  std::vector<Slot> multiplicity_slots;

  void validate() const {
    if (tables.empty() || groups.empty()) fail("lookup shape: no tables or no lookups");
    if (multiplicity_slots.size() != tables.size())
      fail("lookup shape: one multiplicity slot range per table");
    for (const auto& g : groups) {
      if (g.table >= tables.size()) fail("lookup shape: group refers to a missing table");
    }
    // The LogUp identity implies inclusion only below the characteristic
    // (Haboeck 2022, Lemma 5); the bound also keeps counts from wrapping.
    if (lookup_side().depth() >= 48 || num_lookups() >= Base::kModulus)
      fail("lookup shape: too many lookups for the field");
  }

  std::size_t max_columns() const {
    std::size_t c = 0;
    for (const auto& t : tables) c = std::max(c, t.num_columns());
    return c;
  }
  std::size_t num_lookups() const {
    std::size_t n = 0;
    for (const auto& g : groups) n += std::size_t{1} << g.num_vars;
    return n;
  }
  std::size_t num_column_evaluations() const {
    std::size_t n = 0;
    for (const auto& g : groups) n += tables[g.table].num_columns();
    return n;
  }
  // Leaves of the lookup tree: the groups, concatenated.
  Concatenation lookup_side() const {
    std::vector<unsigned> sizes;
    for (const auto& g : groups) sizes.push_back(g.num_vars);
    return Concatenation(std::move(sizes));
  }
  // Leaves of the table tree: the tables, concatenated.
  Concatenation table_side() const {
    std::vector<unsigned> sizes;
    for (const auto& t : tables) sizes.push_back(t.num_vars());
    return Concatenation(std::move(sizes));
  }
  GkrShape gkr() const { return {{lookup_side().depth(), table_side().depth()}}; }

  // Canonical encoding for the transcript's parameters: the tables are part
  // of the statement.
  void write(ByteWriter& w) const {
    w.u32(static_cast<std::uint32_t>(tables.size()));
    for (const auto& t : tables) t.write(w);
    w.u32(static_cast<std::uint32_t>(groups.size()));
    for (const auto& g : groups) {
      w.u64(g.table);
      w.u32(g.num_vars);
    }
    for (Slot s : multiplicity_slots) w.u64(s);
  }
};

inline constexpr std::size_t kLookupTree = 0;
inline constexpr std::size_t kTableTree = 1;

// Where the pads live: the roots of both trees, the two pad products of the
// root check, the GKR layers, and the column evaluations.
template <field::Field E>
struct LookupPads {
  struct Fraction {
    ExtSlots p, q;
  };
  std::array<Fraction, 2> roots;                 // per tree
  std::array<sumcheck::ExtProduct<E>, 2> cross;  // pad(p_L) pad(q_T), pad(p_T) pad(q_L)
  std::vector<sumcheck::SumcheckPads<E>> layers;
  std::vector<std::vector<ExtSlots>> columns;  // [group][column]
};

template <field::Field E>
LookupPads<E> allocate_pads(WitnessLayout& layout, const LookupShape<E>& shape) {
  shape.validate();
  LookupPads<E> pads;
  for (auto& root : pads.roots) root = {layout.allocate_ext<E>(), layout.allocate_ext<E>()};
  const auto& [lookups, table] = pads.roots;
  pads.cross = {sumcheck::ExtProduct<E>::allocate(layout, lookups.p, table.q),
                sumcheck::ExtProduct<E>::allocate(layout, table.p, lookups.q)};
  pads.layers = allocate_gkr_pads<E>(layout, shape.gkr());
  for (const auto& g : shape.groups) {
    pads.columns.emplace_back();
    for (std::size_t k = 0; k < shape.tables[g.table].num_columns(); ++k) {
      pads.columns.back().push_back(layout.allocate_ext<E>());
    }
  }
  return pads;
}

// Prover: draw every pad from the CSPRNG and fill the pad products.
template <field::Field E>
void fill_pads(BaseWitness<E>& witness, const LookupShape<E>& shape, const LookupPads<E>& pads) {
  for (const auto& root : pads.roots) {
    sumcheck::draw_pad<E>(witness, root.p);
    sumcheck::draw_pad<E>(witness, root.q);
  }
  for (const auto& product : pads.cross) product.fill(witness);
  fill_gkr_pads(witness, shape.gkr(), pads.layers);
  for (const auto& group : pads.columns) {
    for (ExtSlots s : group) sumcheck::draw_pad<E>(witness, s);
  }
}

// Transcript steps, under `prefix`. The committed witness (columns and
// multiplicities) must be absorbed before them: alpha and beta come first.
template <field::Field E>
void append_schema(hash::TranscriptSchema& schema, const std::string& prefix,
                   const LookupShape<E>& shape) {
  schema.squeeze(prefix + "alpha", hash::ValueType::field<E>());
  schema.squeeze(prefix + "beta", hash::ValueType::field<E>());
  schema.absorb(prefix + "roots", hash::ValueType::field<E>());
  append_gkr_schema<E>(schema, prefix, shape.gkr());
  schema.absorb(prefix + "column-evaluations", hash::ValueType::field<E>());
}

// What the prover sends; every value is padded.
template <field::Field E>
struct LookupProof {
  std::array<E, 4> roots;  // p_L, q_L, p_T, q_T
  std::vector<sumcheck::SumcheckProof<E>> layers;
  std::vector<E> column_evaluations;  // a_gk(r_g), group-major

  void write(ByteWriter& w) const {
    for (const E& v : roots) v.write(w);
    for (const auto& layer : layers) layer.write(w);
    for (const E& v : column_evaluations) v.write(w);
  }
  static LookupProof read(ByteReader& r, const LookupShape<E>& shape) {
    shape.validate();
    LookupProof proof;
    for (E& v : proof.roots) v = E::read(r);
    proof.layers = read_gkr_proof<E>(r, shape.gkr());
    proof.column_evaluations.resize(shape.num_column_evaluations());
    for (E& v : proof.column_evaluations) v = E::read(r);
    return proof;
  }
};

// The claims the caller settles: each group's columns evaluated at a point,
// as values (prover) or as linear forms over the pads (verifier).
template <field::Field E, class V>
struct GroupClaim {
  std::vector<E> point;
  std::vector<V> columns;
};

template <field::Field E>
struct LookupProverOutput {
  LookupProof<E> proof;
  std::vector<GroupClaim<E, E>> claims;
};

template <field::Field E>
using LookupClaims = std::vector<GroupClaim<E, LinearForm<E>>>;

// Test-only: lets a cheating prover rewrite a fraction tree (kLookupTree or
// kTableTree) after it is built, before anything is sent: to lie in one
// layer, or to rebuild the layers above a rewritten one (build_layers) and
// lie consistently from there up. Never set in production.
template <field::Field E>
using TreeTamper = std::function<void(std::size_t tree, std::vector<Fractions<E>>& layers)>;

namespace detail {

// 1, beta, ..., beta^C.
template <field::Field E>
std::vector<E> powers(const E& beta, std::size_t max_columns) {
  std::vector<E> out(max_columns + 1, E::one());
  for (std::size_t k = 1; k < out.size(); ++k) out[k] = out[k - 1] * beta;
  return out;
}

// alpha - v for one row (entry(k) is column k, in E or E::Base).
template <field::Field E, class Entry>
E denominator(const E& alpha, const std::vector<E>& powers, std::size_t columns, std::size_t id,
              const Entry& entry) {
  E v = powers.back() * E::from_u64(id);
  for (std::size_t k = 0; k < columns; ++k) v += powers[k] * entry(k);
  return alpha - v;
}

// Leaves of one side: segment s holds numerator(s, i) / (alpha - v), the tail
// holds 0 / 1 (a zero summand that needs no table row).
template <field::Field E, class Numerator, class Denominator>
Fractions<E> side_leaves(const Concatenation& layout, const Numerator& numerator_at,
                         const Denominator& denominator_at) {
  const std::size_t size = std::size_t{1} << layout.depth();
  Fractions<E> leaves{std::vector<E>(size, E::zero()), std::vector<E>(size, E::one())};
  for (std::size_t s = 0; s < layout.count(); ++s) {
    const std::size_t offset = layout.offset(s);
#pragma omp parallel for schedule(static) if (layout.size(s) >= 4096)
    for (std::size_t i = 0; i < layout.size(s); ++i) {
      leaves.p[offset + i] = numerator_at(s, i);
      leaves.q[offset + i] = denominator_at(s, i);
    }
  }
  return leaves;
}

// The verifier's form of a side's denominator leaf at r:
//   q(r) = 1 - sum_s sel_s + sum_s sel_s (alpha - beta^C id_s - sum_k beta^k values[s][k]).
template <field::Field E>
LinearForm<E> denominator_form(const Concatenation& layout, std::span<const E> r, const E& alpha,
                               const std::vector<E>& powers, const std::vector<std::size_t>& ids,
                               const std::vector<std::vector<LinearForm<E>>>& values) {
  LinearForm<E> out = LinearForm<E>::constant_value(E::one());
  for (std::size_t s = 0; s < layout.count(); ++s) {
    const E sel = layout.selector<E>(s, r);
    out.constant += sel * (alpha - E::one() - powers.back() * E::from_u64(ids[s]));
    for (std::size_t k = 0; k < values[s].size(); ++k) out -= values[s][k].scaled(sel * powers[k]);
  }
  return out;
}

// sent - pad.
template <field::Field E>
LinearForm<E> unpadded(const E& sent, ExtSlots pad) {
  LinearForm<E> f = LinearForm<E>::constant_value(sent);
  f.add_ext(pad, -E::one());
  return f;
}

// (x - pad_x)(y - pad_y) for sent x, y, with pad_x pad_y committed by `product`.
template <field::Field E>
LinearForm<E> padded_product(const E& x, const E& y, const sumcheck::ExtProduct<E>& product) {
  LinearForm<E> f = LinearForm<E>::constant_value(x * y);
  f.add_ext(product.a, -y);
  f.add_ext(product.b, -x);
  f.add_ext(product.c, E::one());
  return f;
}

template <class B>
void check_columns(std::span<const GroupColumns<B>> columns, const std::vector<LookupGroup>& groups,
                   const std::vector<Table<B>>& tables) {
  if (columns.size() != groups.size()) fail("lookup: one set of columns per group");
  for (std::size_t g = 0; g < groups.size(); ++g) {
    if (columns[g].size() != tables[groups[g].table].num_columns())
      fail("lookup: group has the wrong number of columns");
    for (const auto& c : columns[g]) {
      if (c.size() != (std::size_t{1} << groups[g].num_vars)) fail("lookup: column size mismatch");
    }
  }
}

}  // namespace detail

// Prover. The columns and the multiplicities (read from `witness`) must be
// fixed (committed) before the transcript reaches this protocol.
template <field::Field E>
LookupProverOutput<E> prove(const LookupShape<E>& shape,
                            std::span<const GroupColumns<typename E::Base>> columns,
                            const LookupPads<E>& pads, const BaseWitness<E>& witness,
                            hash::Transcript& transcript, const std::string& prefix,
                            const TreeTamper<E>& tamper = {}) {
  shape.validate();
  detail::check_columns(columns, shape.groups, shape.tables);
  const E alpha = transcript.challenge<E>(prefix + "alpha");
  const std::vector<E> powers =
      detail::powers(transcript.challenge<E>(prefix + "beta"), shape.max_columns());

  const Concatenation lookup_side = shape.lookup_side();
  const Concatenation table_side = shape.table_side();
  std::vector<std::vector<Fractions<E>>> trees(2);
  trees[kLookupTree] = build_layers(detail::side_leaves<E>(
      lookup_side, [](std::size_t, std::size_t) { return E::one(); },
      [&](std::size_t g, std::size_t i) {
        const auto& group = columns[g];
        return detail::denominator(alpha, powers, group.size(), shape.groups[g].table,
                                   [&](std::size_t k) { return group[k][i]; });
      }));
  trees[kTableTree] = build_layers(detail::side_leaves<E>(
      table_side,
      [&](std::size_t h, std::size_t j) {
        return field::lift<E>(witness.at(shape.multiplicity_slots[h] + j));
      },
      [&](std::size_t h, std::size_t j) {
        const auto& table = shape.tables[h];
        return detail::denominator(alpha, powers, table.num_columns(), h,
                                   [&](std::size_t k) { return table.entry(k, j); });
      }));
  if (tamper) {
    for (std::size_t t = 0; t < trees.size(); ++t) tamper(t, trees[t]);
  }

  LookupProverOutput<E> out;
  for (std::size_t t = 0; t < trees.size(); ++t) {
    const Fractions<E>& root = trees[t][0];
    out.proof.roots[2 * t] = root.p[0] + sumcheck::read_ext<E>(witness, pads.roots[t].p);
    out.proof.roots[2 * t + 1] = root.q[0] + sumcheck::read_ext<E>(witness, pads.roots[t].q);
  }
  transcript.absorb_field<E>(prefix + "roots", out.proof.roots);

  auto gkr = prove_layers(shape.gkr(), trees, pads.layers, witness, transcript, prefix);
  out.proof.layers = std::move(gkr.layers);

  const std::vector<E>& leaf_point = gkr.leaf_points[kLookupTree];
  for (std::size_t g = 0; g < shape.groups.size(); ++g) {
    GroupClaim<E, E> claim;
    const auto local = lookup_side.local_point<E>(g, leaf_point);
    claim.point.assign(local.begin(), local.end());
    for (std::size_t k = 0; k < columns[g].size(); ++k) {
      claim.columns.push_back(poly::evaluate_mle<E, typename E::Base>(columns[g][k], claim.point));
      out.proof.column_evaluations.push_back(claim.columns.back() +
                                             sumcheck::read_ext<E>(witness, pads.columns[g][k]));
    }
    out.claims.push_back(std::move(claim));
  }
  transcript.absorb_field<E>(prefix + "column-evaluations", out.proof.column_evaluations);
  return out;
}

// Verifier. Appends the root check, the GKR constraints and the leaf checks
// (the table side settled against the public tables and the committed
// multiplicities) to `cs`; returns the column claims the caller settles.
// The check q != 0 on the roots is omitted: its failure is one of the
// (N + T)/|E| events of the soundness bound (docs/lookup.md).
template <field::Field E>
LookupClaims<E> verify(const LookupShape<E>& shape, const LookupProof<E>& proof,
                       const LookupPads<E>& pads, hash::Transcript& transcript,
                       const std::string& prefix, ConstraintSystem<E>& cs) {
  using Form = LinearForm<E>;
  shape.validate();
  if (proof.column_evaluations.size() != shape.num_column_evaluations())
    fail("lookup proof: wrong number of column evaluations");
  const E alpha = transcript.challenge<E>(prefix + "alpha");
  const std::vector<E> powers =
      detail::powers(transcript.challenge<E>(prefix + "beta"), shape.max_columns());
  transcript.absorb_field<E>(prefix + "roots", proof.roots);

  // p_L q_T - p_T q_L = 0: the two sums of fractions are equal.
  const auto& r = proof.roots;
  Form cross = detail::padded_product(r[0], r[3], pads.cross[0]);
  cross -= detail::padded_product(r[2], r[1], pads.cross[1]);
  cs.require_zero(std::move(cross));
  for (const auto& product : pads.cross) product.constrain(cs);

  std::vector<FractionClaim<E>> roots;
  for (std::size_t t = 0; t < 2; ++t) {
    roots.push_back({detail::unpadded(r[2 * t], pads.roots[t].p),
                     detail::unpadded(r[2 * t + 1], pads.roots[t].q)});
  }
  const auto leaves = verify_layers(shape.gkr(), std::move(roots), proof.layers, pads.layers,
                                    transcript, prefix, cs);
  transcript.absorb_field<E>(prefix + "column-evaluations", proof.column_evaluations);

  // Lookup side: numerators 1 on the groups, 0 on the tail; denominators
  // from the sent column evaluations, which become the caller's claims.
  const Concatenation lookup_side = shape.lookup_side();
  const LeafClaim<E>& lookup_leaf = leaves[kLookupTree];
  LookupClaims<E> claims;
  std::vector<std::size_t> group_ids;
  std::vector<std::vector<Form>> group_values;
  E ones = E::zero();
  std::size_t next = 0;
  for (std::size_t g = 0; g < shape.groups.size(); ++g) {
    ones += lookup_side.selector<E>(g, lookup_leaf.point);
    GroupClaim<E, Form> claim;
    const auto local = lookup_side.local_point<E>(g, lookup_leaf.point);
    claim.point.assign(local.begin(), local.end());
    for (ExtSlots pad : pads.columns[g]) {
      claim.columns.push_back(detail::unpadded(proof.column_evaluations[next++], pad));
    }
    group_ids.push_back(shape.groups[g].table);
    group_values.push_back(claim.columns);
    claims.push_back(std::move(claim));
  }
  cs.require_equal(lookup_leaf.value.p, Form::constant_value(ones));
  cs.require_equal(lookup_leaf.value.q,
                   detail::denominator_form<E>(lookup_side, lookup_leaf.point, alpha, powers,
                                               group_ids, group_values));

  // Table side: numerators are the committed multiplicities, denominators
  // the public tables, both evaluated here.
  const Concatenation table_side = shape.table_side();
  const LeafClaim<E>& table_leaf = leaves[kTableTree];
  Form multiplicities;
  std::vector<std::size_t> table_ids;
  std::vector<std::vector<Form>> table_values;
  for (std::size_t h = 0; h < shape.tables.size(); ++h) {
    const E sel = table_side.selector<E>(h, table_leaf.point);
    const auto local = table_side.local_point<E>(h, table_leaf.point);
    const std::vector<E> eq = poly::eq_table<E>(local);
    for (std::size_t j = 0; j < eq.size(); ++j) {
      multiplicities.add_term(shape.multiplicity_slots[h] + j, sel * eq[j]);
    }
    table_ids.push_back(h);
    table_values.emplace_back();
    for (std::size_t k = 0; k < shape.tables[h].num_columns(); ++k) {
      table_values.back().push_back(Form::constant_value(shape.tables[h].evaluate(k, local)));
    }
  }
  cs.require_equal(table_leaf.value.p, std::move(multiplicities));
  cs.require_equal(table_leaf.value.q,
                   detail::denominator_form<E>(table_side, table_leaf.point, alpha, powers,
                                               table_ids, table_values));
  return claims;
}

// Prover helper: counts how often each table row is looked up and writes the
// counts into the committed witness. Fails if a looked-up row is missing from
// its table: an honest prover stops there.
template <field::Field E>
void fill_multiplicities(BaseWitness<E>& witness, const LookupShape<E>& shape,
                         std::span<const GroupColumns<typename E::Base>> columns) {
  using B = typename E::Base;
  shape.validate();
  detail::check_columns(columns, shape.groups, shape.tables);
  struct RowHash {
    std::size_t operator()(const std::vector<std::uint64_t>& row) const {
      std::uint64_t h = 0x9E3779B97F4A7C15ULL;
      for (std::uint64_t v : row) h = (h ^ v) * 0xBF58476D1CE4E5B9ULL;
      return static_cast<std::size_t>(h ^ (h >> 31));
    }
  };
  const auto fill_key = [](std::vector<std::uint64_t>& row, const auto& entry) {
    for (std::size_t k = 0; k < row.size(); ++k) row[k] = entry(k).value();
  };
  for (std::size_t h = 0; h < shape.tables.size(); ++h) {
    const Table<B>& table = shape.tables[h];
    const std::size_t c = table.num_columns();
    std::unordered_map<std::vector<std::uint64_t>, std::size_t, RowHash> index;
    // One key buffer for every looked-up row: a lookup batch has millions.
    std::vector<std::uint64_t> row(c);
    if (!table.is_range()) {
      for (std::size_t j = table.size(); j-- > 0;) {
        fill_key(row, [&](std::size_t k) { return table.entry(k, j); });
        index[row] = j;
      }
    }
    std::vector<std::uint64_t> counts(table.size(), 0);
    for (std::size_t g = 0; g < shape.groups.size(); ++g) {
      if (shape.groups[g].table != h) continue;
      for (std::size_t i = 0; i < columns[g][0].size(); ++i) {
        fill_key(row, [&](std::size_t k) { return columns[g][k][i]; });
        std::size_t j = table.size();
        if (table.is_range()) {
          j = table.generated_row(row);
        } else if (const auto it = index.find(row); it != index.end()) {
          j = it->second;
        }
        if (j == table.size()) fail("lookup: a looked-up row is not in its table");
        ++counts[j];
      }
    }
    for (std::size_t j = 0; j < counts.size(); ++j) {
      witness.at(shape.multiplicity_slots[h] + j) = B::from_u64(counts[j]);
    }
  }
}

// Pads a group's columns to a power of two (at least one row) with copies of
// table row `row`; the copies are counted in the multiplicities like any
// other lookup, so they need no special treatment in the protocol.
template <class B>
GroupColumns<B> pad_lookups(GroupColumns<B> columns, const Table<B>& table, std::size_t row = 0) {
  if (columns.size() != table.num_columns()) fail("lookup: wrong number of columns to pad");
  if (row >= table.size()) fail("lookup: padding row out of range");
  std::size_t target = 1;
  while (target < columns[0].size()) target *= 2;
  for (const auto& column : columns)
    if (column.size() != columns[0].size()) fail("lookup: columns of different lengths");
  for (std::size_t k = 0; k < columns.size(); ++k) columns[k].resize(target, table.entry(k, row));
  return columns;
}

// The soundness error of this argument (docs/lookup.md, "Soundness"),
// excluding the caller's settlement of the column claims:
//   ( d_beta T + (N + T - 1) + sum_k (2 A_k + 3k) ) / |E|
// with N lookups, T table rows, d_beta the degree of the row compression in
// beta, and A_k the trees active in the sumcheck of layer k.
template <field::Field E>
double soundness_error(const LookupShape<E>& shape) {
  shape.validate();
  const double field_size =
      std::pow(static_cast<double>(E::Base::kModulus), static_cast<double>(E::kExtensionDegree));
  double table_rows = 0;
  for (const auto& t : shape.tables) table_rows += static_cast<double>(t.size());
  const std::size_t c = shape.max_columns();
  const double beta_degree = static_cast<double>(shape.tables.size() > 1 ? c : c - 1);
  double events =
      beta_degree * table_rows + static_cast<double>(shape.num_lookups()) + table_rows - 1;
  const GkrShape gkr = shape.gkr();
  for (unsigned k = 0; k < gkr.num_layers(); ++k) {
    events += static_cast<double>(2 * gkr.active(k).size() + 3 * k);
  }
  return events / field_size;
}

}  // namespace zkinfer::lookup
