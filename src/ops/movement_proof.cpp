// SPDX-License-Identifier: Apache-2.0
#include "ops/movement_proof.hpp"

#include "ops/movement.hpp"
#include "poly/multilinear.hpp"

namespace zkinfer::ops {
namespace {

using E = Challenge;

// The tensor of element numbers first, first + 1, ... in `shape`: moving it
// with an ops function gives, for each output element, its source.
IntTensor numbered(const Shape& shape, std::size_t first) {
  const std::size_t size = element_count(shape);
  if (first + size > static_cast<std::size_t>(INT32_MAX))
    fail("movement proof: tensors above 2^31 elements");
  IntTensor t = IntTensor::zeros(shape);
  for (std::size_t i = 0; i < size; ++i) t.values[i] = static_cast<std::int32_t>(first + i);
  return t;
}

}  // namespace

CopyLayout CopyLayout::allocate(WitnessLayout& layout, std::vector<Slot> sources) {
  CopyLayout out;
  out.sources_ = std::move(sources);
  out.output_ = layout.allocate(out.sources_.size());
  return out;
}

unsigned CopyLayout::vars() const {
  return poly::log2_ceil(sources_.size());
}

std::vector<std::int32_t> CopyLayout::fill(BaseWitness<E>& witness) const {
  std::vector<std::int32_t> values(sources_.size());
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    witness.at(output_ + i) = witness.at(sources_[i]);
    values[i] = static_cast<std::int32_t>(witness.at(sources_[i]).to_signed());
  }
  return values;
}

void CopyLayout::append_schema(hash::TranscriptSchema& schema, const std::string& prefix) const {
  schema.squeeze(prefix + "point", hash::ValueType::field<E>());
}

NoMessages CopyLayout::prove(const BaseWitness<E>&, hash::Transcript& transcript,
                             const std::string& prefix) const {
  transcript.challenges<E>(prefix + "point", vars());
  return {};
}

void CopyLayout::verify(const NoMessages&, hash::Transcript& transcript, const std::string& prefix,
                        ProofConstraints& cs) const {
  const std::vector<E> eq = poly::eq_table<E>(transcript.challenges<E>(prefix + "point", vars()));
  ProofForm form;
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    form.add_term(output_ + i, eq[i]);
    form.add_term(sources_[i], -eq[i]);
  }
  cs.require_zero(std::move(form));
}

double CopyLayout::soundness_error() const {
  return vars() / challenge_field_size();
}

CopyLayout transpose_layout(WitnessLayout& layout, const Shape& x, Slot input,
                            const std::vector<std::size_t>& perm) {
  const IntTensor moved = transpose(numbered(x, 0), perm);
  std::vector<Slot> sources(moved.size());
  for (std::size_t i = 0; i < sources.size(); ++i)
    sources[i] = input + static_cast<std::size_t>(moved.values[i]);
  return CopyLayout::allocate(layout, std::move(sources));
}

CopyLayout concat_layout(WitnessLayout& layout, std::span<const Shape> shapes,
                         std::span<const Slot> slots, std::size_t axis) {
  std::vector<IntTensor> numbers;
  std::vector<std::size_t> firsts;
  std::size_t first = 0;
  for (const Shape& s : shapes) {
    numbers.push_back(numbered(s, first));
    firsts.push_back(first);
    first += element_count(s);
  }
  std::vector<const IntTensor*> inputs;
  for (const IntTensor& t : numbers) inputs.push_back(&t);
  const IntTensor moved = concat(inputs, axis);
  std::vector<Slot> sources(moved.size());
  for (std::size_t i = 0; i < sources.size(); ++i) {
    const auto number = static_cast<std::size_t>(moved.values[i]);
    std::size_t k = firsts.size() - 1;
    while (firsts[k] > number) --k;
    sources[i] = slots[k] + number - firsts[k];
  }
  return CopyLayout::allocate(layout, std::move(sources));
}

}  // namespace zkinfer::ops
