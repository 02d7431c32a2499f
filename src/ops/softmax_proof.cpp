// SPDX-License-Identifier: Apache-2.0
#include "ops/softmax_proof.hpp"

#include <numeric>

#include "ops/table_proof.hpp"
#include "poly/multilinear.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;
using field::Goldilocks;

enum DivisionTable : std::size_t { kEq, kExp, kSum, kQuotient, kRemainder, kDivisionTables };

constexpr unsigned kLimbBits = 16;
constexpr std::int64_t kLimb = std::int64_t{1} << kLimbBits;

std::vector<E> cut_eq(std::span<const E> coordinates, std::size_t side) {
  std::vector<E> eq = poly::eq_table<E>(coordinates);
  eq.resize(side);
  return eq;
}

E total(std::span<const E> values) {
  return std::accumulate(values.begin(), values.end(), E::zero());
}

}  // namespace

void SoftmaxProof::write(ByteWriter& w) const {
  max.write(w);
  division.write(w);
  clamp.write(w);
}

SoftmaxLayout SoftmaxLayout::allocate(WitnessLayout& layout, const Shape& x, Slot input,
                                      const SoftmaxParams& params) {
  params.validate(x.size(), "softmax proof");
  if (x[params.axis] >= (std::size_t{1} << 15))
    fail("softmax proof: lines of " + std::to_string(x[params.axis]) +
         " entries (below 2^15 keeps the sums below 2^31)");
  if (params.one >= SoftmaxParams::kExpOne)
    fail("softmax proof: probability 1 as 2^16 (the quotient's range check needs less)");
  SoftmaxLayout s;
  s.params_ = params;
  s.max_ = MaxLayout::along_axis(layout, x, params.axis, input);
  const std::size_t grid = s.entries() * s.lines();
  s.exp_ = layout.allocate(grid);
  s.sum_ = layout.allocate(s.lines());
  s.quotient_ = layout.allocate(grid);
  s.remainder_low_ = layout.allocate(grid);
  s.remainder_high_ = layout.allocate(grid);
  s.gap_low_ = layout.allocate(grid);
  s.gap_high_ = layout.allocate(grid);
  s.division_pads_ = sumcheck::allocate_pads(layout, s.division_shape());
  // Y in X's order: element x = entry t of line o reads quotient (t, o).
  AffineAccumulators accumulators;
  std::vector<Slot> quotient_of(grid);
  for (std::size_t t = 0; t < s.entries(); ++t)
    for (std::size_t o = 0; o < s.lines(); ++o)
      quotient_of[*s.max_.input_element(t, o)] = s.quotient(t, o);
  for (Slot q : quotient_of) {
    const AffineAccumulators::Term term{q, 1};
    accumulators.add_element(0, std::span(&term, 1));
  }
  Rescale rescale;
  rescale.requants = {Requant{1, 0}};
  rescale.output = params.output;
  s.output_ = AffineRequantLayout::allocate(layout, {1, 1, grid}, rescale, std::move(accumulators),
                                            "softmax proof");
  return s;
}

unsigned SoftmaxLayout::entry_vars() const {
  return poly::log2_ceil(entries());
}

unsigned SoftmaxLayout::line_vars() const {
  return poly::log2_ceil(lines());
}

// sum_{t,o} eq(rho, (t, o)) [2 one e + S' - 2 S' q - r] with S' = S_o for
// real entries, 0 past them.
sumcheck::SumcheckShape<E> SoftmaxLayout::division_shape() const {
  sumcheck::SumcheckShape<E> shape;
  shape.num_vars = vars();
  shape.num_tables = kDivisionTables;
  shape.table_is_public = {true, false, false, false, false};
  shape.terms = {{E::from_i64(2 * std::int64_t{params_.one}), {kEq, kExp}},
                 {E::one(), {kEq, kSum}},
                 {-E::from_u64(2), {kEq, kSum, kQuotient}},
                 {-E::one(), {kEq, kRemainder}}};
  return shape;
}

std::vector<std::int32_t> SoftmaxLayout::fill(BaseWitness<E>& witness,
                                              std::span<const std::int32_t> input,
                                              const SoftmaxTamper& tamper) const {
  const std::vector<std::int32_t> maxima = max_.fill(witness, input);
  const std::size_t grid = entries() * lines();
  std::vector<std::int64_t> exps(grid), sums(lines(), 0);
  for (std::size_t t = 0; t < entries(); ++t) {
    for (std::size_t o = 0; o < lines(); ++o) {
      const std::int64_t d = std::int64_t{maxima[o]} - input[*max_.input_element(t, o)];
      if (d >= static_cast<std::int64_t>(params_.exp_table.size()))
        fail("softmax proof: input spread " + std::to_string(d) + " beyond the exp table");
      exps[t * lines() + o] = params_.exp_table[static_cast<std::size_t>(d)];
      sums[o] += exps[t * lines() + o];
    }
  }
  SoftmaxAdvice advice;
  advice.sums = sums;
  advice.quotient.resize(grid);
  advice.remainder.resize(grid);
  for (std::size_t x = 0; x < grid; ++x) {
    const std::int64_t numerator = 2 * std::int64_t{params_.one} * exps[x] + sums[x % lines()];
    advice.quotient[x] = numerator / (2 * sums[x % lines()]);
    advice.remainder[x] = numerator - 2 * sums[x % lines()] * advice.quotient[x];
  }
  if (tamper) tamper(advice);

  for (std::size_t o = 0; o < lines(); ++o) witness.at(sum_ + o) = Goldilocks::from_i64(sums[o]);
  for (std::size_t x = 0; x < grid; ++x) {
    const std::int64_t remainder = advice.remainder[x];
    const std::int64_t gap = 2 * sums[x % lines()] - 1 - remainder;
    witness.at(exp_ + x) = Goldilocks::from_i64(exps[x]);
    witness.at(quotient_ + x) = Goldilocks::from_i64(advice.quotient[x]);
    // Limbs (low in [0, 2^16), high the rest): a negative or too large
    // value leaves its high limb out of range.
    witness.at(remainder_low_ + x) = Goldilocks::from_i64(remainder & (kLimb - 1));
    witness.at(remainder_high_ + x) = Goldilocks::from_i64(remainder >> kLimbBits);
    witness.at(gap_low_ + x) = Goldilocks::from_i64(gap & (kLimb - 1));
    witness.at(gap_high_ + x) = Goldilocks::from_i64(gap >> kLimbBits);
  }
  sumcheck::fill_pads(witness, division_shape(), division_pads_);
  return output_.fill(witness);
}

ProofForm SoftmaxLayout::grid_form(Slot first, std::span<const E> point) const {
  const std::vector<E> entry_eq = cut_eq(point.first(entry_vars()), entries());
  const std::vector<E> line_eq = cut_eq(point.subspan(entry_vars()), lines());
  ProofForm form;
  form.add_matrix(first, entry_eq, line_eq);
  return form;
}

ProofForm SoftmaxLayout::sum_form(std::span<const E> point) const {
  const E entry_total = total(cut_eq(point.first(entry_vars()), entries()));
  const std::vector<E> line_eq = cut_eq(point.subspan(entry_vars()), lines());
  ProofForm form;
  for (std::size_t o = 0; o < lines(); ++o) form.add_term(sum_ + o, entry_total * line_eq[o]);
  return form;
}

void SoftmaxLayout::append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const {
  max_.append_schema(schema, prefix + "max/");
  schema.squeeze(prefix + "point", hash::ValueType::field<E>());
  sumcheck::append_schema(schema, prefix + "division/", division_shape());
  output_.append_schema(schema, prefix + "output/");
}

SoftmaxProof SoftmaxLayout::prove(const BaseWitness<E>& witness, hash::Transcript& transcript,
                                  const std::string& prefix) const {
  SoftmaxProof proof;
  proof.max = max_.prove(witness, transcript, prefix + "max/");
  const std::vector<E> rho = transcript.challenges<E>(prefix + "point", vars());
  const auto grid = [&](const std::vector<Slot>& firsts, const std::vector<E>& scales) {
    std::vector<E> table(std::size_t{1} << vars(), E::zero());
    for (std::size_t t = 0; t < entries(); ++t) {
      for (std::size_t o = 0; o < lines(); ++o) {
        E& v = table[(t << line_vars()) | o];
        for (std::size_t k = 0; k < firsts.size(); ++k)
          v += scales[k] * field::lift<E>(witness.at(firsts[k] + t * lines() + o));
      }
    }
    return table;
  };
  std::vector<sumcheck::Table<E>> tables(kDivisionTables);
  tables[kEq] = sumcheck::Table<E>::eq(rho);
  tables[kExp] = grid({exp_}, {E::one()});
  tables[kQuotient] = grid({quotient_}, {E::one()});
  tables[kRemainder] = grid({remainder_low_, remainder_high_}, {E::one(), E::from_i64(kLimb)});
  std::vector<E>& sums = tables[kSum].ext;
  sums.assign(std::size_t{1} << vars(), E::zero());
  for (std::size_t t = 0; t < entries(); ++t)
    for (std::size_t o = 0; o < lines(); ++o)
      sums[(t << line_vars()) | o] = field::lift<E>(witness.at(sum_ + o));
  proof.division = sumcheck::prove(division_shape(), std::move(tables), division_pads_, witness,
                                   transcript, prefix + "division/")
                       .proof;
  proof.clamp = output_.prove(witness, transcript, prefix + "output/");
  return proof;
}

void SoftmaxLayout::verify(const SoftmaxProof& proof, hash::Transcript& transcript,
                           const std::string& prefix, ProofConstraints& cs) const {
  max_.verify(proof.max, transcript, prefix + "max/", cs);
  const std::vector<E> rho = transcript.challenges<E>(prefix + "point", vars());
  const std::vector<E> entry_eq = cut_eq(std::span(rho).first(entry_vars()), entries());
  const std::vector<E> line_eq = cut_eq(std::span(rho).subspan(entry_vars()), lines());

  // S_o = sum_t e_(t,o), and r + gap = 2 S_o - 1, at rho.
  ProofForm sums, split = ProofForm::constant_value(total(entry_eq) * total(line_eq));
  for (std::size_t o = 0; o < lines(); ++o) {
    sums.add_term(sum_ + o, line_eq[o]);
    split.add_term(sum_ + o, -E::from_u64(2) * total(entry_eq) * line_eq[o]);
  }
  for (std::size_t t = 0; t < entries(); ++t) {
    for (std::size_t o = 0; o < lines(); ++o) {
      const std::size_t x = t * lines() + o;
      const E w = entry_eq[t] * line_eq[o];
      sums.add_term(exp_ + x, -line_eq[o]);
      split.add_term(remainder_low_ + x, w);
      split.add_term(remainder_high_ + x, w * E::from_i64(kLimb));
      split.add_term(gap_low_ + x, w);
      split.add_term(gap_high_ + x, w * E::from_i64(kLimb));
    }
  }
  cs.require_zero(std::move(sums));
  cs.require_zero(std::move(split));

  const auto out = sumcheck::verify<E>(
      division_shape(), ProofForm::constant_value(E::zero()), proof.division, division_pads_,
      [&rho](std::size_t, const std::vector<E>& point) { return lookup::eq_eval<E>(rho, point); },
      transcript, prefix + "division/", cs);
  cs.require_equal(out.table_evaluations[kExp], grid_form(exp_, out.point));
  cs.require_equal(out.table_evaluations[kSum], sum_form(out.point));
  cs.require_equal(out.table_evaluations[kQuotient], grid_form(quotient_, out.point));
  ProofForm remainder = grid_form(remainder_low_, out.point);
  remainder += grid_form(remainder_high_, out.point).scaled(E::from_i64(kLimb));
  cs.require_equal(out.table_evaluations[kRemainder], std::move(remainder));
  output_.verify(proof.clamp, transcript, prefix + "output/", cs);
}

SoftmaxProof SoftmaxLayout::read_proof(ByteReader& reader) const {
  SoftmaxProof proof;
  proof.max = max_.read_proof(reader);
  proof.division = sumcheck::SumcheckProof<E>::read(reader, division_shape());
  proof.clamp = output_.read_proof(reader);
  return proof;
}

lookup::LookupRequests SoftmaxLayout::range_checks() const {
  lookup::LookupRequests requests = max_.range_checks();
  // (d, e) rows of (i, exp_table[i]).
  lookup::TableLookups exp = indexed_table(params_.exp_table);
  for (std::size_t t = 0; t < entries(); ++t) {
    for (std::size_t o = 0; o < lines(); ++o) {
      const std::size_t x = t * lines() + o;
      exp.columns[0].push_back({max_.difference(t, o)});
      exp.columns[1].push_back({exp_ + x});
      requests.add(kLimbBits, {quotient_ + x});
      requests.add(kLimbBits, {quotient_ + x, -1, params_.one});
      for (Slot limb : {remainder_low_, remainder_high_, gap_low_, gap_high_})
        requests.add(kLimbBits, {limb + x});
    }
  }
  requests.add_table(std::move(exp));
  requests.append(output_.range_checks());
  return requests;
}

// The maxima; the division zero-check (sumcheck, eq(rho)); the sums and
// the remainder split at rho; the output clamp.
double SoftmaxLayout::soundness_error() const {
  const double v = vars();
  return max_.soundness_error() + sumcheck::soundness_error(division_shape()) +
         (v + line_vars() + v) / challenge_field_size() + output_.soundness_error();
}

}  // namespace zkinfer::ops
