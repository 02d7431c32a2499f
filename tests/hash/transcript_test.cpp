// SPDX-License-Identifier: Apache-2.0
#include "hash/transcript.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "field/extension.hpp"
#include "field/small_prime.hpp"

namespace zkinfer::hash {
namespace {

using field::Goldilocks;
using field::GoldilocksExt2;
using Op = TranscriptSchema::Op;

ByteSpan text(const char* s) {
  return {reinterpret_cast<const std::uint8_t*>(s), std::strlen(s)};
}

// A toy protocol: commit, challenge, respond, query.
TranscriptSchema toy_schema(int rounds) {
  TranscriptSchema schema("toy-protocol/v1");
  schema.absorb("root", ValueType::digest());
  for (int i = 0; i < rounds; ++i) {
    schema.squeeze("alpha", ValueType::field<GoldilocksExt2>());
    schema.absorb("response", ValueType::field<GoldilocksExt2>());
  }
  schema.squeeze("queries", ValueType::indices());
  return schema;
}

struct ToyRun {
  std::vector<GoldilocksExt2> challenges;
  std::vector<std::size_t> queries;
  std::vector<Transcript::Event> events;
};

ToyRun run_toy(const char* statement, std::uint8_t root_byte, std::uint64_t response_offset,
               int rounds = 3) {
  const TranscriptSchema schema = toy_schema(rounds);
  Transcript t(schema, text(statement), text("params"), /*record=*/true);
  Digest root;
  root.bytes.fill(root_byte);
  t.absorb_digest("root", root);
  ToyRun run;
  for (int i = 0; i < rounds; ++i) {
    run.challenges.push_back(t.challenge<GoldilocksExt2>("alpha"));
    t.absorb("response", run.challenges.back() + GoldilocksExt2::from_u64(response_offset));
  }
  run.queries = t.query_indices("queries", 20, 1000);
  t.finish();
  run.events = t.events();
  return run;
}

TEST(Transcript, DeterministicForSameInputs) {
  const ToyRun a = run_toy("x", 1, 0), b = run_toy("x", 1, 0);
  EXPECT_EQ(a.challenges, b.challenges);
  EXPECT_EQ(a.queries, b.queries);
}

TEST(Transcript, EveryInputChangesEveryLaterChallenge) {
  const ToyRun base = run_toy("x", 1, 0);
  const ToyRun statement = run_toy("y", 1, 0);
  const ToyRun root = run_toy("x", 2, 0);
  const ToyRun response = run_toy("x", 1, 1);
  for (std::size_t i = 0; i < base.challenges.size(); ++i) {
    EXPECT_NE(base.challenges[i], statement.challenges[i]);
    EXPECT_NE(base.challenges[i], root.challenges[i]);
  }
  // A response only influences challenges squeezed after it.
  EXPECT_EQ(base.challenges[0], response.challenges[0]);
  EXPECT_NE(base.challenges[1], response.challenges[1]);
  EXPECT_NE(base.queries, response.queries);
}

TEST(Transcript, SuccessiveSqueezesDifferBecauseOfRatchet) {
  TranscriptSchema schema("ratchet/v1");
  schema.squeeze("c", ValueType::field<Goldilocks>()).squeeze("c", ValueType::field<Goldilocks>());
  Transcript t(schema, {}, {});
  const Goldilocks first = t.challenge<Goldilocks>("c");
  EXPECT_NE(first, t.challenge<Goldilocks>("c"));
  t.finish();
}

TEST(Transcript, FramingSeparatesLabelsTypesAndBoundaries) {
  // "ab" + "c" must not equal "a" + "bc"; bytes must not equal a u64 with the same encoding.
  auto squeeze_after = [](auto absorb_steps, TranscriptSchema schema) {
    schema.squeeze("out", ValueType::field<Goldilocks>());
    Transcript t(schema, {}, {});
    absorb_steps(t);
    return t.challenge<Goldilocks>("out");
  };
  TranscriptSchema two_bytes("frame/v1");
  two_bytes.absorb("m", ValueType::bytes()).absorb("m", ValueType::bytes());
  const auto split_ab_c = squeeze_after(
      [](Transcript& t) {
        t.absorb_bytes("m", text("ab"));
        t.absorb_bytes("m", text("c"));
      },
      two_bytes);
  const auto split_a_bc = squeeze_after(
      [](Transcript& t) {
        t.absorb_bytes("m", text("a"));
        t.absorb_bytes("m", text("bc"));
      },
      two_bytes);
  EXPECT_NE(split_ab_c, split_a_bc);

  TranscriptSchema as_bytes("frame/v1"), as_u64("frame/v1");
  as_bytes.absorb("v", ValueType::bytes());
  as_u64.absorb("v", ValueType::u64());
  const std::uint8_t eight[8] = {7, 0, 0, 0, 0, 0, 0, 0};
  EXPECT_NE(squeeze_after([&](Transcript& t) { t.absorb_bytes("v", eight); }, as_bytes),
            squeeze_after([](Transcript& t) { t.absorb_u64("v", 7); }, as_u64));
}

TEST(Transcript, ProtocolNameIsDomainSeparator) {
  TranscriptSchema a("proto-a"), b("proto-b");
  a.squeeze("c", ValueType::field<Goldilocks>());
  b.squeeze("c", ValueType::field<Goldilocks>());
  Transcript ta(a, {}, {}), tb(b, {}, {});
  EXPECT_NE(ta.challenge<Goldilocks>("c"), tb.challenge<Goldilocks>("c"));
}

TEST(Transcript, SchemaViolationsAreCaught) {
  const TranscriptSchema schema = toy_schema(1);
  {
    Transcript t(schema, {}, {});
    EXPECT_THROW(t.challenge<GoldilocksExt2>("alpha"), SchemaViolation);  // root not absorbed
  }
  {
    Transcript t(schema, {}, {});
    EXPECT_THROW(t.absorb_bytes("root", text("x")), SchemaViolation);  // wrong type
  }
  {
    Transcript t(schema, {}, {});
    t.absorb_digest("root", Digest{});
    EXPECT_THROW(t.challenge<Goldilocks>("alpha"), SchemaViolation);  // wrong field
  }
  {
    Transcript t(schema, {}, {});
    t.absorb_digest("root", Digest{});
    EXPECT_THROW(t.finish(), SchemaViolation);  // stopped early
  }
}

TEST(Transcript, RecordingShowsProverAndVerifierWalkTheSameSchema) {
  const ToyRun prover = run_toy("x", 1, 0);
  const ToyRun verifier = run_toy("x", 1, 0);
  ASSERT_EQ(prover.events.size(), 2 + 1 + 2 * 3 + 1u);
  for (std::size_t i = 0; i < prover.events.size(); ++i) {
    EXPECT_EQ(prover.events[i].op, verifier.events[i].op);
    EXPECT_EQ(prover.events[i].label, verifier.events[i].label);
    EXPECT_EQ(prover.events[i].payload_bytes, verifier.events[i].payload_bytes);
  }
  EXPECT_EQ(prover.events[0].label, "statement");
  EXPECT_EQ(prover.events[1].label, "parameters");
  EXPECT_EQ(prover.events[2].payload_bytes, 32u);
  EXPECT_EQ(prover.events[3].op, Op::kSqueeze);
  EXPECT_GE(prover.events[3].payload_bytes, 16u);  // two 64-bit words at least for GF(p^2)
}

TEST(Transcript, QueryIndicesAreDistinctInRangeAndCoverTheDomain) {
  const ToyRun run = run_toy("x", 1, 0);
  std::set<std::size_t> distinct(run.queries.begin(), run.queries.end());
  EXPECT_EQ(distinct.size(), run.queries.size());
  EXPECT_TRUE(std::all_of(run.queries.begin(), run.queries.end(), [](auto i) { return i < 1000; }));

  // Drawing the whole domain must return a permutation of it.
  TranscriptSchema schema("perm/v1");
  schema.squeeze("q", ValueType::indices());
  Transcript t(schema, {}, {});
  auto all = t.query_indices("q", 37, 37);
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i);
}

TEST(Transcript, ChallengesOverTinyFieldAreRoughlyUniform) {
  using Tiny = field::SmallPrime<13>;
  TranscriptSchema schema("uniform/v1");
  schema.squeeze("c", ValueType::field<Tiny>());
  Transcript t(schema, {}, {});
  const auto values = t.challenges<Tiny>("c", 13000);
  int counts[13] = {};
  for (const Tiny& v : values) ++counts[v.value()];
  for (int c : counts) EXPECT_NEAR(c, 1000, 150);
}

}  // namespace
}  // namespace zkinfer::hash
