// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "lookup/logup.hpp"
#include "poly/multilinear.hpp"

// Every range check and function-table lookup of a model in one LogUp-GKR
// argument.
//
// Operators do not run their own lookups: they return requests, and the
// caller proves all of them at once: one range table per distinct width
// (a table of digit pairs when many checks of a narrow width are cheaper
// two per lookup), and one table per function-table request (a quantized activation: rows
// (input index, output)). A requested value is an affine function of one
// committed slot, offset + coefficient * w[slot], so bounds such as
// `hi - y >= 0` or `top limb < 2^b` (as `limb + 2^16 - 2^b < 2^16`) need no
// extra committed advice: the lookup column is never committed, and its
// multilinear-extension claim is settled as a linear form over the slots.
namespace zkinfer::lookup {

// offset + coefficient * w[slot], integers embedded in the field as v mod p.
struct AffineSlotValue {
  Slot slot = 0;
  std::int64_t coefficient = 1;
  std::int64_t offset = 0;
};

// Rows to find in one public table: table column k holds integers, and
// requested row i is (rows[k][i] for every column k).
struct TableLookups {
  std::vector<std::vector<std::int64_t>> table;       // [column][row], 2^m rows
  std::vector<std::vector<AffineSlotValue>> columns;  // [column][request]
};

// A requested value wider than the batch's range tables, committed in limbs:
// offset + coefficient * w[slot] = sum_t 2^(limb_bits * t) limb_t, every limb
// range-checked (the top one to the bits left). With each limb in range the
// sum is an integer in [0, 2^bits) far below p, so the value is too.
struct LimbedValue {
  AffineSlotValue value;
  unsigned bits = 0;
  unsigned limb_bits = 0;
  Slot limbs = 0;

  std::size_t count() const { return (bits + limb_bits - 1) / limb_bits; }
  unsigned width(std::size_t limb) const {
    return std::min<unsigned>(limb_bits, bits - static_cast<unsigned>(limb) * limb_bits);
  }
};

// Values to prove in [0, 2^bits), grouped by width, and table lookups.
class LookupRequests {
 public:
  void add(unsigned bits, AffineSlotValue value) { by_bits_[bits].push_back(value); }
  void add_table(TableLookups lookups) { tables_.push_back(std::move(lookups)); }
  void append(const LookupRequests& other) {
    for (const auto& [bits, values] : other.by_bits_) {
      auto& mine = by_bits_[bits];
      mine.insert(mine.end(), values.begin(), values.end());
    }
    tables_.insert(tables_.end(), other.tables_.begin(), other.tables_.end());
  }
  const std::map<unsigned, std::vector<AffineSlotValue>>& by_bits() const { return by_bits_; }
  const std::vector<TableLookups>& tables() const { return tables_; }
  bool empty() const { return by_bits_.empty() && tables_.empty(); }

  // The widest range table, between `min_bits` and `max_bits`, that makes
  // the range checks cheapest: a table of 2^b rows costs 2^b leaves of the
  // LogUp trees, a width's group its lookups rounded up to a power of two,
  // a limb one committed slot. A few 16-bit checks are cheaper as 8-bit
  // limbs than with a 65,536-row table; many are not.
  unsigned cheapest_table_bits(unsigned min_bits, unsigned max_bits) const {
    unsigned best = max_bits;
    std::size_t best_cost = SIZE_MAX;
    for (unsigned b = max_bits; b >= min_bits; --b) {
      std::map<unsigned, std::size_t> lookups;
      std::size_t limbs = 0;
      for (const auto& [bits, values] : by_bits_) {
        const LimbedValue shape{{}, bits, b, 0};
        if (bits <= b) {
          lookups[bits] += values.size();
          continue;
        }
        limbs += shape.count() * values.size();
        for (std::size_t t = 0; t < shape.count(); ++t) lookups[shape.width(t)] += values.size();
      }
      std::size_t cost = limbs;
      for (const auto& [bits, count] : lookups)
        cost += std::bit_ceil(count) + (std::size_t{1} << bits);
      if (cost < best_cost) {
        best = b;
        best_cost = cost;
      }
    }
    return best;
  }

  // Both sides: every range request wider than `table_bits` becomes its
  // limbs, allocated in `layout` in a fixed order.
  std::vector<LimbedValue> narrow(unsigned table_bits, WitnessLayout& layout) {
    std::vector<LimbedValue> limbed;
    std::map<unsigned, std::vector<AffineSlotValue>> narrowed;
    for (auto& [bits, values] : by_bits_) {
      if (bits <= table_bits) {
        auto& group = narrowed[bits];
        group.insert(group.end(), values.begin(), values.end());
        continue;
      }
      for (const AffineSlotValue& v : values) {
        LimbedValue l{v, bits, table_bits, 0};
        l.limbs = layout.allocate(l.count());
        for (std::size_t t = 0; t < l.count(); ++t) narrowed[l.width(t)].push_back({l.limbs + t});
        limbed.push_back(l);
      }
    }
    by_bits_ = std::move(narrowed);
    return limbed;
  }

 private:
  std::map<unsigned, std::vector<AffineSlotValue>> by_bits_;
  std::vector<TableLookups> tables_;
};

// Prover: writes the limbs of every limbed value; fails when a value is
// outside its range (an honest prover stops here).
template <field::Field E>
void fill_limbs(BaseWitness<E>& witness, std::span<const LimbedValue> limbed) {
  for (const LimbedValue& l : limbed) {
    const std::int64_t v =
        l.value.offset + l.value.coefficient * witness.at(l.value.slot).to_signed();
    if (v < 0 || (l.bits < 63 && v >= (std::int64_t{1} << l.bits)))
      fail("prover: a value outside its " + std::to_string(l.bits) + "-bit range");
    for (std::size_t t = 0; t < l.count(); ++t)
      witness.at(l.limbs + t) =
          E::Base::from_u64((static_cast<std::uint64_t>(v) >> (t * l.limb_bits)) &
                            ((std::uint64_t{1} << l.width(t)) - 1));
  }
}

// Verifier: offset + coefficient * w[slot] - sum_t 2^(limb_bits t) limb_t = 0
// for every limbed value.
template <field::Field E>
void require_limbs(std::span<const LimbedValue> limbed, ConstraintSystem<E>& cs) {
  for (const LimbedValue& l : limbed) {
    LinearForm<E> form;
    form.constant = E::from_i64(l.value.offset);
    form.add_term(l.value.slot, E::from_i64(l.value.coefficient));
    for (std::size_t t = 0; t < l.count(); ++t)
      form.add_term(l.limbs + t, -E::from_u64(std::uint64_t{1} << (t * l.limb_bits)));
    cs.require_zero(std::move(form));
  }
}

// One LogUp over a set of requests: first the range of each width, its
// group holding that width's values; then each function table with its
// group of requested rows.
template <field::Field E>
class LookupBatch {
 public:
  using Base = typename E::Base;

  // Both sides: assigns the multiplicity and pad slots.
  static LookupBatch allocate(WitnessLayout& layout, LookupRequests requests) {
    if (requests.empty()) fail("lookup batch: no requests");
    LookupBatch batch;
    const auto add_group = [&](Table<Base> table, std::vector<std::vector<AffineSlotValue>> rows) {
      unsigned n = 0;
      while ((std::size_t{1} << n) < rows.at(0).size()) ++n;
      batch.shape_.groups.push_back({batch.shape_.tables.size(), n});
      batch.shape_.multiplicity_slots.push_back(layout.allocate(table.size()));
      batch.shape_.tables.push_back(std::move(table));
      batch.values_.push_back(std::move(rows));
    };
    for (const auto& [bits, values] : requests.by_bits()) {
      if (!checks_in_pairs(bits, values.size())) {
        add_group(Table<Base>::range(bits), {values});
        continue;
      }
      // (values[2i], values[2i + 1]) per row; an odd last value pairs with 0.
      std::vector<std::vector<AffineSlotValue>> pairs(2);
      for (std::size_t i = 0; i < values.size(); ++i) pairs[i % 2].push_back(values[i]);
      if (pairs[1].size() < pairs[0].size()) pairs[1].push_back({0, 0, 0});
      add_group(Table<Base>::digits(bits, 2), std::move(pairs));
    }
    for (const TableLookups& t : requests.tables()) {
      if (t.columns.size() != t.table.size()) fail("lookup batch: columns do not match the table");
      std::vector<std::vector<Base>> table(t.table.size());
      for (std::size_t k = 0; k < table.size(); ++k)
        for (std::int64_t v : t.table[k]) table[k].push_back(Base::from_i64(v));
      add_group(Table<Base>::from_columns(std::move(table)), t.columns);
    }
    batch.pads_ = allocate_pads(layout, batch.shape_);
    return batch;
  }

  // Whether `count` checks of `bits` each are cheaper two per lookup, in a
  // table of every pair (2^(2 bits) rows), than one per lookup in the range
  // table: a lookup costs one leaf of the LogUp trees (groups round up to a
  // power of two), a table row a leaf and a committed multiplicity, so
  // counted twice. Only small widths pair (at most kMaxPairedTableBits
  // per row): the 15 M int8 weights of a VGG-16 do, a 100 k-weight MLP's
  // do not.
  static constexpr unsigned kMaxPairedTableBits = 16;
  static bool checks_in_pairs(unsigned bits, std::size_t count) {
    if (2 * bits > kMaxPairedTableBits || count < 2) return false;
    const std::size_t single = std::bit_ceil(count) + 2 * (std::size_t{1} << bits);
    const std::size_t paired = std::bit_ceil((count + 1) / 2) + 2 * (std::size_t{1} << (2 * bits));
    return paired < single;
  }

  const LookupShape<E>& shape() const { return shape_; }
  const LookupPads<E>& pads() const { return pads_; }

  // The lookup columns of the requests on `witness`, one group per table,
  // padded with the table's row 0.
  std::vector<GroupColumns<Base>> columns(const BaseWitness<E>& witness) const {
    std::vector<GroupColumns<Base>> out;
    for (std::size_t g = 0; g < values_.size(); ++g) {
      GroupColumns<Base> group;
      for (const std::vector<AffineSlotValue>& requested : values_[g]) {
        std::vector<Base>& column = group.emplace_back();
        column.reserve(requested.size());
        for (const AffineSlotValue& v : requested)
          column.push_back(Base::from_i64(v.offset) +
                           Base::from_i64(v.coefficient) * witness.at(v.slot));
      }
      out.push_back(pad_lookups<Base>(std::move(group), shape_.tables[g]));
    }
    return out;
  }

  void append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const {
    lookup::append_schema(schema, prefix, shape_);
  }

  // Prover, before the commitment: multiplicities and pads. Fails if a
  // requested value is out of its range (an honest prover stops here).
  void fill(BaseWitness<E>& witness) const {
    fill_multiplicities<E>(witness, shape_, columns(witness));
    fill_pads(witness, shape_, pads_);
  }

  LookupProof<E> prove(const BaseWitness<E>& witness, hash::Transcript& transcript,
                       const std::string& prefix) const {
    const auto cols = columns(witness);
    return lookup::prove<E>(shape_, cols, pads_, witness, transcript, prefix).proof;
  }

  // Verifier: the LogUp constraints, and each group's column claim settled
  // against the requested affine values of the committed slots.
  void verify(const LookupProof<E>& proof, hash::Transcript& transcript, const std::string& prefix,
              ConstraintSystem<E>& cs) const {
    const LookupClaims<E> claims = lookup::verify(shape_, proof, pads_, transcript, prefix, cs);
    using B = typename E::Base;
    for (std::size_t g = 0; g < claims.size(); ++g) {
      const std::vector<E> eq = poly::eq_table<E>(claims[g].point);
      for (std::size_t k = 0; k < values_[g].size(); ++k) {
        const std::vector<AffineSlotValue>& column = values_[g][k];
        LinearForm<E> requested;
        requested.terms.reserve(column.size());
        E requested_weight = E::zero();
        for (std::size_t x = 0; x < column.size(); ++x) {
          requested_weight += eq[x];
          if (column[x].offset != 0) requested.constant += eq[x] * B::from_i64(column[x].offset);
          requested.add_term(column[x].slot, eq[x] * B::from_i64(column[x].coefficient));
        }
        // Rows past the requests are padded with the table's row 0; the eq
        // weights of all rows sum to 1.
        const E padding = field::lift<E>(shape_.tables[g].entry(k, 0));
        requested.constant += (E::one() - requested_weight) * padding;
        cs.require_equal(claims[g].columns.at(k), std::move(requested));
      }
    }
  }

  LookupProof<E> read_proof(ByteReader& reader) const {
    return LookupProof<E>::read(reader, shape_);
  }

 private:
  LookupShape<E> shape_;
  LookupPads<E> pads_;
  std::vector<std::vector<std::vector<AffineSlotValue>>> values_;  // [group][column][request]
};

}  // namespace zkinfer::lookup
