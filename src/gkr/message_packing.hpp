// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "hash/packing.hpp"
#include "pcs/pcs.hpp"
#include "sumcheck/pads.hpp"

// The packing of hash/packing.hpp over committed values: a message's values
// are committed one per slot (as Goldilocks::from_i64), and each packed
// element is the public affine form
//
//   sum_t 2^(bits * t) * w[value slot t]  +  offset * sum_t 2^(bits * t)
//
// of its values' slots. The sponge circuit uses these forms directly as the
// absorbed rate lanes, so the packed elements are never committed themselves.
//
// The forms equal the native packing only when every value is in its kind's
// range: the caller MUST range-check every slot listed by range_checks (one
// batched LogUp for the whole proof), or the commitment no longer binds the
// values (a value 256 in one digit and -1 in the next packs like 0 and 0).
namespace zkinfer::gkr {

using pcs::Challenge;
using sumcheck::Slot;

// Where a message is committed: the values of segment s at
// segment_first[s] + i, i < count (consecutive slots per segment).
struct MessageSlots {
  std::vector<Slot> segment_first;
};

// value + offset must lie in [0, 2^bits) for every slot in [first, first + count).
struct RangeCheck {
  Slot first = 0;
  std::size_t count = 0;
  unsigned bits = 0;
  std::int64_t offset = 0;
  bool operator==(const RangeCheck&) const = default;
};

// The range checks that make the packing injective, one per non-empty segment.
std::vector<RangeCheck> range_checks(std::span<const hash::MessageSegment> segments,
                                     const MessageSlots& slots);

// The packed elements, in order, as affine forms over the value slots.
std::vector<pcs::LinearForm> packed_element_forms(std::span<const hash::MessageSegment> segments,
                                                  const MessageSlots& slots);

// Prover: the committed values, as signed integers, in segment order.
std::vector<std::int64_t> read_values(std::span<const hash::MessageSegment> segments,
                                      const MessageSlots& slots,
                                      const sumcheck::BaseWitness<Challenge>& witness);

}  // namespace zkinfer::gkr
