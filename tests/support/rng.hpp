// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>

namespace zkinfer::testing {

// Deterministic generator for tests (SplitMix64): reproducible failures.
// Never used for secrets; production randomness comes from os_random.
class TestRng {
 public:
  explicit TestRng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t operator()() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return (*this)() % n; }

 private:
  std::uint64_t state_;
};

}  // namespace zkinfer::testing
