// SPDX-License-Identifier: Apache-2.0
//
// Several processes append to one log at once, each through its own
// connection: every append succeeds, the indices are distinct and gap-free,
// every body is stored with its leaf hash, and audits running meanwhile
// report nothing.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "store_fixture.hpp"

namespace zkinfer::audit {
namespace {

using testing::make_entry;
using testing::problems_text;
using testing::spawn;
using testing::StoreTest;
using testing::wait_for;

// 4 x 1,000 in optimised builds; fewer under the sanitizers, which slow the
// hashing and the database library severalfold.
#if defined(__SANITIZE_ADDRESS__)
constexpr std::uint64_t kAppendsPerWriter = 250;
#else
constexpr std::uint64_t kAppendsPerWriter = 1000;
#endif
constexpr int kWriters = 4;

class StoreConcurrencyTest : public StoreTest {};
ZKINFER_STORE_TEST_SUITE(StoreConcurrencyTest);

std::string signer_of(int writer, std::uint64_t seq) {
  return "writer-" + std::to_string(writer) + "-" + std::to_string(seq);
}

TEST_P(StoreConcurrencyTest, ProcessesGetDistinctGapFreeIndices) {
  create();  // closed again before forking
  std::vector<pid_t> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.push_back(spawn([&, w] {
      auto store = open();
      for (std::uint64_t seq = 0; seq < kAppendsPerWriter; ++seq)
        append_entry(*store,
                     make_entry(signer_of(w, seq), 1000 * static_cast<std::uint64_t>(w) + seq));
    }));
  }
  {
    // Audits of the live log, while the writers append, find nothing wrong.
    auto auditor = open();
    for (int audit = 0; audit < 3; ++audit) {
      const StoreVerification v = verify_store(*auditor);
      EXPECT_TRUE(v.ok()) << problems_text(v);
    }
  }
  for (pid_t pid : writers) EXPECT_EQ(wait_for(pid), "exit 0");

  auto store = open();
  const std::uint64_t total = kWriters * kAppendsPerWriter;
  ASSERT_EQ(store->size(), total);
  const StoreVerification v = verify_store(*store);
  EXPECT_TRUE(v.ok()) << problems_text(v);
  EXPECT_EQ(v.bodies_checked, total);

  // Every (writer, seq) exactly once, and each writer's own appends in order.
  std::set<std::string> seen;
  std::vector<std::int64_t> last_seq(kWriters, -1);
  for (std::uint64_t i = 0; i < total; ++i) {
    const StoredEntry e = store->entry(i);  // checks the body against the leaf hash
    ASSERT_TRUE(e.body.has_value()) << i;
    const std::string signer = parse_entry(*e.body).signer;
    EXPECT_TRUE(seen.insert(signer).second) << signer << " appears twice";
    int w = -1;
    long long seq = -1;
    ASSERT_EQ(std::sscanf(signer.c_str(), "writer-%d-%lld", &w, &seq), 2) << signer;
    ASSERT_TRUE(w >= 0 && w < kWriters) << signer;
    EXPECT_GT(seq, last_seq[w]) << "writer " << w << " out of order at index " << i;
    last_seq[w] = seq;
  }
  EXPECT_EQ(seen.size(), total);
}

}  // namespace
}  // namespace zkinfer::audit
