// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ops/movement_proof.hpp"
#include "ops/table.hpp"

// Proof of a unary operator given as a table (sigmoid, tanh, LeakyRelu,
// Clip: ops::apply_table): every (x - input_lo, y) is a row (i, outputs[i])
// of the public table. The rows go to the caller's LogUp batch as a
// two-column lookup (LookupRequests::add_table), which also shows every x
// inside the table's range; the operator itself sends nothing. The table is
// part of the public architecture. docs/ops-proofs.md.
namespace zkinfer::ops {

// The two-column table of rows (i, values[i]), padded to a power of two
// with copies of its last row (harmless for lookups), and no requests yet.
lookup::TableLookups indexed_table(std::span<const std::int32_t> values);

class TableLayout {
 public:
  static TableLayout allocate(WitnessLayout& layout, const Shape& x, Slot input,
                              const UnaryTable& table);

  Slot output() const { return output_; }
  // Prover: Y = apply_table of the committed input. Fails, naming the
  // value, on an input outside the table.
  std::vector<std::int32_t> fill(BaseWitness<Challenge>& witness) const;

  void append_schema(hash::TranscriptSchema&, const std::string&) const {}
  NoMessages prove(const BaseWitness<Challenge>&, hash::Transcript&, const std::string&) const {
    return {};
  }
  void verify(const NoMessages&, hash::Transcript&, const std::string&, ProofConstraints&) const {}
  NoMessages read_proof(ByteReader&) const { return {}; }
  lookup::LookupRequests range_checks() const;
  // The lookup's error is the batch's (lookup::soundness_error).
  double soundness_error() const { return 0; }

 private:
  UnaryTable table_;
  Slot input_ = 0, output_ = 0;
  std::size_t size_ = 0;
};

}  // namespace zkinfer::ops
