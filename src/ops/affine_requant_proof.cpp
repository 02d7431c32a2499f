// SPDX-License-Identifier: Apache-2.0
#include "ops/affine_requant_proof.hpp"

#include <algorithm>
#include <cmath>

#include "poly/multilinear.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;

// The requantization argument needs |M * acc| < 2^62 (docs/ops-proofs.md).
constexpr double kMaxScaledAccumulator = 0x1p62;

}  // namespace

void AffineAccumulators::add_element(std::int64_t constant, std::span<const Term> terms) {
  constants_.push_back(constant);
  terms_.insert(terms_.end(), terms.begin(), terms.end());
  first_.push_back(terms_.size());
}

double AffineAccumulators::magnitude_bound() const {
  double bound = 0;
  for (std::size_t x = 0; x < size(); ++x) {
    double magnitude = std::abs(static_cast<double>(constants_[x]));
    for (const Term& t : terms(x))
      magnitude += std::abs(static_cast<double>(t.coefficient)) * 0x1p31;
    bound = std::max(bound, magnitude);
  }
  return bound;
}

AffineRequantLayout AffineRequantLayout::allocate(WitnessLayout& layout, const RequantShape& shape,
                                                  const Rescale& rescale,
                                                  AffineAccumulators accumulators,
                                                  const std::string& op, unsigned range_bits) {
  if (accumulators.size() != shape.size())
    fail(op + ": " + std::to_string(accumulators.size()) + " accumulators for " +
         std::to_string(shape.size()) + " outputs");
  double multiplier = 0;
  for (const Requant& r : rescale.requants)
    multiplier = std::max(multiplier, static_cast<double>(r.multiplier));
  if (multiplier * accumulators.magnitude_bound() >= kMaxScaledAccumulator)
    fail(op + ": rescaled accumulators may reach 2^" +
         std::to_string(std::log2(multiplier * accumulators.magnitude_bound())) +
         ", beyond the 2^62 bound of the requantization proof");
  AffineRequantLayout out;
  out.requant_ = RequantLayout::allocate(layout, shape, rescale, op, range_bits);
  out.rescale_ = rescale;
  out.accumulators_ = std::move(accumulators);
  return out;
}

std::vector<std::int32_t> AffineRequantLayout::fill(BaseWitness<E>& witness,
                                                    const RequantTamper& tamper) const {
  std::vector<std::int64_t> acc(accumulators_.size());
  for (std::size_t x = 0; x < acc.size(); ++x) {
    acc[x] = accumulators_.constant(x);
    for (const auto& t : accumulators_.terms(x))
      acc[x] += t.coefficient * witness.at(t.slot).to_signed();
  }
  return requant_.fill(witness, acc, tamper);
}

void AffineRequantLayout::append_schema(hash::TranscriptSchema& schema,
                                        const std::string& prefix) const {
  schema.squeeze(prefix + "point", hash::ValueType::field<E>());
  requant_.append_schema(schema, prefix + "clamp/");
}

sumcheck::SumcheckProof<E> AffineRequantLayout::prove(const BaseWitness<E>& witness,
                                                      hash::Transcript& transcript,
                                                      const std::string& prefix) const {
  transcript.challenges<E>(prefix + "point", requant_.vars());
  return requant_.prove(witness, transcript, prefix + "clamp/");
}

void AffineRequantLayout::verify(const sumcheck::SumcheckProof<E>& proof,
                                 hash::Transcript& transcript, const std::string& prefix,
                                 ProofConstraints& cs) const {
  const std::vector<E> point = transcript.challenges<E>(prefix + "point", requant_.vars());
  const auto [outer, channels, inner] = requant_.split_eq(point);
  const RequantShape& shape = requant_.shape();
  // rescaled_form(e) - sum_x e(x) M_j(x) acc_x = 0.
  ProofForm form = requant_.rescaled_form(outer, channels, inner);
  std::size_t x = 0;
  for (std::size_t o = 0; o < shape.outer; ++o) {
    for (std::size_t j = 0; j < shape.channels; ++j) {
      const E channel = outer[o] * channels[j] * E::from_i64(rescale_.channel(j).multiplier);
      for (std::size_t p = 0; p < shape.inner; ++p, ++x) {
        const E weight = channel * inner[p];
        form.constant -= weight * E::from_i64(accumulators_.constant(x));
        for (const auto& t : accumulators_.terms(x))
          form.add_term(t.slot, -weight * E::from_i64(t.coefficient));
      }
    }
  }
  cs.require_zero(std::move(form));
  requant_.verify(proof, transcript, prefix + "clamp/", cs);
}

double AffineRequantLayout::soundness_error() const {
  return requant_.vars() / challenge_field_size() + requant_.soundness_error();
}

}  // namespace zkinfer::ops

namespace zkinfer::ops {
namespace {

using Term = AffineAccumulators::Term;

Rescale single(const Requant& requant, const OutputClamp& output) {
  Rescale r;
  r.requants = {requant};
  r.output = output;
  return r;
}

}  // namespace

AffineRequantLayout requantize_layout(WitnessLayout& layout, const Shape& x, Slot input,
                                      std::int32_t input_zero_point, const Rescale& rescale,
                                      std::size_t channel_axis) {
  const std::size_t size = element_count(x);
  RequantShape shape{1, 1, size};
  if (rescale.requants.size() != 1) {
    if (channel_axis >= x.size()) fail("requantize proof: channel axis outside the tensor");
    shape.channels = x[channel_axis];
    for (std::size_t d = 0; d < channel_axis; ++d) shape.outer *= x[d];
    shape.inner = size / (shape.outer * shape.channels);
  }
  AffineAccumulators acc;
  for (std::size_t i = 0; i < size; ++i) {
    const Term term{input + i, 1};
    acc.add_element(-std::int64_t{input_zero_point}, std::span(&term, 1));
  }
  return AffineRequantLayout::allocate(layout, shape, rescale, std::move(acc), "requantize proof");
}

AffineRequantLayout add_layout(WitnessLayout& layout, const Shape& a, Slot a_slot, const Shape& b,
                               Slot b_slot, const AddParams& params, bool subtract) {
  const std::string op = subtract ? "sub proof" : "add proof";
  params.validate(op);
  const Shape out = broadcast_shape(a, b, op);
  const std::int64_t ma = params.requant.multiplier_a;
  const std::int64_t mb = subtract ? -params.requant.multiplier_b : params.requant.multiplier_b;
  AffineAccumulators acc;
  for (std::size_t i = 0; i < element_count(out); ++i) {
    const Term terms[] = {{a_slot + broadcast_source(out, a, i), ma},
                          {b_slot + broadcast_source(out, b, i), mb}};
    acc.add_element(-(ma * params.a_zero_point + mb * params.b_zero_point), terms);
  }
  return AffineRequantLayout::allocate(layout, {1, 1, element_count(out)},
                                       single({1, params.requant.shift}, params.output),
                                       std::move(acc), op);
}

AffineRequantLayout average_pool_layout(WitnessLayout& layout, const Shape& x, Slot input,
                                        const PoolParams& params, const AverageQuant& quant,
                                        bool global) {
  const std::string op = global ? "global average pool proof" : "average pool proof";
  if (x.size() != 4) fail(op + ": input " + shape_string(x) + " is not [N, C, H, W]");
  PoolParams p = params;
  if (global) p = PoolParams{.window = {.kernel = {x[2], x[3]}}};
  const Shape out = p.output_shape(x, op);
  const Window2d& win = p.window;
  const std::size_t area = win.kernel[0] * win.kernel[1];
  quant.validate(area, op);
  // Where padding is excluded from the count, windows at the border divide
  // by fewer taps: each output position gets the requant of its own divisor,
  // taken as a "channel" of the requantization ([planes, positions, 1]).
  std::vector<Requant> position_requants(out[2] * out[3]);
  AffineAccumulators acc;
  std::vector<Term> terms;
  for (std::size_t plane = 0; plane < out[0] * out[1]; ++plane) {
    for (std::size_t oh = 0; oh < out[2]; ++oh) {
      for (std::size_t ow = 0; ow < out[3]; ++ow) {
        terms.clear();
        for (std::size_t i = 0; i < win.kernel[0]; ++i) {
          const std::int64_t ih = win.coordinate(0, oh, i);
          for (std::size_t j = 0; j < win.kernel[1]; ++j) {
            const std::int64_t iw = win.coordinate(1, ow, j);
            if (ih < 0 || iw < 0 || ih >= static_cast<std::int64_t>(x[2]) ||
                iw >= static_cast<std::int64_t>(x[3]))
              continue;
            terms.push_back({input + (plane * x[2] + static_cast<std::size_t>(ih)) * x[3] +
                                 static_cast<std::size_t>(iw),
                             1});
          }
        }
        const std::size_t divisor = p.count_include_pad ? area : terms.size();
        position_requants[oh * out[3] + ow] = quant.per_count.at(divisor - 1);
        acc.add_element(-static_cast<std::int64_t>(terms.size()) * quant.input_zero_point, terms);
      }
    }
  }
  const bool one_divisor =
      std::all_of(position_requants.begin(), position_requants.end(),
                  [&](const Requant& r) { return r == position_requants.front(); });
  Rescale rescale = single(position_requants.front(), quant.output);
  if (!one_divisor) rescale.requants = std::move(position_requants);
  const RequantShape shape = one_divisor ? RequantShape{1, 1, element_count(out)}
                                         : RequantShape{out[0] * out[1], out[2] * out[3], 1};
  return AffineRequantLayout::allocate(layout, shape, rescale, std::move(acc), op);
}

}  // namespace zkinfer::ops
