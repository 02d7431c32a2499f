// SPDX-License-Identifier: Apache-2.0
#include "ops/pool_proof.hpp"

#include <numeric>

#include "poly/multilinear.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;
using field::Goldilocks;

// Tables of the selector zero-check.
enum SelectTable : std::size_t { kEq, kSelector, kDifference, kSelectTables };

std::vector<E> cut_eq(std::span<const E> coordinates, std::size_t side) {
  std::vector<E> eq = poly::eq_table<E>(coordinates);
  eq.resize(side);
  return eq;
}

}  // namespace

MaxPoolLayout MaxPoolLayout::allocate(WitnessLayout& layout, const Shape& input,
                                      const PoolParams& params, Slot input_slot,
                                      unsigned range_bits) {
  MaxPoolLayout out;
  out.output_shape_ = params.output_shape(input, "max pool proof");
  out.input_shape_ = input;
  out.params_ = params;
  out.range_bits_ = range_bits;
  out.input_ = input_slot;
  out.output_ = layout.allocate(out.outputs());
  out.difference_ = layout.allocate(out.taps() * out.outputs());
  out.selector_ = layout.allocate(out.taps() * out.outputs());
  out.select_pads_ = sumcheck::allocate_pads(layout, out.select_shape(E::one()));
  return out;
}

unsigned MaxPoolLayout::tap_vars() const {
  return poly::log2_ceil(taps());
}

unsigned MaxPoolLayout::output_vars() const {
  return poly::log2_ceil(outputs());
}

std::optional<std::size_t> MaxPoolLayout::input_element(std::size_t tap, std::size_t output) const {
  const std::size_t out_h = output_shape_[2], out_w = output_shape_[3];
  const std::size_t height = input_shape_[2], width = input_shape_[3];
  const std::size_t plane = output / (out_h * out_w), position = output % (out_h * out_w);
  const Window2d& window = params_.window;
  const std::int64_t ih = window.coordinate(0, position / out_w, tap / window.kernel[1]);
  const std::int64_t iw = window.coordinate(1, position % out_w, tap % window.kernel[1]);
  if (ih < 0 || iw < 0 || ih >= static_cast<std::int64_t>(height) ||
      iw >= static_cast<std::int64_t>(width))
    return std::nullopt;
  return plane * height * width + static_cast<std::size_t>(ih) * width +
         static_cast<std::size_t>(iw);
}

IntTensor MaxPoolLayout::fill(BaseWitness<E>& witness, const IntTensor& input,
                              const MaxPoolTamper& tamper) const {
  if (input.shape != input_shape_) fail("max pool proof: input does not match the layout's shape");
  const IntTensor expected = max_pool(input, params_);
  MaxPoolAdvice advice;
  advice.output.assign(expected.values.begin(), expected.values.end());
  advice.winner.assign(outputs(), 0);
  for (std::size_t o = 0; o < outputs(); ++o) {
    std::size_t t = 0;
    for (; t < taps(); ++t) {
      const auto element = input_element(t, o);
      if (element && input.values[*element] == expected.values[o]) break;
    }
    advice.winner[o] = t;
  }
  if (tamper) tamper(advice);

  for (std::size_t o = 0; o < outputs(); ++o) {
    witness.at(output_ + o) = Goldilocks::from_i64(advice.output[o]);
    for (std::size_t t = 0; t < taps(); ++t) {
      const auto element = input_element(t, o);
      const std::int64_t difference = element ? advice.output[o] - input.values[*element] : 0;
      witness.at(difference_ + t * outputs() + o) = Goldilocks::from_i64(difference);
      witness.at(selector_ + t * outputs() + o) =
          advice.winner[o] == t ? Goldilocks::one() : Goldilocks();
    }
  }
  sumcheck::fill_pads(witness, select_shape(E::one()), select_pads_);
  std::vector<std::int32_t> values(outputs());
  for (std::size_t o = 0; o < outputs(); ++o)
    values[o] = static_cast<std::int32_t>(advice.output[o]);
  return {output_shape_, std::move(values)};
}

// sum_{t,o} eq(rho, (t, o)) [s d + gamma (s s - s)].
sumcheck::SumcheckShape<E> MaxPoolLayout::select_shape(const E& gamma) const {
  sumcheck::SumcheckShape<E> shape;
  shape.num_vars = tap_vars() + output_vars();
  shape.num_tables = kSelectTables;
  shape.table_is_public = {true, false, false};
  shape.terms = {{E::one(), {kEq, kSelector, kDifference}},
                 {gamma, {kEq, kSelector, kSelector}},
                 {-gamma, {kEq, kSelector}}};
  return shape;
}

ProofForm MaxPoolLayout::tap_form(Slot first, std::span<const E> point) const {
  const std::vector<E> tap_eq = cut_eq(point.first(tap_vars()), taps());
  const std::vector<E> output_eq = cut_eq(point.subspan(tap_vars()), outputs());
  ProofForm form;
  form.add_matrix(first, tap_eq, output_eq);
  return form;
}

void MaxPoolLayout::append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const {
  schema.squeeze(prefix + "point", hash::ValueType::field<E>());
  schema.squeeze(prefix + "gamma", hash::ValueType::field<E>());
  sumcheck::append_schema(schema, prefix + "select/", select_shape(E::one()));
}

sumcheck::SumcheckProof<E> MaxPoolLayout::prove(const BaseWitness<E>& witness,
                                                hash::Transcript& transcript,
                                                const std::string& prefix) const {
  const std::vector<E> rho = transcript.challenges<E>(prefix + "point", tap_vars() + output_vars());
  const E gamma = transcript.challenge<E>(prefix + "gamma");
  const auto padded = [&](Slot first) {
    std::vector<E> table(std::size_t{1} << (tap_vars() + output_vars()), E::zero());
    for (std::size_t t = 0; t < taps(); ++t)
      for (std::size_t o = 0; o < outputs(); ++o)
        table[(t << output_vars()) | o] = field::lift<E>(witness.at(first + t * outputs() + o));
    return table;
  };
  std::vector<std::vector<E>> tables(kSelectTables);
  tables[kEq] = poly::eq_table<E>(rho);
  tables[kSelector] = padded(selector_);
  tables[kDifference] = padded(difference_);
  return sumcheck::prove(select_shape(gamma), std::move(tables), select_pads_, witness, transcript,
                         prefix + "select/")
      .proof;
}

void MaxPoolLayout::verify(const sumcheck::SumcheckProof<E>& proof, hash::Transcript& transcript,
                           const std::string& prefix, ProofConstraints& cs) const {
  const std::vector<E> rho = transcript.challenges<E>(prefix + "point", tap_vars() + output_vars());
  const E gamma = transcript.challenge<E>(prefix + "gamma");
  const std::vector<E> tap_eq = cut_eq(std::span(rho).first(tap_vars()), taps());
  const std::vector<E> output_eq = cut_eq(std::span(rho).subspan(tap_vars()), outputs());

  // d = y - x on every tap inside the input, at rho; d = s = 0 on padding;
  // sum_t s = 1 for every output, at rho's output coordinates.
  ProofForm difference, selected = ProofForm::constant_value(
                            -std::accumulate(output_eq.begin(), output_eq.end(), E::zero()));
  for (std::size_t t = 0; t < taps(); ++t) {
    for (std::size_t o = 0; o < outputs(); ++o) {
      const Slot d = difference_ + t * outputs() + o, s = selector_ + t * outputs() + o;
      selected.add_term(s, output_eq[o]);
      const auto element = input_element(t, o);
      if (!element) {
        for (Slot padding : {d, s}) {
          ProofForm zero;
          zero.add_term(padding, E::one());
          cs.require_zero(std::move(zero));
        }
        continue;
      }
      const E w = tap_eq[t] * output_eq[o];
      difference.add_term(d, w);
      difference.add_term(output_ + o, -w);
      difference.add_term(input_ + *element, w);
    }
  }
  cs.require_zero(std::move(difference));
  cs.require_zero(std::move(selected));

  const auto out = sumcheck::verify<E>(
      select_shape(gamma), ProofForm::constant_value(E::zero()), proof, select_pads_,
      [&rho](std::size_t, const std::vector<E>& point) { return lookup::eq_eval<E>(rho, point); },
      transcript, prefix + "select/", cs);
  cs.require_equal(out.table_evaluations[kSelector], tap_form(selector_, out.point));
  cs.require_equal(out.table_evaluations[kDifference], tap_form(difference_, out.point));
}

sumcheck::SumcheckProof<E> MaxPoolLayout::read_proof(ByteReader& reader) const {
  return sumcheck::SumcheckProof<E>::read(reader, select_shape(E::one()));
}

lookup::LookupRequests MaxPoolLayout::range_checks() const {
  lookup::LookupRequests requests;
  for (std::size_t t = 0; t < taps(); ++t)
    for (std::size_t o = 0; o < outputs(); ++o)
      if (input_element(t, o)) requests.add(range_bits_, {difference_ + t * outputs() + o});
  return requests;
}

// The zero-check sumcheck; its eq(rho) and gamma combinations; the
// difference relation at rho; the selector sums at rho's output part.
double MaxPoolLayout::soundness_error() const {
  const double v = tap_vars() + output_vars();
  return sumcheck::soundness_error(select_shape(E::one())) +
         (v + 1 + v + output_vars()) / challenge_field_size();
}

}  // namespace zkinfer::ops
