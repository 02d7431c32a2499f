// SPDX-License-Identifier: Apache-2.0
#include "base/os_random.hpp"

#include <pthread.h>
#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace zkinfer {

void os_random_bytes(std::span<std::uint8_t> out) {
  std::size_t filled = 0;
  while (filled < out.size()) {
    ssize_t got = getrandom(out.data() + filled, out.size() - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::fputs("zkinfer: getrandom failed; refusing to continue without a CSPRNG\n", stderr);
      std::abort();
    }
    filled += static_cast<std::size_t>(got);
  }
}

namespace {

// A prover draws one pad per sent field element: tens of thousands of 8-byte
// draws per proof, which as one syscall each took 4 % of a LeNet proof. So
// small draws come from a per-thread block refilled from getrandom. A used
// byte is wiped as it is handed out, so the block never holds a value that
// was already returned; a forked child discards its copy, so parent and
// child never hand out the same bytes.
struct RandomBlock {
  std::array<std::uint8_t, 4096> bytes{};
  std::size_t next = sizeof(bytes);  // empty

  void take(std::span<std::uint8_t> out) {
    if (next + out.size() > bytes.size()) {
      os_random_bytes(bytes);
      next = 0;
    }
    std::memcpy(out.data(), bytes.data() + next, out.size());
    std::memset(bytes.data() + next, 0, out.size());
    next += out.size();
  }
};

thread_local RandomBlock block;

void discard_block_in_child() {
  std::memset(block.bytes.data(), 0, block.bytes.size());
  block.next = block.bytes.size();
}

}  // namespace

std::uint64_t os_random_u64() {
  static const bool fork_handler_installed =
      pthread_atfork(nullptr, nullptr, discard_block_in_child) == 0;
  if (!fork_handler_installed) {
    std::fputs("zkinfer: cannot register the CSPRNG's fork handler\n", stderr);
    std::abort();
  }
  std::uint8_t buf[8];
  block.take(buf);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(buf[i]) << (8 * i);
  return v;
}

}  // namespace zkinfer
