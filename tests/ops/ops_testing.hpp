// SPDX-License-Identifier: Apache-2.0
#pragma once

// Helpers shared by the ops tests: random quantized tensors and an
// independent, obviously-correct statement of the rescaling (floor division
// on 128-bit integers, not the kernels' shifts).

#include <omp.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "ops/requant.hpp"
#include "ops/tensor.hpp"
#include "support/rng.hpp"

namespace zkinfer::ops::testing {

using zkinfer::testing::TestRng;

inline std::int32_t uniform(TestRng& rng, std::int64_t lo, std::int64_t hi) {
  return static_cast<std::int32_t>(
      lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(hi - lo + 1))));
}

// Values in [lo, hi], with the extremes over-represented (a quarter of the
// entries are lo or hi).
inline IntTensor random_tensor(TestRng& rng, Shape shape, std::int32_t lo, std::int32_t hi) {
  IntTensor t = IntTensor::zeros(std::move(shape));
  for (auto& v : t.values) {
    const auto pick = rng.below(8);
    v = pick == 0 ? lo : (pick == 1 ? hi : uniform(rng, lo, hi));
  }
  return t;
}

// floor(a / b) for b > 0.
inline __int128 floor_div(__int128 a, __int128 b) {
  const __int128 q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// round(acc * M / 2^s), halves up, as a division.
inline std::int64_t reference_requant(__int128 acc, const Requant& r) {
  const __int128 scale = static_cast<__int128>(1) << r.shift;
  return static_cast<std::int64_t>(floor_div(2 * acc * r.multiplier + scale, 2 * scale));
}

inline std::int32_t reference_clamp(__int128 v, const OutputClamp& c) {
  const __int128 y = v + c.zero_point;
  return static_cast<std::int32_t>(y < c.lo ? c.lo : (y > c.hi ? c.hi : y));
}

// A Requant with a random multiplier in [2^15, 2^16) and a shift in [lo, hi].
inline Requant random_requant(TestRng& rng, std::int32_t shift_lo, std::int32_t shift_hi) {
  return {uniform(rng, 1 << 15, (1 << 16) - 1), uniform(rng, shift_lo, shift_hi)};
}

// Runs `op` with OpenMP limited to `threads` threads.
inline IntTensor with_threads(int threads, const std::function<IntTensor()>& op) {
  const int saved = omp_get_max_threads();
  omp_set_num_threads(threads);
  IntTensor result = op();
  omp_set_num_threads(saved);
  return result;
}

}  // namespace zkinfer::ops::testing
