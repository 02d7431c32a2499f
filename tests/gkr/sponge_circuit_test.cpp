// SPDX-License-Identifier: Apache-2.0
// The in-circuit commitment (src/gkr/sponge_circuit.hpp) through the whole
// stack: values, salt, sponge states and pads in one ZK-Ligero commitment,
// the Poseidon2 circuit proof, the chaining constraints, one Ligero proof.
#include "gkr/sponge_circuit.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <unordered_set>

#include "pcs/ligero.hpp"
#include "support/rng.hpp"

namespace zkinfer::gkr {
namespace {

using hash::MessageSegment;
using hash::ValueKind;
using zkinfer::testing::TestRng;

constexpr std::uint64_t kTag = hash::kModelCommitmentTag;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

std::vector<Goldilocks> random_prefix(std::size_t n, TestRng& rng) {
  std::vector<Goldilocks> prefix(n);
  for (Goldilocks& x : prefix) x = Goldilocks::sample(rng);
  return prefix;
}

// Uniform values of each segment's kind, concatenated.
std::vector<std::int64_t> random_values(std::span<const MessageSegment> segments, TestRng& rng) {
  std::vector<std::int64_t> values;
  for (const MessageSegment& s : segments) {
    const hash::PackingRule rule = hash::packing_rule(s.kind);
    for (std::size_t i = 0; i < s.count; ++i) {
      values.push_back(static_cast<std::int64_t>(rng.below(std::uint64_t{1} << rule.bits)) -
                       rule.offset);
    }
  }
  return values;
}

hash::CommitmentSalt random_salt(TestRng& rng) {
  hash::CommitmentSalt salt;
  for (Goldilocks& s : salt) s = Goldilocks::sample(rng);
  return salt;
}

// The public layout both sides build: the values first (one slot each, one
// block per segment, as a model's weight tensors would be), then the sponge.
struct Layout {
  WitnessLayout layout;
  SpongeSlots slots;

  explicit Layout(const SpongeShape& shape) {
    MessageSlots message;
    for (const MessageSegment& s : shape.message)
      message.segment_first.push_back(layout.allocate(s.count));
    slots = allocate(layout, shape, std::move(message));
  }
};

// The prover's committed witness and the statement it claims.
struct Committed : Layout {
  SpongeShape shape;
  std::vector<std::int64_t> values;
  hash::CommitmentSalt salt;
  sumcheck::BaseWitness<Challenge> witness;
  SpongeStatement statement;
  SpongeTamper tamper;  // a cheating prover's, applied by fill and by prove

  Committed(SpongeShape shape_in, std::vector<std::int64_t> values_in, hash::CommitmentSalt salt_in,
            std::vector<Goldilocks> prefix, SpongeTamper tamper_in = {})
      : Layout(shape_in),
        shape(std::move(shape_in)),
        values(std::move(values_in)),
        salt(salt_in),
        tamper(std::move(tamper_in)) {
    witness.assign(layout.size(), Goldilocks());
    std::size_t next = 0;
    for (std::size_t s = 0; s < shape.message.size(); ++s) {
      for (std::size_t i = 0; i < shape.message[s].count; ++i) {
        witness[slots.message.segment_first[s] + i] = Goldilocks::from_i64(values[next++]);
      }
    }
    statement.domain_tag = kTag;
    statement.prefix = std::move(prefix);
    statement.digest = fill(witness, shape, slots, kTag, salt, statement.prefix, tamper);
  }

  Slot value_slot(std::size_t segment, std::size_t i) const {
    return slots.message.segment_first[segment] + i;
  }
  Slot output_slot(std::size_t lane, std::size_t permutation) const {
    return gkr::output_slot(shape, slots, lane, permutation);
  }
  SpongeProof prove(hash::Transcript& t) const {
    return gkr::prove(shape, slots, statement.domain_tag, statement.prefix, witness, t, "sponge/",
                      tamper);
  }
};

Committed random_commitment(const SpongeShape& shape, TestRng& rng) {
  return Committed(shape, random_values(shape.message, rng), random_salt(rng),
                   random_prefix(shape.prefix_length, rng));
}

SpongeShape int8_message(std::size_t prefix_length, std::size_t count) {
  return {prefix_length, {{ValueKind::kInt8, count}}};
}

Bytes encode(const auto& object) {
  ByteWriter w;
  object.write(w);
  return w.take();
}

// ---- Full stack --------------------------------------------------------------

hash::TranscriptSchema full_schema(const pcs::Ligero& ligero, const SpongeShape& shape,
                                   const WitnessLayout& layout) {
  hash::TranscriptSchema schema("gkr-sponge-ligero-test/v1");
  ligero.schema_commitment(schema);
  append_schema(schema, "sponge/", shape);
  ligero.schema_proof(schema, layout);
  return schema;
}

struct FullProof {
  pcs::Commitment commitment;
  Bytes sponge_proof, ligero_proof;
};

// The prover: commit, prove the circuit, derive the constraints the verifier
// will derive (replaying its side on a copy of the transcript), prove them.
FullProof prove_full(const pcs::Ligero& ligero, const Committed& c) {
  hash::Transcript t(full_schema(ligero, c.shape, c.layout), encode(c.statement), encode(c.shape));
  pcs::CommitResult committed = ligero.commit(c.witness, c.layout);
  ligero.absorb_commitment(committed.commitment, t);
  hash::Transcript replay = t;
  const SpongeProof proof = c.prove(t);
  pcs::Constraints cs;
  verify(c.shape, c.slots, c.statement, proof, replay, "sponge/", cs);
  FullProof full{committed.commitment, encode(proof), {}};
  full.ligero_proof = ligero.prove(std::move(committed.prover_data), cs, t);
  t.finish();
  return full;
}

// The verifier, from public data only.
bool verify_full(const pcs::Ligero& ligero, const SpongeShape& shape,
                 const SpongeStatement& statement, const FullProof& full) {
  const Layout layout(shape);
  hash::Transcript t(full_schema(ligero, shape, layout.layout), encode(statement), encode(shape));
  ligero.absorb_commitment(full.commitment, t);
  try {
    ByteReader reader(full.sponge_proof);
    const SpongeProof proof = SpongeProof::read(reader, shape);
    reader.expect_end("sponge proof");
    pcs::Constraints cs;
    verify(shape, layout.slots, statement, proof, t, "sponge/", cs);
    if (!ligero.verify(full.commitment, layout.layout, cs, full.ligero_proof, t)) return false;
    t.finish();
    return true;
  } catch (const Error&) {
    return false;
  }
}

bool proves_and_verifies(const Committed& c) {
  const pcs::Ligero ligero;
  return verify_full(ligero, c.shape, c.statement, prove_full(ligero, c));
}

// ---- Completeness ------------------------------------------------------------------

TEST(SpongeCircuit, DigestEqualsTheNativeCommitmentAndVerifies) {
  TestRng rng(1);
  // With a 4-element salt and a 4-element prefix, message elements start at
  // position 8: 7 int8 values fill one element, so 0, 1, 7, 8, 9, 63, 64, 65
  // values cover an empty message, partial elements, exact blocks of 8
  // elements (56 values) and their neighbours, and the padding block.
  // 7224 values: 131 permutations in two circuits, 128 + 4 with one padding.
  for (std::size_t count : {0u, 1u, 7u, 8u, 9u, 55u, 56u, 57u, 63u, 64u, 65u, 3000u, 7224u}) {
    const Committed c = random_commitment(int8_message(4, count), rng);
    EXPECT_EQ(c.statement.digest,
              hash::commitment(kTag, c.salt, c.statement.prefix, c.shape.message, c.values))
        << count << " values";
    EXPECT_TRUE(proves_and_verifies(c)) << count << " values";
  }
}

TEST(SpongeCircuit, MixedSegmentsAndEmptyPrefix) {
  TestRng rng(2);
  // A layer's int8 weights and int32 biases, and an input of uint8 pixels
  // with no prefix (the input commitment's shape).
  const SpongeShape model{4,
                          {{ValueKind::kInt8, 100},
                           {ValueKind::kInt32, 10},
                           {ValueKind::kInt16, 5},
                           {ValueKind::kInt8, 0},
                           {ValueKind::kInt8, 30}}};
  const SpongeShape input{0, {{ValueKind::kUint8, 28 * 28}}};
  for (const SpongeShape& shape : {model, input}) {
    const Committed c = random_commitment(shape, rng);
    EXPECT_EQ(c.statement.digest,
              hash::commitment(kTag, c.salt, c.statement.prefix, c.shape.message, c.values));
    const pcs::Ligero ligero;
    const FullProof full = prove_full(ligero, c);
    EXPECT_TRUE(verify_full(ligero, shape, c.statement, full));
    // Bound to the public shape: another segment count fails.
    SpongeShape other = shape;
    ++other.message.back().count;
    EXPECT_FALSE(verify_full(ligero, other, c.statement, full));
  }
}

TEST(SpongeCircuit, ExtremeValuesVerify) {
  const SpongeShape shape{2,
                          {{ValueKind::kInt8, 14},
                           {ValueKind::kUint8, 7},
                           {ValueKind::kInt16, 3},
                           {ValueKind::kInt32, 2}}};
  std::vector<std::int64_t> values;
  for (int i = 0; i < 7; ++i) values.insert(values.end(), {-128, 127});
  values.insert(values.end(), 7, 255);
  values.insert(values.end(), {-32768, 32767, -1});
  values.insert(values.end(), {-2147483648LL, 2147483647LL});
  TestRng rng(3);
  const Committed c(shape, values, random_salt(rng), random_prefix(2, rng));
  EXPECT_EQ(c.statement.digest,
            hash::commitment(kTag, c.salt, c.statement.prefix, shape.message, values));
  EXPECT_TRUE(proves_and_verifies(c));
}

TEST(SpongeCircuit, ShapeCountsPermutationsAndBatch) {
  // salt 4 + prefix 4 + packed elements; the "10*" pad always takes a
  // position, so L elements need floor(L / 8) + 1 permutations.
  EXPECT_EQ(int8_message(4, 0).permutations(), 2u);   // L = 8: the pad is a block of its own
  EXPECT_EQ(int8_message(3, 0).permutations(), 1u);   // L = 7
  EXPECT_EQ(int8_message(4, 56).permutations(), 3u);  // L = 16
  EXPECT_EQ(int8_message(4, 57).permutations(), 3u);  // L = 17
  const auto log_sizes = [](const SpongeShape& shape) {
    std::vector<unsigned> out;
    for (const auto& c : shape.circuits()) out.push_back(c.log_instances);
    return out;
  };
  EXPECT_EQ(log_sizes(int8_message(4, 57)), (std::vector<unsigned>{2}));
  // LeNet-sized: 60,000 int8 weights are 8572 elements, 1073 permutations:
  // 1024 + 64 (cost 1152) beats one batch of 2048 and 1024 + 32 + 32 (1216).
  EXPECT_EQ(int8_message(4, 60000).permutations(), 1073u);
  EXPECT_EQ(log_sizes(int8_message(4, 60000)), (std::vector<unsigned>{10, 6}));
  EXPECT_EQ(int8_message(4, 60000).batch(), 1088u);
  // 784-128-10 MLP-sized (101,632 weights, 1820 permutations): one batch of
  // 2048 beats 1024 + 1024 and 1024 + 512 + 512 once their fixed costs count.
  EXPECT_EQ(log_sizes(int8_message(4, 101632)), (std::vector<unsigned>{11}));
  // 3000 values, 55 permutations: a split never repays its fixed cost.
  EXPECT_EQ(log_sizes(int8_message(4, 3000)), (std::vector<unsigned>{6}));
  // 7224 values, 131 permutations: 128 + 4 (cost 196) beats 256.
  EXPECT_EQ(int8_message(4, 7224).permutations(), 131u);
  EXPECT_EQ(log_sizes(int8_message(4, 7224)), (std::vector<unsigned>{7, 2}));
}

TEST(SpongeCircuit, RangeChecksCoverEveryValueSlot) {
  const SpongeShape shape{4,
                          {{ValueKind::kInt8, 10}, {ValueKind::kInt32, 0}, {ValueKind::kUint8, 3}}};
  const Layout layout(shape);
  const std::vector<RangeCheck> expected = {{layout.slots.message.segment_first[0], 10, 8, 128},
                                            {layout.slots.message.segment_first[2], 3, 8, 0}};
  EXPECT_EQ(range_checks(shape, layout.slots), expected);
}

// ---- Soundness ----------------------------------------------------------------------

class SpongeCircuitRejects : public ::testing::Test {
 protected:
  TestRng rng{4};
  // 20 int8 values: 3 elements after salt and prefix (L = 11), 2 permutations
  // in a batch of 2; the 3000-value case below has batch padding.
  SpongeShape shape = int8_message(4, 20);
  Committed honest = random_commitment(shape, rng);
  pcs::Ligero ligero;

  bool verifies(const Committed& c, const SpongeStatement& statement) const {
    return verify_full(ligero, c.shape, statement, prove_full(ligero, c));
  }
};

TEST_F(SpongeCircuitRejects, AWrongPublicDigest) {
  ASSERT_TRUE(verifies(honest, honest.statement));
  for (std::size_t j = 0; j < hash::kPoseidon2DigestElements; ++j) {
    SpongeStatement wrong = honest.statement;
    wrong.digest[j] += Goldilocks::one();
    EXPECT_FALSE(verifies(honest, wrong)) << "digest element " << j;
  }
}

TEST_F(SpongeCircuitRejects, AWrongPublicPrefixOrTag) {
  for (std::size_t i = 0; i < shape.prefix_length; ++i) {
    SpongeStatement wrong = honest.statement;
    wrong.prefix[i] += Goldilocks::one();
    EXPECT_FALSE(verifies(honest, wrong)) << "prefix element " << i;
  }
  SpongeStatement other_tag = honest.statement;
  other_tag.domain_tag = hash::kInputCommitmentTag;
  EXPECT_FALSE(verifies(honest, other_tag));
  // A prefix of another length does not fit the shape.
  SpongeStatement longer = honest.statement;
  longer.prefix.push_back(Goldilocks::one());
  EXPECT_FALSE(verifies(honest, longer));
}

TEST_F(SpongeCircuitRejects, AChangedCommittedValue) {
  // The prover commits another weight but keeps the outputs (and the claim)
  // of the original. Proven naively, the circuit runs on the inputs the
  // changed weight gives and its outputs no longer settle; proven on the
  // original chain (the hook takes the change back out of the rebuilt
  // input), the input claims' forms, which hold the committed weight, fail.
  const std::size_t changed = 9;
  std::vector<std::int64_t> values = honest.values;
  values[changed] = values[changed] == 5 ? 6 : 5;
  const auto old_packed = hash::pack_message(shape.message, honest.values);
  const auto new_packed = hash::pack_message(shape.message, values);
  const std::size_t element = changed / hash::packing_rule(ValueKind::kInt8).values_per_element;
  const std::size_t q = hash::kCommitmentSaltElements + shape.prefix_length + element;
  const Goldilocks delta = new_packed[element] - old_packed[element];
  for (const bool original_chain : {false, true}) {
    Committed swapped = honest;
    swapped.witness[swapped.value_slot(0, changed)] = Goldilocks::from_i64(values[changed]);
    if (original_chain) {
      swapped.tamper.input = [q, delta](std::size_t b, State& input) {
        if (b == q / hash::Poseidon2Sponge::kRate) input[q % hash::Poseidon2Sponge::kRate] -= delta;
      };
    }
    EXPECT_FALSE(verifies(swapped, honest.statement)) << "original chain " << original_chain;
  }

  // The prover hashes the other weight honestly (a consistent chain) but
  // claims the original digest: the digest constraint fails.
  const Committed rehashed(shape, values, honest.salt, honest.statement.prefix);
  ASSERT_NE(rehashed.statement.digest, honest.statement.digest);
  EXPECT_TRUE(verifies(rehashed, rehashed.statement));
  EXPECT_FALSE(verifies(rehashed, honest.statement));
}

TEST_F(SpongeCircuitRejects, AWrongSalt) {
  // The committed salt differs from the one the outputs were computed with,
  // the circuit proven either on the inputs the committed salt gives or on
  // the original chain (as in AChangedCommittedValue).
  for (std::size_t i = 0; i < hash::kCommitmentSaltElements; ++i) {
    for (const bool original_chain : {false, true}) {
      Committed c = honest;
      c.witness[c.slots.salt + i] += Goldilocks::one();
      if (original_chain) {
        c.tamper.input = [i](std::size_t b, State& input) {
          if (b == 0) input[i] -= Goldilocks::one();
        };
      }
      EXPECT_FALSE(verifies(c, honest.statement))
          << "salt element " << i << ", original chain " << original_chain;
    }
  }
  // A consistent proof for another salt does not prove the original digest.
  const Committed resalted(shape, honest.values, random_salt(rng), honest.statement.prefix);
  EXPECT_FALSE(verifies(resalted, honest.statement));
}

TEST_F(SpongeCircuitRejects, ATamperedChainingState) {
  // The prover changes one lane of a permutation input and continues the
  // chain from there, claiming the digest of the changed chain: every state
  // is a true permutation of its input, only the chaining breaks. Lane 8 of
  // permutation 0 is the domain tag; lanes 9..11 of permutation 0 and the
  // capacity of permutation 1 are carried state; lanes 0..7 the rate.
  for (const auto& [permutation, lane] : std::vector<std::pair<std::size_t, std::size_t>>{
           {0, 0}, {0, 5}, {0, 8}, {0, 11}, {1, 2}, {1, 7}, {1, 8}, {1, 10}}) {
    SpongeTamper tamper;
    tamper.input = [permutation, lane](std::size_t b, State& input) {
      if (b == permutation) input[lane] += Goldilocks::one();
    };
    const Committed c(shape, honest.values, honest.salt, honest.statement.prefix, tamper);
    EXPECT_FALSE(verifies(c, c.statement)) << "permutation " << permutation << " lane " << lane;
  }
}

TEST_F(SpongeCircuitRejects, AnAbusedBatchPaddingPermutation) {
  // 3000 values: 437 elements, 55 permutations in a batch of 64; 7224
  // values: 131 permutations in circuits of 128 and 4. The prover runs its
  // own state through a padding permutation (whose input is zero by
  // definition), commits its true image and proves the circuit on it.
  for (std::size_t count : {3000u, 7224u}) {
    const SpongeShape big = int8_message(4, count);
    const Committed base = random_commitment(big, rng);
    ASSERT_TRUE(verifies(base, base.statement));
    const std::size_t dummy = big.permutations();
    SpongeTamper tamper;
    tamper.input = [dummy](std::size_t b, State& input) {
      if (b == dummy) input[3] += Goldilocks::one();
    };
    const Committed c(big, base.values, base.salt, base.statement.prefix, tamper);
    EXPECT_EQ(c.statement.digest, base.statement.digest);
    EXPECT_FALSE(verifies(c, c.statement)) << count << " values";
  }
}

TEST_F(SpongeCircuitRejects, ATamperedChainingStateAcrossCircuits) {
  // 131 permutations in circuits of 128 and 4: the chain from the last
  // permutation of the first circuit into the first of the second is a
  // constraint between the two circuits' tensors.
  const SpongeShape two = int8_message(4, 7224);
  ASSERT_EQ(two.circuits().size(), 2u);
  const Committed base = random_commitment(two, rng);
  for (const auto& [permutation, lane] :
       std::vector<std::pair<std::size_t, std::size_t>>{{127, 3}, {128, 0}, {128, 9}, {130, 11}}) {
    SpongeTamper tamper;
    tamper.input = [permutation, lane](std::size_t b, State& input) {
      if (b == permutation) input[lane] += Goldilocks::one();
    };
    const Committed c(two, base.values, base.salt, base.statement.prefix, tamper);
    EXPECT_FALSE(verifies(c, c.statement)) << "permutation " << permutation << " lane " << lane;
  }
}

TEST(SpongeCircuit, OutOfRangeValuesAreWhatTheRangeChecksExclude) {
  // Why the caller must range-check: int8 values 0, 0 pack like 256, -1
  // ((0+128) + 256 (0+128) = (256+128) + 256 (-1+128)), so without range
  // checks the sponge proof alone accepts the substitution. range_checks
  // lists exactly the slots whose check then fails.
  TestRng rng(5);
  const SpongeShape shape = int8_message(4, 2);
  Committed c(shape, {0, 0}, random_salt(rng), random_prefix(4, rng));
  c.witness[c.value_slot(0, 0)] = Goldilocks::from_i64(256);
  c.witness[c.value_slot(0, 1)] = Goldilocks::from_i64(-1);
  EXPECT_TRUE(proves_and_verifies(c));
  const RangeCheck check = range_checks(shape, c.slots).at(0);
  EXPECT_EQ(check.first, c.value_slot(0, 0));
  EXPECT_EQ(check.count, 2u);
  EXPECT_GE(c.witness[check.first].to_i64() + check.offset, std::int64_t{1} << check.bits);
  // Natively such values are refused outright.
  EXPECT_THROW(fill(c.witness, shape, c.slots, kTag, c.salt, c.statement.prefix), Error);
}

// Single-byte changes of a small sponge proof are rejected. One permutation
// (salt, a 3-element prefix, no message: L = 7), so the proof is the
// Poseidon2 circuit's at N = 1; the verifier's constraints are checked on the
// committed witness (ideal commitment: the Ligero proof of constraints is
// tested in tests/pcs). A verification replays all 60 layers (about 1.4 ms),
// so flipping all ~10 KB would take 14 s: every byte of the output
// evaluations and of three whole rounds (the last full round, a partial
// round and the first full round: round messages, final evaluations and
// linear evaluations) is flipped, and elsewhere one byte of every 16-byte
// GF(p^2) element, its position moving with the element index so that both
// coordinates and every byte position are hit; one bit per byte, cycling
// through the bit positions. Under the sanitizers, every 4th of those bytes.
TEST(SpongeCircuit, ByteFlipsAreRejected) {
  TestRng rng(6);
  const SpongeShape shape = int8_message(3, 0);
  ASSERT_EQ(shape.batch(), 1u);
  const Committed c = random_commitment(shape, rng);
  const hash::TranscriptSchema schema = [&] {
    hash::TranscriptSchema s("gkr-sponge-test/v1");
    append_schema(s, "sponge/", shape);
    return s;
  }();
  const auto transcript = [&] {
    return hash::Transcript(schema, encode(c.statement), encode(shape));
  };
  hash::Transcript prover_transcript = transcript();
  const SpongeProof honest = c.prove(prover_transcript);
  const Bytes bytes = encode(honest);
  const auto accepts = [&](const Bytes& candidate) {
    try {
      ByteReader reader(candidate);
      const SpongeProof proof = SpongeProof::read(reader, shape);
      reader.expect_end("sponge proof");
      hash::Transcript t = transcript();
      pcs::Constraints cs;
      verify(shape, c.slots, c.statement, proof, t, "sponge/", cs);
      return cs.holds_for(c.witness, c.layout);
    } catch (const Error&) {
      return false;
    }
  };
  ASSERT_TRUE(accepts(bytes));

  std::vector<std::pair<std::size_t, std::size_t>> whole;  // byte ranges flipped fully
  {
    ByteWriter w;
    for (const Challenge& v : honest.circuits.at(0).output_evaluations) v.write(w);
    whole.emplace_back(0, w.bytes().size());
    for (std::size_t l = 0; l < kLayers; ++l) {
      const std::size_t begin = w.bytes().size();
      honest.circuits.at(0).layers[l].write(w);
      const std::size_t round = kRounds - 1 - l / 2;
      if (round == kRounds - 1 || round == 15 || round == 0)
        whole.emplace_back(begin, w.bytes().size());
    }
    ASSERT_EQ(w.bytes(), bytes);
    ASSERT_EQ(bytes.size() % Challenge::kBytes, 0u);  // GF(p^2) elements only
  }
  std::size_t flipped = 0, selected = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const bool in_whole = std::any_of(whole.begin(), whole.end(),
                                      [i](const auto& r) { return i >= r.first && i < r.second; });
    if (!in_whole && i % Challenge::kBytes != (i / Challenge::kBytes) % Challenge::kBytes) continue;
    if (kSanitized && selected++ % 4 != 0) continue;
    Bytes tampered = bytes;
    tampered[i] ^= static_cast<std::uint8_t>(1u << (flipped % 8));
    ASSERT_FALSE(accepts(tampered)) << "byte " << i << " of " << bytes.size();
    ++flipped;
  }
  EXPECT_GT(flipped, bytes.size() / (kSanitized ? 32 : 8));
  EXPECT_FALSE(accepts(Bytes(bytes.begin(), bytes.end() - 1)));
  Bytes extended = bytes;
  extended.push_back(0);
  EXPECT_FALSE(accepts(extended));
}

// ---- Zero knowledge -------------------------------------------------------------------

TEST(SpongeCircuit, NoSecretAppearsInTheProofBytes) {
  TestRng rng(7);
  const Committed c = random_commitment(int8_message(4, 500), rng);
  const pcs::Ligero ligero;
  const FullProof full = prove_full(ligero, c);
  ASSERT_TRUE(verify_full(ligero, c.shape, c.statement, full));
  // Every hidden 64-bit quantity: the salt, the packed message elements and
  // every lane of every real permutation state except the public digest.
  std::unordered_set<std::uint64_t> secret;
  for (const Goldilocks& s : c.salt) secret.insert(s.value());
  for (const Goldilocks& x : hash::pack_message(c.shape.message, c.values))
    secret.insert(x.value());
  // The input states are not committed; they are the native sponge's.
  std::vector<Goldilocks> padded =
      hash::commitment_preimage(c.salt, c.statement.prefix, c.shape.message, c.values);
  padded.push_back(Goldilocks::one());
  padded.resize(c.shape.permutations() * hash::Poseidon2Sponge::kRate);
  State state{};
  state[hash::Poseidon2Sponge::kRate] = Goldilocks::from_canonical(kTag);
  for (std::size_t b = 0; b < c.shape.permutations(); ++b) {
    for (std::size_t j = 0; j < hash::Poseidon2Sponge::kRate; ++j) {
      state[j] += padded[b * hash::Poseidon2Sponge::kRate + j];
    }
    for (const Goldilocks& lane : state) secret.insert(lane.value());
    hash::poseidon2_permute<kLanes>(state);
    for (std::size_t j = 0; j < kLanes; ++j) {
      ASSERT_EQ(state[j], c.witness[c.output_slot(j, b)]);
      const bool is_digest = b + 1 == c.shape.permutations() && j < hash::kPoseidon2DigestElements;
      if (!is_digest) secret.insert(state[j].value());
    }
  }
  Bytes proof = full.sponge_proof;
  proof.insert(proof.end(), full.ligero_proof.begin(), full.ligero_proof.end());
  for (std::size_t i = 0; i + 8 <= proof.size(); ++i) {
    std::uint64_t v = 0;
    for (int b = 0; b < 8; ++b) v |= std::uint64_t{proof[i + b]} << (8 * b);
    ASSERT_EQ(secret.count(v), 0u) << "secret value at proof byte " << i;
  }
}

TEST(SpongeCircuit, SoundnessErrorIsTheCircuits) {
  const SpongeShape shape = int8_message(4, 60000);
  EXPECT_EQ(soundness_error(shape),
            soundness_error(Poseidon2CircuitShape{10}) + soundness_error(Poseidon2CircuitShape{6}));
  EXPECT_LT(soundness_error(shape), std::ldexp(1.0, -115));
}

}  // namespace
}  // namespace zkinfer::gkr
