// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lookup/logup.hpp"
#include "poly/multilinear.hpp"

// Every range check of a model in one LogUp-GKR argument.
//
// Operators do not run their own lookups: they return range-check requests
// (value, width), and the caller proves all of them at once, one range table
// per distinct width. A requested value is an affine function of one
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

// Values to prove in [0, 2^bits), grouped by width.
class RangeCheckRequests {
 public:
  void add(unsigned bits, AffineSlotValue value) { by_bits_[bits].push_back(value); }
  void append(const RangeCheckRequests& other) {
    for (const auto& [bits, values] : other.by_bits_) {
      auto& mine = by_bits_[bits];
      mine.insert(mine.end(), values.begin(), values.end());
    }
  }
  const std::map<unsigned, std::vector<AffineSlotValue>>& by_bits() const { return by_bits_; }
  bool empty() const { return by_bits_.empty(); }

 private:
  std::map<unsigned, std::vector<AffineSlotValue>> by_bits_;
};

// One LogUp over a set of requests: table h is the range of the h-th width,
// group h holds that width's values.
template <field::Field E>
class RangeCheckBatch {
 public:
  using Base = typename E::Base;

  // Both sides: assigns the multiplicity and pad slots.
  static RangeCheckBatch allocate(WitnessLayout& layout, RangeCheckRequests requests) {
    if (requests.empty()) fail("range-check batch: no requests");
    RangeCheckBatch batch;
    for (const auto& [bits, values] : requests.by_bits()) {
      unsigned n = 0;
      while ((std::size_t{1} << n) < values.size()) ++n;
      batch.shape_.groups.push_back({batch.shape_.tables.size(), n});
      batch.shape_.tables.push_back(Table<Base>::range(bits));
      batch.shape_.multiplicity_slots.push_back(layout.allocate(std::size_t{1} << bits));
      batch.values_.push_back(values);
    }
    batch.pads_ = allocate_pads(layout, batch.shape_);
    return batch;
  }

  const LookupShape<E>& shape() const { return shape_; }
  const LookupPads<E>& pads() const { return pads_; }

  // The lookup columns of the requests on `witness`, one group per width,
  // padded with 0.
  std::vector<GroupColumns<Base>> columns(const BaseWitness<E>& witness) const {
    std::vector<GroupColumns<Base>> out;
    for (std::size_t g = 0; g < values_.size(); ++g) {
      std::vector<Base> column;
      column.reserve(values_[g].size());
      for (const AffineSlotValue& v : values_[g]) {
        column.push_back(Base::from_i64(v.offset) +
                         Base::from_i64(v.coefficient) * witness.at(v.slot));
      }
      out.push_back(pad_lookups<Base>({std::move(column)}, shape_.tables[g]));
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
    for (std::size_t g = 0; g < claims.size(); ++g) {
      const std::vector<E> eq = poly::eq_table<E>(claims[g].point);
      LinearForm<E> requested;
      for (std::size_t x = 0; x < values_[g].size(); ++x) {
        const AffineSlotValue& v = values_[g][x];
        requested.constant += eq[x] * E::from_i64(v.offset);
        requested.add_term(v.slot, eq[x] * E::from_i64(v.coefficient));
      }
      // Rows past the requests are padded with 0, which adds nothing.
      cs.require_equal(claims[g].columns.at(0), std::move(requested));
    }
  }

  LookupProof<E> read_proof(ByteReader& reader) const {
    return LookupProof<E>::read(reader, shape_);
  }

 private:
  LookupShape<E> shape_;
  LookupPads<E> pads_;
  std::vector<std::vector<AffineSlotValue>> values_;  // per group
};

}  // namespace zkinfer::lookup
