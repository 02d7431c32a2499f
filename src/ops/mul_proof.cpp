// SPDX-License-Identifier: Apache-2.0
#include "ops/mul_proof.hpp"

#include <numeric>

#include "poly/multilinear.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;

enum ProductTable : std::size_t { kEq, kLeft, kRight, kProductTables };

std::vector<Slot> sources(const Shape& out, const MulOperand& operand) {
  std::vector<Slot> slots(element_count(out));
  for (std::size_t x = 0; x < slots.size(); ++x)
    slots[x] = operand.slot + broadcast_source(out, operand.shape, x);
  return slots;
}

}  // namespace

MulLayout MulLayout::allocate(WitnessLayout& layout, const MulOperand& a, const MulOperand& b,
                              const MulParams& params, unsigned range_bits) {
  params.validate("mul proof");
  const Shape out = broadcast_shape(a.shape, b.shape, "mul proof");
  if (static_cast<double>(params.requant.multiplier) * static_cast<double>(a.centred_bound) *
          static_cast<double>(b.centred_bound) >=
      0x1p62)
    fail("mul proof: rescaled products may reach 2^62, the bound of the requantization proof");
  MulLayout m;
  m.params_ = params;
  m.a_sources_ = sources(out, a);
  m.b_sources_ = sources(out, b);
  Rescale rescale;
  rescale.requants = {params.requant};
  rescale.output = params.output;
  m.requant_ =
      RequantLayout::allocate(layout, {1, 1, element_count(out)}, rescale, "mul proof", range_bits);
  m.product_pads_ = sumcheck::allocate_pads(layout, m.product_shape());
  return m;
}

sumcheck::SumcheckShape<E> MulLayout::product_shape() const {
  sumcheck::SumcheckShape<E> shape;
  shape.num_vars = requant_.vars();
  shape.num_tables = kProductTables;
  shape.table_is_public = {true, false, false};
  shape.terms = {{E::from_i64(params_.requant.multiplier), {kEq, kLeft, kRight}}};
  return shape;
}

std::vector<std::int32_t> MulLayout::fill(BaseWitness<E>& witness,
                                          const RequantTamper& tamper) const {
  std::vector<std::int64_t> acc(a_sources_.size());
  for (std::size_t x = 0; x < acc.size(); ++x)
    acc[x] = (witness.at(a_sources_[x]).to_signed() - params_.a_zero_point) *
             (witness.at(b_sources_[x]).to_signed() - params_.b_zero_point);
  std::vector<std::int32_t> y = requant_.fill(witness, acc, tamper);
  sumcheck::fill_pads(witness, product_shape(), product_pads_);
  return y;
}

void MulLayout::append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const {
  schema.squeeze(prefix + "point", hash::ValueType::field<E>());
  sumcheck::append_schema(schema, prefix + "products/", product_shape());
  requant_.append_schema(schema, prefix + "clamp/");
}

MacProof MulLayout::prove(const BaseWitness<E>& witness, hash::Transcript& transcript,
                          const std::string& prefix) const {
  const std::vector<E> rho = transcript.challenges<E>(prefix + "point", requant_.vars());
  std::vector<sumcheck::Table<E>> tables(kProductTables);
  tables[kEq] = sumcheck::Table<E>::eq(rho);
  const auto centred = [&](const std::vector<Slot>& slots, std::int32_t zero_point) {
    std::vector<E> table(std::size_t{1} << requant_.vars(), E::zero());
    for (std::size_t x = 0; x < slots.size(); ++x)
      table[x] = field::lift<E>(witness.at(slots[x])) - E::from_i64(zero_point);
    return table;
  };
  tables[kLeft] = centred(a_sources_, params_.a_zero_point);
  tables[kRight] = centred(b_sources_, params_.b_zero_point);
  MacProof proof;
  proof.sums = sumcheck::prove(product_shape(), std::move(tables), product_pads_, witness,
                               transcript, prefix + "products/")
                   .proof;
  proof.clamp = requant_.prove(witness, transcript, prefix + "clamp/");
  return proof;
}

ProofForm MulLayout::operand_form(const std::vector<Slot>& slots, std::int32_t zero_point,
                                  std::span<const E> point) const {
  const std::vector<E> eq = poly::eq_table<E>(point);
  ProofForm form;
  E total = E::zero();
  for (std::size_t x = 0; x < slots.size(); ++x) {
    form.add_term(slots[x], eq[x]);
    total += eq[x];
  }
  form.constant = -E::from_i64(zero_point) * total;
  return form;
}

void MulLayout::verify(const MacProof& proof, hash::Transcript& transcript,
                       const std::string& prefix, ProofConstraints& cs) const {
  const std::vector<E> rho = transcript.challenges<E>(prefix + "point", requant_.vars());
  const auto [outer, channels, inner] = requant_.split_eq(rho);
  const auto out = sumcheck::verify<E>(
      product_shape(), requant_.rescaled_form(outer, channels, inner), proof.sums, product_pads_,
      [&rho](std::size_t, const std::vector<E>& point) { return lookup::eq_eval<E>(rho, point); },
      transcript, prefix + "products/", cs);
  cs.require_equal(out.table_evaluations[kLeft],
                   operand_form(a_sources_, params_.a_zero_point, out.point));
  cs.require_equal(out.table_evaluations[kRight],
                   operand_form(b_sources_, params_.b_zero_point, out.point));
  requant_.verify(proof.clamp, transcript, prefix + "clamp/", cs);
}

MacProof MulLayout::read_proof(ByteReader& reader) const {
  MacProof proof;
  proof.sums = sumcheck::SumcheckProof<E>::read(reader, product_shape());
  proof.clamp = requant_.read_proof(reader);
  return proof;
}

// The product sumcheck, the random combination at rho, and the clamp stage.
double MulLayout::soundness_error() const {
  return sumcheck::soundness_error(product_shape()) + requant_.vars() / challenge_field_size() +
         requant_.soundness_error();
}

}  // namespace zkinfer::ops
