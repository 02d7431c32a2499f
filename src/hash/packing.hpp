// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/bytes.hpp"
#include "field/goldilocks.hpp"

// Packing of small integers (quantized weights, biases, inputs) into
// Goldilocks elements, so that a commitment hashes ~7 int8 values per sponge
// element instead of one (docs/commitments.md, "Packing").
//
// A message is a sequence of segments; each segment holds `count` values of
// one kind, and the kinds and counts are public (they follow from the public
// architecture). Each segment is packed on its own, in order:
//
//   element k of a segment = sum_{t < m} 2^(bits * t) * (v_{k*m + t} + offset)
//
// over the values v_{k*m}, ..., v_{k*m + m - 1} that exist (the last element
// of a segment may hold fewer), with m = values_per_element = floor(63 / bits).
// Every element is therefore an integer below 2^63 < p, and as long as every
// value satisfies 0 <= v + offset < 2^bits the elements are the base-2^bits
// digits of the message: the packing is injective. It is a fixed public
// affine map of the values, so in-circuit it is one linear form per element
// (gkr/message_packing.hpp).
//
// The range condition is what makes the map injective. Natively pack_message
// enforces it; in-circuit the caller must range-check every committed value
// (gkr::range_checks lists them), otherwise a prover could commit, say, 256
// in place of 0 and a carry into the next digit and hash the same element.
namespace zkinfer::hash {

enum class ValueKind : std::uint8_t { kInt8 = 1, kUint8 = 2, kInt16 = 3, kInt32 = 4 };

struct PackingRule {
  unsigned bits = 0;                   // v + offset lies in [0, 2^bits)
  std::int64_t offset = 0;             // maps the signed range to [0, 2^bits)
  std::size_t values_per_element = 0;  // floor(63 / bits)
};

// int8: 8 bits, offset 128, 7 per element; uint8: 8 bits, offset 0, 7 per
// element; int16: 16 bits, offset 2^15, 3 per element; int32: 32 bits,
// offset 2^31, 1 per element (two would exceed p: 2^64 > p, and the packing
// would no longer be injective).
PackingRule packing_rule(ValueKind kind);

// `count` values of one kind.
struct MessageSegment {
  ValueKind kind = ValueKind::kInt8;
  std::size_t count = 0;
  bool operator==(const MessageSegment&) const = default;
};

// Elements the segment packs into: ceil(count / values_per_element).
std::size_t packed_size(const MessageSegment& segment);
std::size_t packed_size(std::span<const MessageSegment> segments);
// Values in the whole message.
std::size_t value_count(std::span<const MessageSegment> segments);

// Packs `values` (the segments' values, concatenated in segment order).
// Throws Error on a count mismatch or a value outside its kind's range.
std::vector<field::Goldilocks> pack_message(std::span<const MessageSegment> segments,
                                            std::span<const std::int64_t> values);

// Canonical encoding of the segments, for the transcript parameters.
void write_message_segments(ByteWriter& w, std::span<const MessageSegment> segments);

}  // namespace zkinfer::hash
