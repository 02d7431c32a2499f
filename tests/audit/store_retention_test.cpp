// SPDX-License-Identifier: Apache-2.0
//
// Retention: pruning younger than the minimum is refused; pruning after it
// deletes bodies but keeps leaf hashes, so the Merkle root and the inclusion
// proofs of the remaining entries are unchanged. The tree is recomputed here
// naively (RFC 9162 section 2.1, OpenSSL SHA-256), independent of src/audit.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <bit>
#include <cstring>

#include "audit/retention.hpp"
#include "base/error.hpp"
#include "store_fixture.hpp"

namespace zkinfer::audit {
namespace {

using std::chrono::days;
using std::chrono::milliseconds;
using testing::append_entries;
using testing::has_problem;
using testing::problems_text;
using testing::StoreTest;

hash::Digest node(const hash::Digest& left, const hash::Digest& right) {
  std::uint8_t buffer[65];
  buffer[0] = 0x01;
  std::memcpy(buffer + 1, left.bytes.data(), 32);
  std::memcpy(buffer + 33, right.bytes.data(), 32);
  hash::Digest out;
  SHA256(buffer, sizeof buffer, out.bytes.data());
  return out;
}

using Leaves = std::span<const hash::Digest>;

std::size_t split_point(std::size_t n) {
  return std::bit_floor(n - 1);  // largest power of two below n
}

hash::Digest root(Leaves leaves) {
  if (leaves.size() == 1) return leaves[0];
  const std::size_t k = split_point(leaves.size());
  return node(root(leaves.first(k)), root(leaves.subspan(k)));
}

// PATH(m, D[n]) of RFC 9162 section 2.1.3.1.
std::vector<hash::Digest> inclusion_path(std::size_t m, Leaves leaves) {
  if (leaves.size() == 1) return {};
  const std::size_t k = split_point(leaves.size());
  std::vector<hash::Digest> path =
      m < k ? inclusion_path(m, leaves.first(k)) : inclusion_path(m - k, leaves.subspan(k));
  path.push_back(m < k ? root(leaves.subspan(k)) : root(leaves.first(k)));
  return path;
}

// Section 2.1.3.2: the root a leaf and its path lead to.
hash::Digest root_from_path(const hash::Digest& leaf, std::uint64_t index, std::uint64_t size,
                            const std::vector<hash::Digest>& path) {
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  hash::Digest r = leaf;
  for (const hash::Digest& p : path) {
    EXPECT_NE(sn, 0u);
    if ((fn & 1) == 1 || fn == sn) {
      r = node(p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = node(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  EXPECT_EQ(sn, 0u);
  return r;
}

class StoreRetentionTest : public StoreTest {
 protected:
  // A log whose clock the test moves.
  std::unique_ptr<LogStore> create_with_clock() {
    StoreOptions options;
    options.clock = [this] { return now_; };
    return create(options);
  }
  const Timestamp t0_ = parse_timestamp("2026-01-01T00:00:00.000Z", "t0");
  Timestamp now_ = t0_;
};
ZKINFER_STORE_TEST_SUITE(StoreRetentionTest);

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST_P(StoreRetentionTest, PruningKeepsTheTree) {
  auto store = create_with_clock();
  EXPECT_EQ(store->retention().minimum, kDefaultMinimumRetention);
  const std::vector<Bytes> old_bodies = append_entries(*store, 6, 100);
  now_ = t0_ + days(30);
  const std::vector<Bytes> new_bodies = append_entries(*store, 7, 200);
  const std::uint64_t n = store->size();
  ASSERT_EQ(n, 13u);
  const std::vector<hash::Digest> leaves = store->leaf_hashes(0, n);
  const hash::Digest root_before = root(leaves);
  std::vector<std::vector<hash::Digest>> paths;
  for (std::uint64_t i = 0; i < n; ++i) paths.push_back(inclusion_path(i, leaves));

  // 100 days in: even the oldest entries are too young.
  now_ = t0_ + days(100);
  const std::string refused = error_of([&] { store->prune_entries_before(t0_ + days(1)); });
  EXPECT_NE(refused.find("minimum retention is 184 days"), std::string::npos) << refused;
  // 200 days in: the first batch may go, the second (logged at day 30) not.
  now_ = t0_ + days(200);
  EXPECT_THROW(store->prune_entries_before(t0_ + days(30) + milliseconds(1)), Error);
  EXPECT_EQ(store->size(), n);
  EXPECT_EQ(store->prune_entries_before(t0_ + days(16)), 6u);
  EXPECT_EQ(store->prune_entries_before(t0_ + days(16)), 0u);  // already pruned

  for (std::uint64_t i = 0; i < n; ++i) {
    const StoredEntry e = store->entry(i);
    EXPECT_EQ(e.leaf_hash, leaves[i]);
    if (i < 6) {
      EXPECT_FALSE(e.body.has_value()) << i;
      EXPECT_EQ(e.pruned_at, now_);
      EXPECT_EQ(e.logged_at, t0_);
    } else {
      ASSERT_TRUE(e.body.has_value()) << i;
      EXPECT_EQ(*e.body, new_bodies[i - 6]);
      EXPECT_FALSE(e.pruned_at.has_value());
    }
  }
  const std::vector<hash::Digest> leaves_after = store->leaf_hashes(0, n);
  EXPECT_EQ(leaves_after, leaves);
  EXPECT_EQ(root(leaves_after), root_before);
  for (std::uint64_t i = 6; i < n; ++i) {
    // The remaining entry, hashed from its body, is proven by the old path.
    const hash::Digest leaf = entry_leaf_hash(*store->entry(i).body);
    EXPECT_EQ(inclusion_path(i, leaves_after), paths[i]);
    EXPECT_EQ(root_from_path(leaf, i, n, paths[i]), root_before) << i;
  }
  const StoreVerification v = verify_store(*store);
  EXPECT_TRUE(v.ok()) << problems_text(v);
  EXPECT_EQ(v.pruned, 6u);
  EXPECT_EQ(v.bodies_checked, 7u);
  store.reset();
  EXPECT_FALSE(open()->entry(0).body.has_value());
}

TEST_P(StoreRetentionTest, LongerRetentionFromCreation) {
  StoreOptions options;
  options.retention.minimum = days(3653);
  options.clock = [this] { return now_; };
  auto store = create(options);
  append_entries(*store, 2);
  now_ = t0_ + days(3000);
  EXPECT_THROW(store->prune_entries_before(t0_ + days(1)), Error);
  now_ = t0_ + days(3654);
  EXPECT_EQ(store->prune_entries_before(t0_ + days(1)), 2u);
}

TEST_P(StoreRetentionTest, EarlyPruningDoneInTheDatabaseIsDetected) {
  auto store = create_with_clock();
  append_entries(*store, 3);
  exec_sql(
      "UPDATE audit_entries SET body = NULL, pruned_at_ms = logged_at_ms + 86400000 "
      "WHERE idx = 1");
  const StoreVerification v = verify_store(*store);
  EXPECT_TRUE(has_problem(v,
                          "entry 1 was pruned at 2026-01-02T00:00:00.000Z, before the "
                          "minimum retention of 184 days"))
      << problems_text(v);
  EXPECT_EQ(v.problem_count, 1u);
}

TEST(StoreRetention, Boundaries) {
  const RetentionPolicy policy;
  const Timestamp now = parse_timestamp("2026-07-04T12:00:00.000Z", "now");
  const Timestamp latest = latest_prunable_cutoff(policy, now);
  EXPECT_EQ(format_timestamp(latest), "2026-01-01T12:00:00.000Z");
  EXPECT_NO_THROW(check_prune_allowed(policy, latest, now));
  EXPECT_THROW(check_prune_allowed(policy, latest + milliseconds(1), now), Error);
  EXPECT_TRUE(pruned_after_minimum(policy, latest, now));
  EXPECT_FALSE(pruned_after_minimum(policy, latest + milliseconds(1), now));
  EXPECT_FALSE(pruned_after_minimum(policy, now, latest));
  // Tampered, extreme stored times are judged without overflow.
  EXPECT_TRUE(pruned_after_minimum(policy, from_unix_ms(INT64_MIN), from_unix_ms(INT64_MAX)));
  EXPECT_FALSE(pruned_after_minimum(policy, from_unix_ms(INT64_MAX), from_unix_ms(INT64_MIN)));
  EXPECT_THROW(validate_retention(RetentionPolicy{days(-1)}), Error);
  EXPECT_THROW(validate_retention(RetentionPolicy{kMaxMinimumRetention + days(1)}), Error);
  EXPECT_NO_THROW(validate_retention(RetentionPolicy{days(0)}));
}

}  // namespace
}  // namespace zkinfer::audit
