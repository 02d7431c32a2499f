// SPDX-License-Identifier: Apache-2.0
#include "gkr/message_packing.hpp"

#include <algorithm>
#include <string>

namespace zkinfer::gkr {
namespace {

using field::Goldilocks;

void check_slots(std::span<const hash::MessageSegment> segments, const MessageSlots& slots) {
  if (slots.segment_first.size() != segments.size()) {
    fail("message packing: " + std::to_string(slots.segment_first.size()) + " segment slots for " +
         std::to_string(segments.size()) + " segments");
  }
}

}  // namespace

std::vector<RangeCheck> range_checks(std::span<const hash::MessageSegment> segments,
                                     const MessageSlots& slots) {
  check_slots(segments, slots);
  std::vector<RangeCheck> out;
  for (std::size_t s = 0; s < segments.size(); ++s) {
    if (segments[s].count == 0) continue;
    const hash::PackingRule rule = hash::packing_rule(segments[s].kind);
    out.push_back({slots.segment_first[s], segments[s].count, rule.bits, rule.offset});
  }
  return out;
}

std::vector<pcs::LinearForm> packed_element_forms(std::span<const hash::MessageSegment> segments,
                                                  const MessageSlots& slots) {
  check_slots(segments, slots);
  std::vector<pcs::LinearForm> forms;
  forms.reserve(hash::packed_size(segments));
  for (std::size_t s = 0; s < segments.size(); ++s) {
    const hash::PackingRule rule = hash::packing_rule(segments[s].kind);
    const Goldilocks offset = Goldilocks::from_i64(rule.offset);
    for (std::size_t first = 0; first < segments[s].count; first += rule.values_per_element) {
      const std::size_t digits = std::min(rule.values_per_element, segments[s].count - first);
      pcs::LinearForm form;
      form.terms.reserve(digits);
      for (std::size_t t = 0; t < digits; ++t) {
        const Goldilocks weight = Goldilocks::from_u64(std::uint64_t{1} << (rule.bits * t));
        form.add_term(slots.segment_first[s] + first + t, Challenge(weight));
        form.constant += Challenge(offset * weight);
      }
      forms.push_back(std::move(form));
    }
  }
  return forms;
}

std::vector<std::int64_t> read_values(std::span<const hash::MessageSegment> segments,
                                      const MessageSlots& slots,
                                      const sumcheck::BaseWitness<Challenge>& witness) {
  check_slots(segments, slots);
  std::vector<std::int64_t> values;
  values.reserve(hash::value_count(segments));
  for (std::size_t s = 0; s < segments.size(); ++s) {
    for (std::size_t i = 0; i < segments[s].count; ++i) {
      values.push_back(witness.at(slots.segment_first[s] + i).to_i64());
    }
  }
  return values;
}

}  // namespace zkinfer::gkr
