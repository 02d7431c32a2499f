// SPDX-License-Identifier: Apache-2.0
#include "ops/gemm_proof.hpp"

#include "poly/multilinear.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;

enum MatmulTable : std::size_t { kInputSide, kWeightSide, kMatmulTables };

std::int32_t weight_zero_point(const MacQuant& quant, std::size_t channel) {
  return quant.weight_zero_points.size() == 1 ? quant.weight_zero_points[0]
                                              : quant.weight_zero_points[channel];
}

E sum(std::span<const E> values) {
  E total = E::zero();
  for (const E& v : values) total += v;
  return total;
}

}  // namespace

void GemmProof::write(ByteWriter& w) const {
  matmul.write(w);
  clamp.write(w);
}

GemmLayout GemmLayout::allocate(WitnessLayout& layout, const GemmShape& shape,
                                const MacQuant& quant, const GemmOperands& operands,
                                unsigned range_bits) {
  if (shape.rows == 0 || shape.inner == 0 || shape.outputs == 0) fail("gemm proof: empty shape");
  quant.validate(shape.outputs, "gemm proof");
  GemmLayout out;
  out.shape_ = shape;
  out.quant_ = quant;
  out.operands_ = operands;
  out.requant_ = RequantLayout::allocate(layout, shape.rows, shape.outputs, quant.rescale,
                                         "gemm proof", range_bits);
  out.matmul_pads_ = sumcheck::allocate_pads(layout, out.matmul_shape());
  return out;
}

unsigned GemmLayout::inner_vars() const {
  return poly::log2_ceil(shape_.inner);
}

sumcheck::SumcheckShape<E> GemmLayout::matmul_shape() const {
  sumcheck::SumcheckShape<E> shape;
  shape.num_vars = inner_vars();
  shape.num_tables = kMatmulTables;
  shape.table_is_public = {false, false};
  shape.terms = {{E::one(), {kInputSide, kWeightSide}}};
  return shape;
}

std::vector<E> GemmLayout::scaled_channel_weights(std::span<const E> channel_eq) const {
  std::vector<E> out(shape_.outputs);
  for (std::size_t j = 0; j < shape_.outputs; ++j) {
    out[j] = channel_eq[j] * E::from_i64(quant_.rescale.channel(j).multiplier);
  }
  return out;
}

IntTensor GemmLayout::fill(BaseWitness<E>& witness, const IntTensor& input, const IntTensor& weight,
                           std::span<const std::int32_t> bias, const RequantTamper& tamper) const {
  const auto [m, k, n] = shape_;
  if (input.shape != Shape{m, k} || weight.shape != Shape{n, k} ||
      (operands_.has_bias ? bias.size() != n : !bias.empty())) {
    fail("gemm proof: operands do not match the layout's shape");
  }
  // Both fail if an accumulator could leave the 2^46 bound.
  const IntTensor expected = gemm(input, weight, bias, quant_);
  const std::vector<std::int64_t> acc = gemm_accumulators(input, weight, bias, quant_);
  IntTensor output({m, n}, requant_.fill(witness, acc, tamper));
  // A tampered advice differs from ops::gemm by design; an honest one never.
  if (!tamper && output.values != expected.values) {
    fail("gemm proof: the requantized output differs from ops::gemm");
  }
  sumcheck::fill_pads(witness, matmul_shape(), matmul_pads_);
  return output;
}

void GemmLayout::append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const {
  schema.squeeze(prefix + "row-point", hash::ValueType::field<E>());
  schema.squeeze(prefix + "column-point", hash::ValueType::field<E>());
  sumcheck::append_schema(schema, prefix + "matmul/", matmul_shape());
  requant_.append_schema(schema, prefix + "clamp/");
}

GemmProof GemmLayout::prove(const BaseWitness<E>& witness, hash::Transcript& transcript,
                            const std::string& prefix) const {
  const auto [m, k, n] = shape_;
  const std::vector<E> row_eq =
      poly::eq_table<E>(transcript.challenges<E>(prefix + "row-point", poly::log2_ceil(m)));
  const std::vector<E> channel_weights = scaled_channel_weights(
      poly::eq_table<E>(transcript.challenges<E>(prefix + "column-point", poly::log2_ceil(n))));

  std::vector<std::vector<E>> tables(kMatmulTables,
                                     std::vector<E>(std::size_t{1} << inner_vars(), E::zero()));
  const E input_zero = E::from_i64(quant_.input_zero_point);
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t t = 0; t < k; ++t) {
      const E x = field::lift<E>(witness.at(operands_.input + i * k + t));
      tables[kInputSide][t] += row_eq[i] * (x - input_zero);
    }
  }
  for (std::size_t j = 0; j < n; ++j) {
    const E weight_zero = E::from_i64(weight_zero_point(quant_, j));
    for (std::size_t t = 0; t < k; ++t) {
      const E w = field::lift<E>(witness.at(operands_.weight + j * k + t));
      tables[kWeightSide][t] += channel_weights[j] * (w - weight_zero);
    }
  }
  GemmProof proof;
  proof.matmul = sumcheck::prove(matmul_shape(), std::move(tables), matmul_pads_, witness,
                                 transcript, prefix + "matmul/")
                     .proof;
  proof.clamp = requant_.prove(witness, transcript, prefix + "clamp/");
  return proof;
}

void GemmLayout::verify(const GemmProof& proof, hash::Transcript& transcript,
                        const std::string& prefix, ProofConstraints& cs) const {
  const auto [m, k, n] = shape_;
  const std::vector<E> row_eq =
      poly::eq_table<E>(transcript.challenges<E>(prefix + "row-point", poly::log2_ceil(m)));
  const std::vector<E> channel_eq =
      poly::eq_table<E>(transcript.challenges<E>(prefix + "column-point", poly::log2_ceil(n)));
  const std::span<const E> rows = std::span(row_eq).first(m);
  const std::span<const E> channels = std::span(channel_eq).first(n);
  const std::vector<E> channel_weights = scaled_channel_weights(channels);
  const E row_total = sum(rows);

  // sum_k A(k) B(k) = rescaled form - sum_{i,j} e_i e_j M_j b_j.
  ProofForm claim = requant_.rescaled_form(rows, channels);
  if (operands_.has_bias) {
    for (std::size_t j = 0; j < n; ++j) {
      claim.add_term(operands_.bias + j, -row_total * channel_weights[j]);
    }
  }
  const auto out = sumcheck::verify<E>(
      matmul_shape(), claim, proof.matmul, matmul_pads_,
      [](std::size_t, const std::vector<E>&) -> E { fail("gemm proof: no public table"); },
      transcript, prefix + "matmul/", cs);

  const std::vector<E> inner_eq = poly::eq_table<E>(out.point);
  const std::span<const E> inner = std::span(inner_eq).first(k);
  const E inner_total = sum(inner);
  ProofForm input_side =
      ProofForm::constant_value(-E::from_i64(quant_.input_zero_point) * row_total * inner_total);
  input_side.add_matrix(operands_.input, rows, inner);
  cs.require_equal(out.table_evaluations[kInputSide], std::move(input_side));

  ProofForm weight_side;
  for (std::size_t j = 0; j < n; ++j) {
    weight_side.constant -=
        channel_weights[j] * E::from_i64(weight_zero_point(quant_, j)) * inner_total;
  }
  weight_side.add_matrix(operands_.weight, channel_weights, inner);
  cs.require_equal(out.table_evaluations[kWeightSide], std::move(weight_side));

  requant_.verify(proof.clamp, transcript, prefix + "clamp/", cs);
}

// The matmul sumcheck, plus the random combination over (i, j) at
// (r_i, r_j), plus the clamp stage.
double GemmLayout::soundness_error() const {
  const double output_vars = poly::log2_ceil(shape_.rows) + poly::log2_ceil(shape_.outputs);
  return sumcheck::soundness_error(matmul_shape()) + output_vars / challenge_field_size() +
         requant_.soundness_error();
}

GemmProof GemmLayout::read_proof(ByteReader& reader) const {
  GemmProof proof;
  proof.matmul = sumcheck::SumcheckProof<E>::read(reader, matmul_shape());
  proof.clamp = requant_.read_proof(reader);
  return proof;
}

}  // namespace zkinfer::ops
