// SPDX-License-Identifier: Apache-2.0
#include "hash/packing.hpp"

#include <string>

namespace zkinfer::hash {

using field::Goldilocks;

namespace {

constexpr unsigned kElementBits = 63;  // every packed element stays below 2^63 < p

PackingRule rule_of(unsigned bits, std::int64_t offset) {
  return {bits, offset, kElementBits / bits};
}

}  // namespace

PackingRule packing_rule(ValueKind kind) {
  switch (kind) {
    case ValueKind::kInt8:
      return rule_of(8, 128);
    case ValueKind::kUint8:
      return rule_of(8, 0);
    case ValueKind::kInt16:
      return rule_of(16, std::int64_t{1} << 15);
    case ValueKind::kInt32:
      return rule_of(32, std::int64_t{1} << 31);
  }
  fail("packing: unknown value kind " + std::to_string(static_cast<unsigned>(kind)));
}

std::size_t packed_size(const MessageSegment& segment) {
  const std::size_t m = packing_rule(segment.kind).values_per_element;
  return (segment.count + m - 1) / m;
}

std::size_t packed_size(std::span<const MessageSegment> segments) {
  std::size_t total = 0;
  for (const MessageSegment& s : segments) total += packed_size(s);
  return total;
}

std::size_t value_count(std::span<const MessageSegment> segments) {
  std::size_t total = 0;
  for (const MessageSegment& s : segments) total += s.count;
  return total;
}

std::vector<Goldilocks> pack_message(std::span<const MessageSegment> segments,
                                     std::span<const std::int64_t> values) {
  if (values.size() != value_count(segments)) {
    fail("packing: " + std::to_string(values.size()) + " values for a message of " +
         std::to_string(value_count(segments)));
  }
  std::vector<Goldilocks> packed;
  packed.reserve(packed_size(segments));
  std::size_t next = 0;
  for (const MessageSegment& segment : segments) {
    const PackingRule rule = packing_rule(segment.kind);
    const std::size_t end = next + segment.count;
    while (next < end) {
      std::uint64_t element = 0;
      for (std::size_t t = 0; t < rule.values_per_element && next < end; ++t, ++next) {
        const std::int64_t v = values[next];
        // Compared before adding the offset, which could overflow for v near INT64_MAX.
        if (v < -rule.offset || v >= (std::int64_t{1} << rule.bits) - rule.offset) {
          fail("packing: value " + std::to_string(v) + " at index " + std::to_string(next) +
               " outside its kind's range");
        }
        element |= static_cast<std::uint64_t>(v + rule.offset) << (rule.bits * t);
      }
      packed.push_back(Goldilocks::from_canonical(element));
    }
  }
  return packed;
}

void write_message_segments(ByteWriter& w, std::span<const MessageSegment> segments) {
  w.u32(static_cast<std::uint32_t>(segments.size()));
  for (const MessageSegment& s : segments) {
    w.u8(static_cast<std::uint8_t>(s.kind));
    w.u64(s.count);
  }
}

}  // namespace zkinfer::hash
