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

MaxLayout MaxLayout::allocate(WitnessLayout& layout, MaxLayout out, Slot input_slot) {
  out.input_ = input_slot;
  out.output_ = layout.allocate(out.outputs_);
  out.difference_ = layout.allocate(out.taps_ * out.outputs_);
  out.selector_ = layout.allocate(out.taps_ * out.outputs_);
  out.select_pads_ = sumcheck::allocate_pads(layout, out.select_shape(E::one()));
  return out;
}

MaxLayout MaxLayout::pooling(WitnessLayout& layout, const Shape& input, const PoolParams& params,
                             Slot input_slot, unsigned range_bits) {
  const Shape out_shape = params.output_shape(input, "max pool proof");
  const Window2d& window = params.window;
  MaxLayout out;
  out.range_bits_ = range_bits;
  out.taps_ = window.kernel[0] * window.kernel[1];
  out.outputs_ = element_count(out_shape);
  out.sources_.assign(out.taps_ * out.outputs_, -1);
  const std::size_t out_h = out_shape[2], out_w = out_shape[3];
  const std::size_t height = input[2], width = input[3];
  for (std::size_t t = 0; t < out.taps_; ++t) {
    for (std::size_t o = 0; o < out.outputs_; ++o) {
      const std::size_t plane = o / (out_h * out_w), position = o % (out_h * out_w);
      const std::int64_t ih = window.coordinate(0, position / out_w, t / window.kernel[1]);
      const std::int64_t iw = window.coordinate(1, position % out_w, t % window.kernel[1]);
      if (ih < 0 || iw < 0 || ih >= static_cast<std::int64_t>(height) ||
          iw >= static_cast<std::int64_t>(width))
        continue;
      out.sources_[t * out.outputs_ + o] = static_cast<std::int64_t>(
          (plane * height + static_cast<std::size_t>(ih)) * width + static_cast<std::size_t>(iw));
    }
  }
  for (std::size_t o = 0; o < out.outputs_; ++o) {
    bool inside = false;
    for (std::size_t t = 0; t < out.taps_; ++t) inside |= out.sources_[t * out.outputs_ + o] >= 0;
    if (!inside) fail("max pool proof: a window covers only padding");
  }
  return allocate(layout, std::move(out), input_slot);
}

MaxLayout MaxLayout::along_axis(WitnessLayout& layout, const Shape& input, std::size_t axis,
                                Slot input_slot, unsigned range_bits) {
  if (axis >= input.size() || input[axis] == 0)
    fail("max proof: axis " + std::to_string(axis) + " outside " + shape_string(input));
  std::size_t inner = 1;
  for (std::size_t d = axis + 1; d < input.size(); ++d) inner *= input[d];
  MaxLayout out;
  out.range_bits_ = range_bits;
  out.taps_ = input[axis];
  out.outputs_ = element_count(input) / out.taps_;
  out.sources_.resize(out.taps_ * out.outputs_);
  for (std::size_t t = 0; t < out.taps_; ++t)
    for (std::size_t o = 0; o < out.outputs_; ++o)
      out.sources_[t * out.outputs_ + o] =
          static_cast<std::int64_t>((o / inner * out.taps_ + t) * inner + o % inner);
  return allocate(layout, std::move(out), input_slot);
}

unsigned MaxLayout::tap_vars() const {
  return poly::log2_ceil(taps());
}

unsigned MaxLayout::output_vars() const {
  return poly::log2_ceil(outputs());
}

std::optional<std::size_t> MaxLayout::input_element(std::size_t tap, std::size_t output) const {
  const std::int64_t source = sources_[tap * outputs_ + output];
  if (source < 0) return std::nullopt;
  return static_cast<std::size_t>(source);
}

std::vector<std::int32_t> MaxLayout::fill(BaseWitness<E>& witness,
                                          std::span<const std::int32_t> input,
                                          const MaxTamper& tamper) const {
  MaxAdvice advice;
  advice.output.assign(outputs(), 0);
  advice.winner.assign(outputs(), 0);
  for (std::size_t o = 0; o < outputs(); ++o) {
    bool found = false;
    for (std::size_t t = 0; t < taps(); ++t) {
      const auto element = input_element(t, o);
      if (element && (!found || input[*element] > advice.output[o])) {
        advice.output[o] = input[*element];
        advice.winner[o] = t;
        found = true;
      }
    }
  }
  if (tamper) tamper(advice);

  for (std::size_t o = 0; o < outputs(); ++o) {
    witness.at(output_ + o) = Goldilocks::from_i64(advice.output[o]);
    for (std::size_t t = 0; t < taps(); ++t) {
      const auto element = input_element(t, o);
      const std::int64_t d = element ? advice.output[o] - input[*element] : 0;
      witness.at(difference(t, o)) = Goldilocks::from_i64(d);
      witness.at(selector_ + t * outputs() + o) =
          advice.winner[o] == t ? Goldilocks::one() : Goldilocks();
    }
  }
  sumcheck::fill_pads(witness, select_shape(E::one()), select_pads_);
  std::vector<std::int32_t> values(outputs());
  for (std::size_t o = 0; o < outputs(); ++o)
    values[o] = static_cast<std::int32_t>(advice.output[o]);
  return values;
}

// sum_{t,o} eq(rho, (t, o)) [s d + gamma (s s - s)].
sumcheck::SumcheckShape<E> MaxLayout::select_shape(const E& gamma) const {
  sumcheck::SumcheckShape<E> shape;
  shape.num_vars = tap_vars() + output_vars();
  shape.num_tables = kSelectTables;
  shape.table_is_public = {true, false, false};
  shape.terms = {{E::one(), {kEq, kSelector, kDifference}},
                 {gamma, {kEq, kSelector, kSelector}},
                 {-gamma, {kEq, kSelector}}};
  return shape;
}

ProofForm MaxLayout::tap_form(Slot first, std::span<const E> point) const {
  const std::vector<E> tap_eq = cut_eq(point.first(tap_vars()), taps());
  const std::vector<E> output_eq = cut_eq(point.subspan(tap_vars()), outputs());
  ProofForm form;
  form.add_matrix(first, tap_eq, output_eq);
  return form;
}

void MaxLayout::append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const {
  schema.squeeze(prefix + "point", hash::ValueType::field<E>());
  schema.squeeze(prefix + "gamma", hash::ValueType::field<E>());
  sumcheck::append_schema(schema, prefix + "select/", select_shape(E::one()));
}

sumcheck::SumcheckProof<E> MaxLayout::prove(const BaseWitness<E>& witness,
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
  std::vector<sumcheck::Table<E>> tables(kSelectTables);
  tables[kEq] = sumcheck::Table<E>::eq(rho);
  tables[kSelector] = padded(selector_);
  tables[kDifference] = padded(difference_);
  return sumcheck::prove(select_shape(gamma), std::move(tables), select_pads_, witness, transcript,
                         prefix + "select/")
      .proof;
}

void MaxLayout::verify(const sumcheck::SumcheckProof<E>& proof, hash::Transcript& transcript,
                       const std::string& prefix, ProofConstraints& cs) const {
  const std::vector<E> rho = transcript.challenges<E>(prefix + "point", tap_vars() + output_vars());
  const E gamma = transcript.challenge<E>(prefix + "gamma");
  const std::vector<E> tap_eq = cut_eq(std::span(rho).first(tap_vars()), taps());
  const std::vector<E> output_eq = cut_eq(std::span(rho).subspan(tap_vars()), outputs());

  // d = y - x on every tap inside the input, at rho; d = s = 0 on padding;
  // sum_t s = 1 for every output, at rho's output coordinates.
  ProofForm definition, selected = ProofForm::constant_value(
                            -std::accumulate(output_eq.begin(), output_eq.end(), E::zero()));
  for (std::size_t t = 0; t < taps(); ++t) {
    for (std::size_t o = 0; o < outputs(); ++o) {
      const Slot d = difference(t, o), s = selector_ + t * outputs() + o;
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
      definition.add_term(d, w);
      definition.add_term(output_ + o, -w);
      definition.add_term(input_ + *element, w);
    }
  }
  cs.require_zero(std::move(definition));
  cs.require_zero(std::move(selected));

  const auto out = sumcheck::verify<E>(
      select_shape(gamma), ProofForm::constant_value(E::zero()), proof, select_pads_,
      [&rho](std::size_t, const std::vector<E>& point) { return lookup::eq_eval<E>(rho, point); },
      transcript, prefix + "select/", cs);
  cs.require_equal(out.table_evaluations[kSelector], tap_form(selector_, out.point));
  cs.require_equal(out.table_evaluations[kDifference], tap_form(difference_, out.point));
}

sumcheck::SumcheckProof<E> MaxLayout::read_proof(ByteReader& reader) const {
  return sumcheck::SumcheckProof<E>::read(reader, select_shape(E::one()));
}

lookup::LookupRequests MaxLayout::range_checks() const {
  lookup::LookupRequests requests;
  for (std::size_t t = 0; t < taps(); ++t)
    for (std::size_t o = 0; o < outputs(); ++o)
      if (input_element(t, o)) requests.add(range_bits_, {difference(t, o)});
  return requests;
}

// The zero-check sumcheck; its eq(rho) and gamma combinations; the
// difference relation at rho; the selector sums at rho's output part.
double MaxLayout::soundness_error() const {
  const double v = tap_vars() + output_vars();
  return sumcheck::soundness_error(select_shape(E::one())) +
         (v + 1 + v + output_vars()) / challenge_field_size();
}

}  // namespace zkinfer::ops
