// SPDX-License-Identifier: Apache-2.0
#include "base/os_random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

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

std::uint64_t os_random_u64() {
  std::uint8_t buf[8];
  os_random_bytes(buf);
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(buf[i]) << (8 * i);
  return v;
}

}  // namespace zkinfer
