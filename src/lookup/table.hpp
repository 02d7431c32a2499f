// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "base/error.hpp"
#include "field/concepts.hpp"
#include "poly/multilinear.hpp"

namespace zkinfer::lookup {

// A fixed public table: c columns of 2^m rows over the base field B. Its
// contents are public parameters: the caller binds them into the transcript
// (write()) and the verifier evaluates their multilinear extensions itself.
template <class B>
class Table {
 public:
  // Arbitrary columns (activation functions, clamps): the verifier's
  // evaluation costs O(2^m) per column.
  static Table from_columns(std::vector<std::vector<B>> columns) {
    if (columns.empty()) fail("lookup table: no columns");
    const unsigned m = poly::log2_exact(columns[0].size());
    for (const auto& c : columns) {
      if (c.size() != columns[0].size()) fail("lookup table: columns of different lengths");
    }
    return Table(m, std::move(columns));
  }

  // The range [0, 2^bits) as one column t(j) = j. Its entries are generated,
  // not stored, and its multilinear extension has the closed form
  // t(r) = sum_i 2^(m-1-i) r_i (variable 0 is the most significant index
  // bit), so a 2^16 range table costs the verifier 16 products.
  static Table range(unsigned bits) { return digits(bits, 1); }

  // Every tuple of `count` values in [0, 2^bits), as `count` columns: row j
  // holds the base-2^bits digits of j, most significant first. One lookup
  // range-checks `count` values at once. Generated like a range table;
  // column k's extension is the range form over its own `bits` variables.
  static Table digits(unsigned bits, unsigned count) {
    const unsigned total = bits * count;
    if (count == 0 || total >= 63 || (std::uint64_t{1} << total) >= B::kModulus)
      fail("range table: 2^(bits * digits) must be below the field modulus");
    return Table(total, {}, count);
  }

  bool is_range() const { return columns_.empty(); }
  unsigned num_vars() const { return num_vars_; }
  std::size_t size() const { return std::size_t{1} << num_vars_; }
  std::size_t num_columns() const { return is_range() ? digits_ : columns_.size(); }

  B entry(std::size_t column, std::size_t row) const {
    if (!is_range()) return columns_[column][row];
    return B::from_u64((row >> (digit_bits() * (digits_ - 1 - column))) & digit_mask());
  }

  // The row of a generated table holding `values` (one per column), or
  // size() when there is none.
  std::size_t generated_row(std::span<const std::uint64_t> values) const {
    std::size_t row = 0;
    for (std::uint64_t v : values) {
      if (v > digit_mask()) return size();
      row = (row << digit_bits()) | v;
    }
    return row;
  }

  template <field::Field E>
  E evaluate(std::size_t column, std::span<const E> point) const {
    if (point.size() != num_vars_) fail("lookup table: evaluation point of the wrong size");
    if (!is_range()) return poly::evaluate_mle<E, B>(columns_[column], point);
    E acc = E::zero();
    // Horner in 2 over the column's variables, most significant first.
    for (const E& r : point.subspan(column * digit_bits(), digit_bits())) acc = acc + acc + r;
    return acc;
  }

  // Canonical encoding for the transcript's parameters.
  void write(ByteWriter& w) const {
    w.u8(is_range() ? static_cast<std::uint8_t>(digits_) : 0);
    w.u32(num_vars_);
    w.u32(static_cast<std::uint32_t>(columns_.size()));
    for (const auto& column : columns_) {
      for (const B& v : column) v.write(w);
    }
  }

 private:
  Table(unsigned num_vars, std::vector<std::vector<B>> columns, unsigned digits = 1)
      : num_vars_(num_vars), digits_(digits), columns_(std::move(columns)) {}
  unsigned digit_bits() const { return num_vars_ / digits_; }
  std::uint64_t digit_mask() const { return (std::uint64_t{1} << digit_bits()) - 1; }

  unsigned num_vars_;
  unsigned digits_;                      // columns of a generated table
  std::vector<std::vector<B>> columns_;  // empty for a generated (range) table
};

}  // namespace zkinfer::lookup
