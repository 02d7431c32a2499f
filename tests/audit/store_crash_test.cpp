// SPDX-License-Identifier: Apache-2.0
//
// Crash safety: a child process appends in a loop and reports every index
// append() acknowledged through a pipe; the parent kills it with SIGKILL at
// a random moment, 30 times. Afterwards every acknowledged entry is in the
// log with the body the child wrote, the indices have no gaps, every body
// matches its leaf hash, and the log accepts new appends.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <chrono>
#include <cstring>
#include <map>

#include "store_fixture.hpp"

namespace zkinfer::audit {
namespace {

using testing::make_entry;
using testing::problems_text;
using testing::spawn;
using testing::StoreTest;
using testing::wait_for;

constexpr int kRounds = 30;

class StoreCrashTest : public StoreTest {};
ZKINFER_STORE_TEST_SUITE(StoreCrashTest);

struct Ack {
  std::uint64_t index;
  std::uint64_t seq;
};

std::string signer_of(int round, std::uint64_t seq) {
  return "crash-" + std::to_string(round) + "-" + std::to_string(seq);
}

// Reads whatever the pipe holds within `timeout` (or until EOF) into `out`.
// Returns false at EOF.
bool read_pipe(int fd, std::chrono::milliseconds timeout, std::vector<std::uint8_t>& out) {
  pollfd p{fd, POLLIN, 0};
  if (poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return true;
  std::uint8_t buffer[4096];
  const ssize_t n = read(fd, buffer, sizeof buffer);
  if (n <= 0) return false;
  out.insert(out.end(), buffer, buffer + n);
  return true;
}

TEST_P(StoreCrashTest, KilledAppenderLosesNoAcknowledgedEntry) {
  create();
  zkinfer::testing::TestRng rng(GetParam() == testing::Backend::kSqlite ? 1 : 2);
  std::map<std::uint64_t, std::string> acknowledged;  // index -> signer
  for (int round = 0; round < kRounds; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    const pid_t child = spawn([&] {
      close(fds[0]);
      auto store = open();
      for (std::uint64_t seq = 0;; ++seq) {
        const Ack ack{append_entry(*store, make_entry(signer_of(round, seq), seq)), seq};
        if (write(fds[1], &ack, sizeof ack) != sizeof ack) return;  // parent gone
      }
    });
    close(fds[1]);
    std::vector<std::uint8_t> received;
    // Even rounds time the kill from the fork (it may land while the child
    // opens the log), odd rounds from the first acknowledgment (mid-stream).
    if (round % 2 == 1) {
      while (received.empty() && read_pipe(fds[0], std::chrono::milliseconds(100), received)) {
      }
    }
    const auto kill_at =
        std::chrono::steady_clock::now() + std::chrono::microseconds(rng.below(30000));
    while (std::chrono::steady_clock::now() < kill_at) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          kill_at - std::chrono::steady_clock::now());
      if (!read_pipe(fds[0], left, received)) break;
    }
    ASSERT_EQ(kill(child, SIGKILL), 0);
    EXPECT_EQ(wait_for(child), "signal 9") << "the appender died on its own in round " << round;
    while (read_pipe(fds[0], std::chrono::milliseconds(1000), received)) {
    }
    close(fds[0]);
    ASSERT_EQ(received.size() % sizeof(Ack), 0u);
    for (std::size_t off = 0; off < received.size(); off += sizeof(Ack)) {
      Ack ack;
      std::memcpy(&ack, received.data() + off, sizeof ack);
      EXPECT_TRUE(acknowledged.emplace(ack.index, signer_of(round, ack.seq)).second)
          << "index " << ack.index << " acknowledged twice";
    }
  }
  ASSERT_FALSE(acknowledged.empty());

  auto store = open();
  const std::uint64_t size = store->size();
  EXPECT_GE(size, acknowledged.size());
  const StoreVerification v = verify_store(*store);  // gap-free, bodies match leaf hashes
  EXPECT_TRUE(v.ok()) << problems_text(v);
  EXPECT_EQ(v.bodies_checked, size);
  for (const auto& [index, signer] : acknowledged) {
    ASSERT_LT(index, size);
    const StoredEntry e = store->entry(index);
    ASSERT_TRUE(e.body.has_value());
    EXPECT_EQ(parse_entry(*e.body).signer, signer) << "index " << index;
  }
  EXPECT_EQ(append_entry(*store, make_entry("after the crashes", 0)), size);
  EXPECT_TRUE(verify_store(*store).ok());
}

}  // namespace
}  // namespace zkinfer::audit
