// SPDX-License-Identifier: Apache-2.0
// Packing of small integers into Goldilocks elements (hash/packing.hpp) and
// the native commitment built on it (hash/commitment.hpp).
#include "hash/commitment.hpp"

#include <gtest/gtest.h>

#include <set>

namespace zkinfer::hash {
namespace {

using field::Goldilocks;

TEST(Packing, RulesKeepEveryElementBelow2To63) {
  for (ValueKind kind :
       {ValueKind::kInt8, ValueKind::kUint8, ValueKind::kInt16, ValueKind::kInt32}) {
    const PackingRule rule = packing_rule(kind);
    EXPECT_LE(rule.bits * rule.values_per_element, 63u);
    EXPECT_GT(rule.bits * (rule.values_per_element + 1), 63u);  // as many as fit
  }
  EXPECT_EQ(packing_rule(ValueKind::kInt8).values_per_element, 7u);
  EXPECT_EQ(packing_rule(ValueKind::kInt32).values_per_element, 1u);
  EXPECT_THROW(packing_rule(static_cast<ValueKind>(9)), Error);
}

TEST(Packing, MatchesTheDocumentedFormula) {
  // int8: 7 per element, little-endian digits of v + 128; the 9th value
  // starts a second element that holds 2 values.
  const std::vector<MessageSegment> segments = {{ValueKind::kInt8, 9},
                                                {ValueKind::kInt32, 2},
                                                {ValueKind::kUint8, 1},
                                                {ValueKind::kInt16, 4}};
  const std::vector<std::int64_t> values = {
      -128, -1, 0, 1, 127, 5, -5, 100, -100, -2147483648LL, 7, 200, -32768, 0, 32767, 9};
  const std::vector<Goldilocks> packed = pack_message(segments, values);
  std::uint64_t first = 0;
  for (int t = 0; t < 7; ++t) first |= static_cast<std::uint64_t>(values[t] + 128) << (8 * t);
  const std::vector<std::uint64_t> expected = {
      first,    (100 + 128) | (std::uint64_t{-100 + 128} << 8),
      0,        7 + (std::uint64_t{1} << 31),
      200,      0 | (std::uint64_t{32768} << 16) | (std::uint64_t{65535} << 32),
      9 + 32768};
  ASSERT_EQ(packed.size(), expected.size());
  EXPECT_EQ(packed_size(segments), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(packed[i].value(), expected[i]) << i;
}

TEST(Packing, IsInjectiveOnInRangeValues) {
  // Every pair of int8 values in one element packs differently.
  std::set<std::uint64_t> seen;
  const std::vector<MessageSegment> segments = {{ValueKind::kInt8, 2}};
  for (std::int64_t a = -128; a < 128; ++a) {
    for (std::int64_t b = -128; b < 128; ++b) {
      const std::vector<std::int64_t> values = {a, b};
      seen.insert(pack_message(segments, values)[0].value());
    }
  }
  EXPECT_EQ(seen.size(), 256u * 256u);
}

TEST(Packing, RejectsOutOfRangeValuesAndCountMismatch) {
  const std::vector<MessageSegment> int8 = {{ValueKind::kInt8, 1}};
  for (std::int64_t v : std::vector<std::int64_t>{-129, 128, 256, INT64_MIN, INT64_MAX}) {
    const std::vector<std::int64_t> values = {v};
    EXPECT_THROW(pack_message(int8, values), Error) << v;
  }
  const std::vector<MessageSegment> uint8 = {{ValueKind::kUint8, 1}};
  EXPECT_THROW(pack_message(uint8, std::vector<std::int64_t>{-1}), Error);
  const std::vector<MessageSegment> int32 = {{ValueKind::kInt32, 1}};
  EXPECT_THROW(pack_message(int32, std::vector<std::int64_t>{std::int64_t{1} << 31}), Error);
  EXPECT_THROW(pack_message(int8, std::vector<std::int64_t>{}), Error);
}

TEST(Commitment, IsTheSpongeOfSaltPrefixAndPackedMessage) {
  const CommitmentSalt salt = {Goldilocks::from_u64(11), Goldilocks::from_u64(12),
                               Goldilocks::from_u64(13), Goldilocks::from_u64(14)};
  const std::vector<Goldilocks> prefix = {Goldilocks::from_u64(21), Goldilocks::from_u64(22)};
  const std::vector<MessageSegment> segments = {{ValueKind::kInt8, 3}};
  const std::vector<std::int64_t> values = {-1, 0, 1};
  const std::vector<Goldilocks> preimage = {salt[0],
                                            salt[1],
                                            salt[2],
                                            salt[3],
                                            prefix[0],
                                            prefix[1],
                                            Goldilocks::from_u64(127 | (128 << 8) | (129 << 16))};
  EXPECT_EQ(commitment_preimage(salt, prefix, segments, values), preimage);
  EXPECT_EQ(commitment(kModelCommitmentTag, salt, prefix, segments, values),
            poseidon2_hash(preimage, kModelCommitmentTag));
  // The tags separate model and input commitments of identical data.
  EXPECT_NE(commitment(kModelCommitmentTag, salt, prefix, segments, values),
            commitment(kInputCommitmentTag, salt, prefix, segments, values));
}

TEST(Commitment, SaltsAreFreshAndHide) {
  const CommitmentSalt a = draw_commitment_salt(), b = draw_commitment_salt();
  EXPECT_NE(a, b);
  const std::vector<MessageSegment> segments = {{ValueKind::kUint8, 1}};
  const std::vector<std::int64_t> values = {42};
  EXPECT_NE(commitment(kInputCommitmentTag, a, {}, segments, values),
            commitment(kInputCommitmentTag, b, {}, segments, values));
}

}  // namespace
}  // namespace zkinfer::hash
