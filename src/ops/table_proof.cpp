// SPDX-License-Identifier: Apache-2.0
#include "ops/table_proof.hpp"

namespace zkinfer::ops {

TableLayout TableLayout::allocate(WitnessLayout& layout, const Shape& x, Slot input,
                                  const UnaryTable& table) {
  table.validate("table proof");
  TableLayout t;
  t.table_ = table;
  t.input_ = input;
  t.size_ = element_count(x);
  t.output_ = layout.allocate(t.size_);
  return t;
}

std::vector<std::int32_t> TableLayout::fill(BaseWitness<Challenge>& witness) const {
  IntTensor x = IntTensor::zeros({size_});
  for (std::size_t i = 0; i < size_; ++i)
    x.values[i] = static_cast<std::int32_t>(witness.at(input_ + i).to_signed());
  const IntTensor y = apply_table(x, table_);
  for (std::size_t i = 0; i < size_; ++i)
    witness.at(output_ + i) = field::Goldilocks::from_i64(y.values[i]);
  return y.values;
}

lookup::TableLookups indexed_table(std::span<const std::int32_t> values) {
  std::size_t rows = 1;
  while (rows < values.size()) rows *= 2;
  lookup::TableLookups lookups;
  lookups.table.assign(2, std::vector<std::int64_t>(rows));
  for (std::size_t i = 0; i < rows; ++i) {
    const std::size_t entry = std::min(i, values.size() - 1);
    lookups.table[0][i] = static_cast<std::int64_t>(entry);
    lookups.table[1][i] = values[entry];
  }
  lookups.columns.resize(2);
  return lookups;
}

lookup::LookupRequests TableLayout::range_checks() const {
  lookup::TableLookups lookups = indexed_table(table_.outputs);
  for (std::size_t i = 0; i < size_; ++i) {
    lookups.columns[0].push_back({input_ + i, 1, -std::int64_t{table_.input_lo}});
    lookups.columns[1].push_back({output_ + i, 1, 0});
  }
  lookup::LookupRequests requests;
  requests.add_table(std::move(lookups));
  return requests;
}

}  // namespace zkinfer::ops
