// SPDX-License-Identifier: Apache-2.0
// Sizing the batch's range tables and splitting wider checks into limbs.
#include "lookup/lookup_batch.hpp"

#include <gtest/gtest.h>

#include "field/extension.hpp"

namespace zkinfer::lookup {
namespace {

using field::Goldilocks;
using E = field::GoldilocksExt2;

LookupRequests requests_of(std::size_t count8, std::size_t count16) {
  LookupRequests r;
  for (std::size_t i = 0; i < count8; ++i) r.add(8, {i});
  for (std::size_t i = 0; i < count16; ++i) r.add(16, {count8 + i});
  return r;
}

TEST(LookupBatchTables, FewWideChecksBecomeLimbsManyKeepTheirTable) {
  // 1000 16-bit checks: 2000 more 8-bit lookups cost far less than a
  // 65,536-row table.
  EXPECT_EQ(requests_of(100'000, 1'000).cheapest_table_bits(8, 16), 8u);
  // 50,000 of them: the table is cheaper than doubling the lookups.
  EXPECT_EQ(requests_of(60'000, 50'000).cheapest_table_bits(8, 16), 16u);
  // Nothing wider than 8 bits: every width costs the same, and the widest
  // is kept (nothing is split, no table is built for unused widths).
  EXPECT_EQ(requests_of(1'000, 0).cheapest_table_bits(8, 16), 16u);
}

struct Limbed {
  WitnessLayout layout;
  LookupRequests requests;
  std::vector<LimbedValue> limbed;
  BaseWitness<E> witness;
  Slot first = 0;
};

// Three values, 20, 16 and 8 bits wide (the 20-bit one as 2^20 - 1 - w, an
// affine request), narrowed to 8-bit tables.
Limbed limbed_values(std::int64_t wide, std::int64_t mid, std::int64_t narrow) {
  Limbed l;
  l.first = l.layout.allocate(3);
  l.requests.add(20, {l.first, -1, (1 << 20) - 1});
  l.requests.add(16, {l.first + 1});
  l.requests.add(8, {l.first + 2});
  l.limbed = l.requests.narrow(8, l.layout);
  l.witness.assign(l.layout.size(), Goldilocks());
  l.witness.at(l.first) = Goldilocks::from_i64((1 << 20) - 1 - wide);
  l.witness.at(l.first + 1) = Goldilocks::from_i64(mid);
  l.witness.at(l.first + 2) = Goldilocks::from_i64(narrow);
  return l;
}

bool limbs_hold(const Limbed& l) {
  ConstraintSystem<E> cs;
  require_limbs<E>(l.limbed, cs);
  return cs.holds_for(l.witness, l.layout);
}

TEST(LookupBatchLimbs, WideChecksAreReplacedByTheirLimbs) {
  Limbed l = limbed_values(0xABCDE, 0x1234, 0x56);
  ASSERT_EQ(l.limbed.size(), 2u);  // by width: the 16-bit value, then the 20-bit one
  EXPECT_EQ(l.limbed[0].count(), 2u);
  EXPECT_EQ(l.limbed[1].count(), 3u);  // 8 + 8 + 4 bits
  const auto& by_bits = l.requests.by_bits();
  EXPECT_FALSE(by_bits.contains(16));
  EXPECT_FALSE(by_bits.contains(20));
  EXPECT_EQ(by_bits.at(8).size(), 1u + 2u + 2u);  // the 8-bit value, two limbs of each
  EXPECT_EQ(by_bits.at(4).size(), 1u);            // the 20-bit value's top limb
  fill_limbs<E>(l.witness, l.limbed);
  EXPECT_TRUE(limbs_hold(l));
  EXPECT_EQ(l.witness.at(l.limbed[0].limbs + 1), Goldilocks::from_u64(0x12));
  EXPECT_EQ(l.witness.at(l.limbed[1].limbs), Goldilocks::from_u64(0xDE));
  EXPECT_EQ(l.witness.at(l.limbed[1].limbs + 2), Goldilocks::from_u64(0xA));
}

TEST(LookupBatchLimbs, AChangedLimbBreaksItsConstraint) {
  Limbed l = limbed_values(0xABCDE, 0x1234, 0x56);
  fill_limbs<E>(l.witness, l.limbed);
  for (const LimbedValue& v : l.limbed) {
    for (std::size_t t = 0; t < v.count(); ++t) {
      Limbed bad = l;
      bad.witness.at(v.limbs + t) += Goldilocks::one();
      EXPECT_FALSE(limbs_hold(bad)) << v.bits << " bits, limb " << t;
    }
  }
}

TEST(LookupBatchLimbs, ARebalancedLimbStillSumsButLeavesItsRange) {
  // Moving 2^8 from limb 1 into limb 0 keeps the sum: the linear
  // constraint holds, and it is the 8-bit range check of limb 0 that fails.
  Limbed l = limbed_values(0xABCDE, 0x1234, 0x56);
  fill_limbs<E>(l.witness, l.limbed);
  const Slot low = l.limbed[0].limbs;
  l.witness.at(low) += Goldilocks::from_u64(256);
  l.witness.at(low + 1) -= Goldilocks::one();
  EXPECT_TRUE(limbs_hold(l));
  EXPECT_GE(l.witness.at(low).value(), 256u);
}

TEST(LookupBatchLimbs, AnHonestProverRefusesAValueOutsideItsRange) {
  for (const auto& [wide, mid] :
       {std::pair<std::int64_t, std::int64_t>{1 << 20, 0}, {-1, 0}, {0, 1 << 16}, {0, -1}}) {
    Limbed l = limbed_values(wide, mid, 0);
    EXPECT_THROW(fill_limbs<E>(l.witness, l.limbed), Error) << wide << " " << mid;
  }
}

}  // namespace
}  // namespace zkinfer::lookup
