// SPDX-License-Identifier: Apache-2.0
#include "ops/conv_proof.hpp"

#include <numeric>

#include "poly/multilinear.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;

enum TapTable : std::size_t { kInputSide, kWeightSide, kTapTables };

std::int32_t weight_zero_point(const MacQuant& quant, std::size_t channel) {
  return quant.weight_zero_points.size() == 1 ? quant.weight_zero_points[0]
                                              : quant.weight_zero_points[channel];
}

E sum(std::span<const E> values) {
  return std::accumulate(values.begin(), values.end(), E::zero());
}

std::vector<E> cut_eq(hash::Transcript& transcript, const std::string& label, std::size_t side) {
  std::vector<E> eq = poly::eq_table<E>(transcript.challenges<E>(label, poly::log2_ceil(side)));
  eq.resize(side);
  return eq;
}

}  // namespace

void MacProof::write(ByteWriter& w) const {
  sums.write(w);
  clamp.write(w);
}

ConvLayout ConvLayout::allocate(WitnessLayout& layout, const Shape& input, const Shape& weight,
                                const ConvParams& params, const MacOperands& operands,
                                unsigned range_bits) {
  ConvLayout out;
  out.output_shape_ = params.output_shape(input, weight);
  params.quant.validate(weight[0], "conv proof");
  out.geometry_ = {input[0],
                   input[1],
                   input[2],
                   input[3],
                   weight[0],
                   weight[2],
                   weight[3],
                   params.groups,
                   out.output_shape_[2],
                   out.output_shape_[3]};
  out.window_ = params.window(weight);
  out.quant_ = params.quant;
  out.operands_ = operands;
  const Geometry& g = out.geometry_;
  out.requant_ = RequantLayout::allocate(layout, {g.batch, g.outputs, g.positions()},
                                         params.quant.rescale, "conv proof", range_bits);
  out.taps_pads_ = sumcheck::allocate_pads(layout, out.taps_shape());
  return out;
}

unsigned ConvLayout::group_vars() const {
  return poly::log2_ceil(geometry_.groups);
}

unsigned ConvLayout::depth_vars() const {
  return poly::log2_ceil(geometry_.depth());
}

sumcheck::SumcheckShape<E> ConvLayout::taps_shape() const {
  sumcheck::SumcheckShape<E> shape;
  shape.num_vars = group_vars() + depth_vars();
  shape.num_tables = kTapTables;
  shape.table_is_public = {false, false};
  shape.terms = {{E::one(), {kInputSide, kWeightSide}}};
  return shape;
}

ConvLayout::OutputPoint ConvLayout::output_point(hash::Transcript& transcript,
                                                 const std::string& prefix) const {
  OutputPoint point;
  point.images = cut_eq(transcript, prefix + "image-point", geometry_.batch);
  point.channels = cut_eq(transcript, prefix + "channel-point", geometry_.outputs);
  point.positions = cut_eq(transcript, prefix + "position-point", geometry_.positions());
  return point;
}

std::vector<E> ConvLayout::scaled_channel_weights(std::span<const E> channel_eq) const {
  std::vector<E> out(geometry_.outputs);
  for (std::size_t m = 0; m < out.size(); ++m)
    out[m] = channel_eq[m] * E::from_i64(quant_.rescale.channel(m).multiplier);
  return out;
}

template <class Visit>
void ConvLayout::for_each_tap(const OutputPoint& point, const Visit& visit) const {
  const Geometry& g = geometry_;
  std::vector<E> image_positions(g.positions());
  for (std::size_t n = 0; n < g.batch; ++n) {
    for (std::size_t p = 0; p < g.positions(); ++p)
      image_positions[p] = point.images[n] * point.positions[p];
    for (std::size_t group = 0; group < g.groups; ++group) {
      for (std::size_t c = 0; c < g.group_in(); ++c) {
        const std::size_t plane = (n * g.channels + group * g.group_in() + c) * g.height * g.width;
        for (std::size_t i = 0; i < g.kernel_h; ++i) {
          for (std::size_t j = 0; j < g.kernel_w; ++j) {
            const std::size_t tap =
                (group << depth_vars()) | ((c * g.kernel_h + i) * g.kernel_w + j);
            for (std::size_t oh = 0; oh < g.out_h; ++oh) {
              const std::int64_t ih = window_.coordinate(0, oh, i);
              if (ih < 0 || ih >= static_cast<std::int64_t>(g.height)) continue;
              for (std::size_t ow = 0; ow < g.out_w; ++ow) {
                const std::int64_t iw = window_.coordinate(1, ow, j);
                if (iw < 0 || iw >= static_cast<std::int64_t>(g.width)) continue;
                visit(tap,
                      plane + static_cast<std::size_t>(ih) * g.width + static_cast<std::size_t>(iw),
                      image_positions[oh * g.out_w + ow]);
              }
            }
          }
        }
      }
    }
  }
}

IntTensor ConvLayout::fill(BaseWitness<E>& witness, const IntTensor& input, const IntTensor& weight,
                           std::span<const std::int32_t> bias, const RequantTamper& tamper) const {
  const Geometry& g = geometry_;
  if (input.shape != Shape{g.batch, g.channels, g.height, g.width} ||
      weight.shape != Shape{g.outputs, g.group_in(), g.kernel_h, g.kernel_w} ||
      (operands_.has_bias ? bias.size() != g.outputs : !bias.empty())) {
    fail("conv proof: operands do not match the layout's shape");
  }
  ConvParams params;
  params.strides = window_.strides;
  params.dilations = window_.dilations;
  params.pads = window_.pads;
  params.groups = g.groups;
  params.quant = quant_;
  // Both fail if an accumulator could leave the 2^46 bound.
  const IntTensor expected = conv(input, weight, bias, params);
  const std::vector<std::int64_t> acc = conv_accumulators(input, weight, bias, params);
  IntTensor output(output_shape_, requant_.fill(witness, acc, tamper));
  // A tampered advice differs from ops::conv by design; an honest one never.
  if (!tamper && output.values != expected.values)
    fail("conv proof: the requantized output differs from ops::conv");
  sumcheck::fill_pads(witness, taps_shape(), taps_pads_);
  return output;
}

void ConvLayout::append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const {
  for (const char* point : {"image-point", "channel-point", "position-point"})
    schema.squeeze(prefix + point, hash::ValueType::field<E>());
  sumcheck::append_schema(schema, prefix + "taps/", taps_shape());
  requant_.append_schema(schema, prefix + "clamp/");
}

MacProof ConvLayout::prove(const BaseWitness<E>& witness, hash::Transcript& transcript,
                           const std::string& prefix) const {
  const Geometry& g = geometry_;
  const OutputPoint point = output_point(transcript, prefix);
  const std::vector<E> channel_weights = scaled_channel_weights(point.channels);
  std::vector<std::vector<E>> tables(
      kTapTables, std::vector<E>(std::size_t{1} << (group_vars() + depth_vars()), E::zero()));
  const E input_zero = E::from_i64(quant_.input_zero_point);
  for_each_tap(point, [&](std::size_t tap, std::size_t element, const E& weight) {
    tables[kInputSide][tap] +=
        weight * (field::lift<E>(witness.at(operands_.input + element)) - input_zero);
  });
  for (std::size_t m = 0; m < g.outputs; ++m) {
    const E weight_zero = E::from_i64(weight_zero_point(quant_, m));
    const std::size_t first_tap = (m / g.group_out()) << depth_vars();
    for (std::size_t t = 0; t < g.depth(); ++t) {
      const E w = field::lift<E>(witness.at(operands_.weight + m * g.depth() + t));
      tables[kWeightSide][first_tap | t] += channel_weights[m] * (w - weight_zero);
    }
  }
  MacProof proof;
  proof.sums = sumcheck::prove(taps_shape(), std::move(tables), taps_pads_, witness, transcript,
                               prefix + "taps/")
                   .proof;
  proof.clamp = requant_.prove(witness, transcript, prefix + "clamp/");
  return proof;
}

void ConvLayout::verify(const MacProof& proof, hash::Transcript& transcript,
                        const std::string& prefix, ProofConstraints& cs) const {
  const Geometry& g = geometry_;
  const OutputPoint point = output_point(transcript, prefix);
  const std::vector<E> channel_weights = scaled_channel_weights(point.channels);

  // sum_k A(k) B(k) = rescaled form - sum_{n,m,p} e_n e_m e_p M_m b_m.
  ProofForm claim = requant_.rescaled_form(point.images, point.channels, point.positions);
  if (operands_.has_bias) {
    const E images_positions = sum(point.images) * sum(point.positions);
    for (std::size_t m = 0; m < g.outputs; ++m)
      claim.add_term(operands_.bias + m, -images_positions * channel_weights[m]);
  }
  const auto out = sumcheck::verify<E>(
      taps_shape(), claim, proof.sums, taps_pads_,
      [](std::size_t, const std::vector<E>&) -> E { fail("conv proof: no public table"); },
      transcript, prefix + "taps/", cs);
  const std::vector<E> tap_eq = poly::eq_table<E>(out.point);

  // A(rho): every input element weighted by the windows that read it.
  std::vector<E> input_weights(g.batch * g.channels * g.height * g.width, E::zero());
  E covered = E::zero();
  for_each_tap(point, [&](std::size_t tap, std::size_t element, const E& weight) {
    const E w = tap_eq[tap] * weight;
    input_weights[element] += w;
    covered += w;
  });
  ProofForm input_side = ProofForm::constant_value(-E::from_i64(quant_.input_zero_point) * covered);
  for (std::size_t x = 0; x < input_weights.size(); ++x)
    if (input_weights[x] != E::zero()) input_side.add_term(operands_.input + x, input_weights[x]);
  cs.require_equal(out.table_evaluations[kInputSide], std::move(input_side));

  // B(rho) over W [M, depth].
  ProofForm weight_side;
  for (std::size_t m = 0; m < g.outputs; ++m) {
    const std::size_t first_tap = (m / g.group_out()) << depth_vars();
    const std::span<const E> taps = std::span(tap_eq).subspan(first_tap, g.depth());
    for (std::size_t t = 0; t < g.depth(); ++t)
      weight_side.add_term(operands_.weight + m * g.depth() + t, channel_weights[m] * taps[t]);
    weight_side.constant -=
        channel_weights[m] * E::from_i64(weight_zero_point(quant_, m)) * sum(taps);
  }
  cs.require_equal(out.table_evaluations[kWeightSide], std::move(weight_side));

  requant_.verify(proof.clamp, transcript, prefix + "clamp/", cs);
}

// The tap sumcheck, plus the random combination over (n, m, p) at the
// output point, plus the clamp stage.
double ConvLayout::soundness_error() const {
  const Geometry& g = geometry_;
  const double output_vars =
      poly::log2_ceil(g.batch) + poly::log2_ceil(g.outputs) + poly::log2_ceil(g.positions());
  return sumcheck::soundness_error(taps_shape()) + output_vars / challenge_field_size() +
         requant_.soundness_error();
}

MacProof ConvLayout::read_proof(ByteReader& reader) const {
  MacProof proof;
  proof.sums = sumcheck::SumcheckProof<E>::read(reader, taps_shape());
  proof.clamp = requant_.read_proof(reader);
  return proof;
}

}  // namespace zkinfer::ops
