// SPDX-License-Identifier: Apache-2.0
// Sizing the batch's range tables and splitting wider checks into limbs.
#include "lookup/lookup_batch.hpp"

#include <gtest/gtest.h>

#include <optional>

#include "field/extension.hpp"
#include "hash/transcript.hpp"
#include "poly/multilinear.hpp"

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

// A table of digit pairs: row j = (j >> bits, j mod 2^bits), and the
// verifier's closed-form extension of each column equals the extension of
// the explicit column.
TEST(LookupBatchPairs, DigitTableRowsAndExtensions) {
  for (unsigned bits : {1u, 3u, 4u}) {
    const auto table = Table<Goldilocks>::digits(bits, 2);
    ASSERT_EQ(table.num_columns(), 2u);
    ASSERT_EQ(table.size(), std::size_t{1} << (2 * bits));
    std::vector<std::vector<Goldilocks>> explicit_columns(2);
    for (std::size_t j = 0; j < table.size(); ++j) {
      const std::uint64_t hi = j >> bits, lo = j & ((1u << bits) - 1);
      EXPECT_EQ(table.entry(0, j), Goldilocks::from_u64(hi));
      EXPECT_EQ(table.entry(1, j), Goldilocks::from_u64(lo));
      const std::uint64_t row[] = {hi, lo};
      EXPECT_EQ(table.generated_row(row), j);
      explicit_columns[0].push_back(table.entry(0, j));
      explicit_columns[1].push_back(table.entry(1, j));
    }
    const std::uint64_t outside[] = {0, std::uint64_t{1} << bits};
    EXPECT_EQ(table.generated_row(outside), table.size());
    std::vector<E> point;
    for (unsigned i = 0; i < 2 * bits; ++i) point.push_back(E(Goldilocks::from_u64(17 + 5 * i)));
    for (std::size_t k = 0; k < 2; ++k) {
      EXPECT_EQ(table.evaluate<E>(k, point),
                (poly::evaluate_mle<E, Goldilocks>(explicit_columns[k], point)))
          << bits << " " << k;
    }
  }
}

TEST(LookupBatchPairs, OnlyManyNarrowChecksArePaired) {
  using Batch = LookupBatch<E>;
  EXPECT_TRUE(Batch::checks_in_pairs(8, 15'000'000));    // a VGG-16's int8 weights
  EXPECT_FALSE(Batch::checks_in_pairs(8, 101'770));      // a 784-128-10 MLP's
  EXPECT_FALSE(Batch::checks_in_pairs(9, 100'000'000));  // 2^18-row pair tables: never
  EXPECT_TRUE(Batch::checks_in_pairs(2, 65));
  EXPECT_FALSE(Batch::checks_in_pairs(2, 1));
}

// A batch whose 2-bit checks are paired (65 of them: the last pairs with
// 0), next to a few 3-bit ones kept one per lookup, proven and verified
// with an ideal commitment ("the constraints hold on the witness").
struct PairedBatch {
  WitnessLayout layout;
  Slot first = 0;
  std::optional<LookupBatch<E>> batch;
  BaseWitness<E> witness;
  static constexpr std::size_t kPaired = 65, kSingle = 5;

  PairedBatch() {
    first = layout.allocate(kPaired + kSingle);
    LookupRequests requests;
    for (std::size_t i = 0; i < kPaired; ++i) requests.add(2, {first + i});
    for (std::size_t i = 0; i < kSingle; ++i) requests.add(3, {first + kPaired + i});
    batch = LookupBatch<E>::allocate(layout, std::move(requests));
    witness.assign(layout.size(), Goldilocks());
    for (std::size_t i = 0; i < kPaired + kSingle; ++i)
      witness.at(first + i) = Goldilocks::from_u64((i * 7 + 1) % (i < kPaired ? 4 : 8));
  }
  bool prove_and_verify() const {
    hash::TranscriptSchema schema("lookup-batch-test/v1");
    batch->append_schema(schema, "lk/");
    hash::Transcript pt(schema, {}, {}), vt(schema, {}, {});
    const LookupProof<E> proof = batch->prove(witness, pt, "lk/");
    ConstraintSystem<E> cs;
    batch->verify(proof, vt, "lk/", cs);
    return cs.holds_for(witness, layout);
  }
};

TEST(LookupBatchPairs, PairedChecksProveAndVerify) {
  PairedBatch b;
  ASSERT_EQ(b.batch->shape().tables.size(), 2u);
  EXPECT_EQ(b.batch->shape().tables[0].num_columns(), 2u);  // the 2-bit checks, paired
  EXPECT_EQ(b.batch->shape().tables[1].num_columns(), 1u);  // the 3-bit ones, not
  b.batch->fill(b.witness);
  EXPECT_TRUE(b.prove_and_verify());
}

TEST(LookupBatchPairs, AValueOutsideItsRangeIsRejectedInEitherColumn) {
  for (std::size_t i : {std::size_t{10}, std::size_t{11}, PairedBatch::kPaired - 1}) {
    PairedBatch b;
    b.witness.at(b.first + i) = Goldilocks::from_u64(4);
    EXPECT_THROW(b.batch->fill(b.witness), Error);  // the honest prover refuses
    // A cheater with the honest multiplicities of an in-range value.
    b.witness.at(b.first + i) = Goldilocks::from_u64(3);
    b.batch->fill(b.witness);
    b.witness.at(b.first + i) = Goldilocks::from_u64(4);
    EXPECT_FALSE(b.prove_and_verify()) << i;
    // A value moved by the table's width into the other digit's place.
    b.witness.at(b.first + i) = Goldilocks::from_u64(3 + 4);
    EXPECT_FALSE(b.prove_and_verify()) << i;
  }
}

}  // namespace
}  // namespace zkinfer::lookup
