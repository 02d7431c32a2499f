// SPDX-License-Identifier: Apache-2.0
#include "ops/requant_proof.hpp"

#include <algorithm>
#include <cstdlib>
#include <numeric>

#include "poly/multilinear.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;
using field::Goldilocks;

// Tables of the clamp zero-check.
enum ClampTable : std::size_t { kEq, kOutput, kAbove, kBelow, kClampTables };

std::int64_t rounding_offset(std::int32_t shift) {
  return shift == 0 ? 0 : std::int64_t{1} << (shift - 1);
}

}  // namespace

RequantLayout RequantLayout::allocate(WitnessLayout& layout, const RequantShape& shape,
                                      const Rescale& rescale, const std::string& op,
                                      unsigned range_bits) {
  const std::size_t channels = shape.channels;
  rescale.validate(channels, op);
  if (range_bits < 8 || range_bits > 16) {
    fail(op + ": requant range checks of " + std::to_string(range_bits) +
         " bits (supported: 8 to 16)");
  }
  const std::int64_t range = std::int64_t{1} << range_bits;
  const OutputClamp& clamp = rescale.output;
  for (std::size_t j = 0; j < channels; ++j) {
    if (rescale.channel(j).shift > max_provable_shift(range_bits)) {
      fail(op + ": shift " + std::to_string(rescale.channel(j).shift) + " of channel " +
           std::to_string(j) + " is above the provable maximum " +
           std::to_string(max_provable_shift(range_bits)));
    }
  }
  // y - lo, hi - y and y - z must all fit in range_bits (docs/ops-proofs.md).
  const std::int64_t lo = clamp.lo, hi = clamp.hi, zero = clamp.zero_point;
  if (hi - lo >= range || std::max(std::abs(zero - lo), std::abs(hi - zero)) >= range) {
    fail(op + ": output range [" + std::to_string(lo) + ", " + std::to_string(hi) +
         "] with zero point " + std::to_string(zero) + " is too wide for " +
         std::to_string(range_bits) + "-bit range checks");
  }
  RequantLayout out;
  out.shape_ = shape;
  out.range_bits_ = range_bits;
  out.rescale_ = rescale;
  out.limb_offsets_.push_back(0);
  for (std::size_t j = 0; j < channels; ++j) {
    out.limb_offsets_.push_back(out.limb_offsets_.back() + out.limbs(j));
  }
  const std::size_t size = shape.size();
  out.output_ = layout.allocate(size);
  out.quotient_ = layout.allocate(size);
  out.remainder_ = layout.allocate(shape.outer * out.limb_offsets_.back() * shape.inner);
  out.excess_above_ = layout.allocate(size);
  out.excess_below_ = layout.allocate(size);
  out.clamp_pads_ = sumcheck::allocate_pads(layout, out.clamp_shape(E::one()));
  return out;
}

std::size_t RequantLayout::limbs(std::size_t channel) const {
  return (static_cast<std::size_t>(rescale_.channel(channel).shift) + range_bits_ - 1) /
         range_bits_;
}

Slot RequantLayout::limb_slot(std::size_t element, std::size_t limb) const {
  const std::size_t inner = shape_.inner, per_outer = shape_.channels * inner;
  const std::size_t channel = channel_of(element);
  return remainder_ + element / per_outer * limb_offsets_.back() * inner +
         limb_offsets_[channel] * inner + element % inner * limbs(channel) + limb;
}

unsigned RequantLayout::outer_vars() const {
  return poly::log2_ceil(shape_.outer);
}
unsigned RequantLayout::channel_vars() const {
  return poly::log2_ceil(shape_.channels);
}
unsigned RequantLayout::inner_vars() const {
  return poly::log2_ceil(shape_.inner);
}

std::array<std::vector<E>, 3> RequantLayout::split_eq(std::span<const E> point) const {
  const auto cut = [](std::span<const E> coordinates, std::size_t side) {
    std::vector<E> eq = poly::eq_table<E>(coordinates);
    eq.resize(side);
    return eq;
  };
  return {cut(point.first(outer_vars()), shape_.outer),
          cut(point.subspan(outer_vars(), channel_vars()), shape_.channels),
          cut(point.subspan(outer_vars() + channel_vars()), shape_.inner)};
}

std::vector<std::int32_t> RequantLayout::fill(BaseWitness<E>& witness,
                                              std::span<const std::int64_t> acc,
                                              const RequantTamper& tamper) const {
  const std::size_t size = shape_.size();
  if (acc.size() != size) fail("requant proof: wrong number of accumulators");
  const OutputClamp& clamp = rescale_.output;
  RequantAdvice advice;
  for (auto* v : {&advice.output, &advice.quotient, &advice.remainder, &advice.excess_above,
                  &advice.excess_below}) {
    v->resize(size);
  }
  for (std::size_t x = 0; x < size; ++x) {
    const Requant& rq = rescale_.channel(channel_of(x));
    const std::int64_t scaled = acc[x] * rq.multiplier + rounding_offset(rq.shift);
    const std::int64_t q = scaled >> rq.shift;  // floor: arithmetic shift
    const std::int64_t pre_clamp = q + clamp.zero_point;
    advice.quotient[x] = q;
    advice.remainder[x] = scaled - q * (std::int64_t{1} << rq.shift);
    advice.output[x] = clamp.apply(q);
    advice.excess_above[x] = std::max<std::int64_t>(0, pre_clamp - clamp.hi);
    advice.excess_below[x] = std::max<std::int64_t>(0, clamp.lo - pre_clamp);
    if (advice.excess_above[x] >= range() || advice.excess_below[x] >= range()) {
      fail("requant proof: pre-clamp value " + std::to_string(pre_clamp) + " is 2^" +
           std::to_string(range_bits_) +
           " or more outside the output range; the clamp proof cannot carry it");
    }
  }
  if (tamper) tamper(advice);

  for (std::size_t x = 0; x < size; ++x) {
    witness.at(output_ + x) = Goldilocks::from_i64(advice.output[x]);
    witness.at(quotient_ + x) = Goldilocks::from_i64(advice.quotient[x]);
    witness.at(excess_above_ + x) = Goldilocks::from_i64(advice.excess_above[x]);
    witness.at(excess_below_ + x) = Goldilocks::from_i64(advice.excess_below[x]);
    for (std::size_t t = 0; t < limbs(channel_of(x)); ++t) {
      const auto limb = static_cast<std::uint64_t>(advice.remainder[x]) >> (range_bits_ * t);
      witness.at(limb_slot(x, t)) = Goldilocks::from_u64(limb & (range() - 1));
    }
  }
  sumcheck::fill_pads(witness, clamp_shape(E::one()), clamp_pads_);
  return {advice.output.begin(), advice.output.end()};
}

ProofForm RequantLayout::rescaled_form(std::span<const E> outer_weights,
                                       std::span<const E> channel_weights,
                                       std::span<const E> inner_weights) const {
  ProofForm form;
  std::size_t x = 0;
  for (std::size_t o = 0; o < shape_.outer; ++o) {
    for (std::size_t j = 0; j < shape_.channels; ++j) {
      const E outer_channel = outer_weights[o] * channel_weights[j];
      const std::int32_t shift = rescale_.channel(j).shift;
      const E quotient_scale = E::from_u64(std::uint64_t{1} << shift);
      for (std::size_t p = 0; p < shape_.inner; ++p, ++x) {
        const E weight = outer_channel * inner_weights[p];
        form.add_term(quotient_ + x, weight * quotient_scale);
        for (std::size_t t = 0; t < limbs(j); ++t) {
          form.add_term(limb_slot(x, t),
                        weight * E::from_u64(std::uint64_t{1} << (range_bits_ * t)));
        }
        form.constant -= weight * E::from_i64(rounding_offset(shift));
      }
    }
  }
  return form;
}

// sum_x eq(rho, x) [(hi - y) u+ + gamma (y - lo) u-], expanded into products.
sumcheck::SumcheckShape<E> RequantLayout::clamp_shape(const E& gamma) const {
  const E hi = E::from_i64(rescale_.output.hi), lo = E::from_i64(rescale_.output.lo);
  sumcheck::SumcheckShape<E> shape;
  shape.num_vars = vars();
  shape.num_tables = kClampTables;
  shape.table_is_public = {true, false, false, false};
  shape.terms = {{hi, {kEq, kAbove}},
                 {-E::one(), {kEq, kOutput, kAbove}},
                 {gamma, {kEq, kOutput, kBelow}},
                 {-gamma * lo, {kEq, kBelow}}};
  return shape;
}

ProofForm RequantLayout::tensor_form(Slot first, std::span<const E> point) const {
  const auto [outer, channel, inner] = split_eq(point);
  std::vector<E> outer_channel(shape_.outer * shape_.channels);
  for (std::size_t o = 0; o < shape_.outer; ++o)
    for (std::size_t j = 0; j < shape_.channels; ++j)
      outer_channel[o * shape_.channels + j] = outer[o] * channel[j];
  ProofForm form;
  form.add_matrix(first, outer_channel, inner);
  return form;
}

void RequantLayout::append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const {
  schema.squeeze(prefix + "point", hash::ValueType::field<E>());
  schema.squeeze(prefix + "gamma", hash::ValueType::field<E>());
  sumcheck::append_schema(schema, prefix, clamp_shape(E::one()));
}

sumcheck::SumcheckProof<E> RequantLayout::prove(const BaseWitness<E>& witness,
                                                hash::Transcript& transcript,
                                                const std::string& prefix) const {
  const std::vector<E> rho = transcript.challenges<E>(prefix + "point", vars());
  const E gamma = transcript.challenge<E>(prefix + "gamma");
  // y, u+, u- on the hypercube, zero outside the true shape.
  const auto padded = [&](Slot first) {
    std::vector<E> table(std::size_t{1} << vars(), E::zero());
    std::size_t x = 0;
    for (std::size_t o = 0; o < shape_.outer; ++o) {
      for (std::size_t j = 0; j < shape_.channels; ++j) {
        const std::size_t row = ((o << channel_vars()) | j) << inner_vars();
        for (std::size_t p = 0; p < shape_.inner; ++p, ++x)
          table[row | p] = field::lift<E>(witness.at(first + x));
      }
    }
    return table;
  };
  std::vector<sumcheck::Table<E>> tables(kClampTables);
  tables[kEq] = sumcheck::Table<E>::eq(rho);
  tables[kOutput] = padded(output_);
  tables[kAbove] = padded(excess_above_);
  tables[kBelow] = padded(excess_below_);
  return sumcheck::prove(clamp_shape(gamma), std::move(tables), clamp_pads_, witness, transcript,
                         prefix)
      .proof;
}

void RequantLayout::verify(const sumcheck::SumcheckProof<E>& proof, hash::Transcript& transcript,
                           const std::string& prefix, ProofConstraints& cs) const {
  const std::vector<E> rho = transcript.challenges<E>(prefix + "point", vars());
  const E gamma = transcript.challenge<E>(prefix + "gamma");
  const auto eq_at = [&rho](std::size_t, const std::vector<E>& point) {
    return lookup::eq_eval<E>(rho, point);
  };
  // q + z - y = u+ - u- elementwise, as one random combination (at rho,
  // drawn after the commitment): sum_x eq(rho, x) (q + z - y - u+ + u-)(x) = 0.
  ProofForm excess = tensor_form(quotient_, rho);
  excess -= tensor_form(output_, rho);
  excess -= tensor_form(excess_above_, rho);
  excess += tensor_form(excess_below_, rho);
  E total = E::from_i64(rescale_.output.zero_point);
  for (const std::vector<E>& eq : split_eq(rho))
    total *= std::accumulate(eq.begin(), eq.end(), E::zero());
  excess.constant += total;
  cs.require_zero(std::move(excess));

  const auto out = sumcheck::verify<E>(clamp_shape(gamma), ProofForm::constant_value(E::zero()),
                                       proof, clamp_pads_, eq_at, transcript, prefix, cs);
  cs.require_equal(out.table_evaluations[kOutput], tensor_form(output_, out.point));
  cs.require_equal(out.table_evaluations[kAbove], tensor_form(excess_above_, out.point));
  cs.require_equal(out.table_evaluations[kBelow], tensor_form(excess_below_, out.point));
}

sumcheck::SumcheckProof<E> RequantLayout::read_proof(ByteReader& reader) const {
  return sumcheck::SumcheckProof<E>::read(reader, clamp_shape(E::one()));
}

double RequantLayout::soundness_error() const {
  const double v = vars();
  return sumcheck::soundness_error(clamp_shape(E::one())) + ((v + 1) + v) / challenge_field_size();
}

lookup::LookupRequests RequantLayout::range_checks() const {
  const OutputClamp& clamp = rescale_.output;
  lookup::LookupRequests requests;
  for (std::size_t x = 0; x < shape_.size(); ++x) {
    const std::size_t j = channel_of(x);
    const std::size_t count = limbs(j);
    for (std::size_t t = 0; t < count; ++t) {
      requests.add(range_bits_, {limb_slot(x, t)});
    }
    // The top limb below 2^t (t = s mod b) as top + 2^b - 2^t < 2^b: r < 2^s.
    const std::size_t top_bits = static_cast<std::size_t>(rescale_.channel(j).shift) % range_bits_;
    if (top_bits != 0) {
      requests.add(range_bits_,
                   {limb_slot(x, count - 1), 1, range() - (std::int64_t{1} << top_bits)});
    }
    requests.add(range_bits_, {output_ + x, 1, -std::int64_t{clamp.lo}});
    requests.add(range_bits_, {output_ + x, -1, std::int64_t{clamp.hi}});
    requests.add(range_bits_, {excess_above_ + x});
    requests.add(range_bits_, {excess_below_ + x});
  }
  return requests;
}

}  // namespace zkinfer::ops
