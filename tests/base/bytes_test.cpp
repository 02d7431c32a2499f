// SPDX-License-Identifier: Apache-2.0
#include "base/bytes.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "base/hex.hpp"
#include "base/os_random.hpp"

namespace zkinfer {
namespace {

TEST(Bytes, WriterAndReaderRoundTripLittleEndian) {
  ByteWriter w;
  w.u8(0xAB);
  w.u32(0x01020304);
  w.u64(0x1122334455667788ULL);
  const std::uint8_t tail[] = {9, 8, 7};
  w.raw(tail);
  const Bytes expected = {0xAB, 4,    3,    2,    1,    0x88, 0x77, 0x66,
                          0x55, 0x44, 0x33, 0x22, 0x11, 9,    8,    7};
  ASSERT_EQ(w.bytes(), expected);
  ByteReader r(w.bytes());
  EXPECT_EQ(r.u8("a"), 0xAB);
  EXPECT_EQ(r.u32("b"), 0x01020304u);
  EXPECT_EQ(r.u64("c"), 0x1122334455667788ULL);
  EXPECT_EQ(r.raw(3, "d").size(), 3u);
  EXPECT_NO_THROW(r.expect_end("record"));
}

TEST(Bytes, EveryTruncationThrowsNamingTheField) {
  ByteWriter w;
  w.u32(7);
  w.u64(9);
  for (std::size_t cut = 0; cut < w.bytes().size(); ++cut) {
    ByteReader r(ByteSpan(w.bytes()).first(cut));
    try {
      r.u32("count");
      r.u64("value");
      FAIL() << "no error at cut " << cut;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(cut < 4 ? "count" : "value"), std::string::npos);
    }
  }
}

TEST(Bytes, TrailingBytesAreRejected) {
  const std::uint8_t data[] = {1, 2};
  ByteReader r(data);
  r.u8("first");
  EXPECT_THROW(r.expect_end("record"), Error);
}

TEST(Hex, RoundTripsAndRejectsEveryOtherSpelling) {
  const Bytes bytes = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
  EXPECT_EQ(hex_encode(bytes), "00017f80abff");
  EXPECT_EQ(hex_decode("00017f80abff", "t"), bytes);
  EXPECT_TRUE(hex_decode("", "t").empty());
  for (const char* bad : {"0", "0g", "AB", " 00", "00 ", "0x00"}) {
    try {
      hex_decode(bad, "salt");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("salt"), std::string::npos) << e.what();
    }
  }
}

TEST(OsRandom, ProducesDistinctValues) {
  std::set<std::uint64_t> seen;
  for (int i = 0; i < 100; ++i) seen.insert(os_random_u64());
  EXPECT_EQ(seen.size(), 100u);
}

// Small draws are served from a per-thread block; a forked child must not
// hand out the bytes its parent will (a shared pad would reveal witness
// differences between two proofs).
TEST(OsRandom, ForkedChildDoesNotRepeatTheParentsDraws) {
  os_random_u64();  // the block is now full of unused bytes
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::uint64_t draws[4];
    for (auto& d : draws) d = os_random_u64();
    const bool written = write(fds[1], draws, sizeof(draws)) == static_cast<ssize_t>(sizeof(draws));
    _exit(written ? 0 : 1);
  }
  std::uint64_t parent[4], from_child[4];
  for (auto& d : parent) d = os_random_u64();
  ASSERT_EQ(read(fds[0], from_child, sizeof(from_child)), static_cast<ssize_t>(sizeof(from_child)));
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(fds[0]);
  close(fds[1]);
  for (int i = 0; i < 4; ++i) EXPECT_NE(parent[i], from_child[i]) << i;
}

}  // namespace
}  // namespace zkinfer
