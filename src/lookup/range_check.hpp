// SPDX-License-Identifier: Apache-2.0
#pragma once

#include "lookup/logup.hpp"

// Range checks 0 <= v < 2^bits (8 and 16 bits in the requantization and
// softmax layers) as lookups into the range table, whose multilinear
// extension the verifier evaluates in O(bits).
namespace zkinfer::lookup {

// `num_values` lookups (rounded up to a power of two) into [0, 2^bits), with
// the 2^bits multiplicities committed from `multiplicity_slot` on.
template <field::Field E>
LookupShape<E> range_check_shape(std::size_t num_values, unsigned bits, Slot multiplicity_slot) {
  unsigned n = 0;
  while ((std::size_t{1} << n) < num_values) ++n;
  LookupShape<E> shape;
  shape.tables.push_back(Table<typename E::Base>::range(bits));
  shape.groups.push_back({0, n});
  shape.multiplicity_slots.push_back(multiplicity_slot);
  return shape;
}

// The lookup columns for `values`, padded with 0 (in every range table).
template <field::Field E>
std::vector<GroupColumns<typename E::Base>> range_check_columns(
    const LookupShape<E>& shape, std::vector<typename E::Base> values) {
  return {pad_lookups<typename E::Base>({std::move(values)}, shape.tables[0])};
}

}  // namespace zkinfer::lookup
