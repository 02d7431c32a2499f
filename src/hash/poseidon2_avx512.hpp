// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>

#include "field/packed_avx512.hpp"
#include "hash/poseidon2.hpp"

// The pieces of the Poseidon2 permutation on eight states at once: register
// j holds lane j of the eight states. Each function computes exactly what its
// scalar counterpart in poseidon2.cpp computes (same field values; the
// scalar code's wide integer sums are reduced modular sums here). Rules of
// field/packed_avx512.hpp: callers carry ZK_TARGET_AVX512 and run only after
// cpu_has_avx512().
namespace zkinfer::hash::avx512 {

namespace simd = field::avx512;

template <std::size_t Width>
struct PackedState {
  __m512i lanes[Width];
  __m512i& operator[](std::size_t i) { return lanes[i]; }
};

ZK_TARGET_AVX512 inline __m512i sbox(__m512i x) {
  const __m512i x2 = simd::mul(x, x);
  return simd::mul(simd::mul(x2, x2), simd::mul(x2, x));
}

ZK_TARGET_AVX512 inline __m512i twice(__m512i x) {
  return simd::add(x, x);
}

// circ(2 M4, M4, ..., M4), as poseidon2_external_layer.
template <std::size_t Width>
ZK_TARGET_AVX512 inline void external_layer(PackedState<Width>& state) {
  for (std::size_t b = 0; b < Width; b += 4) {
    const __m512i x1 = state[b + 1], x3 = state[b + 3];
    const __m512i s01 = simd::add(state[b], x1), s23 = simd::add(state[b + 2], x3);
    const __m512i r1 = simd::add(simd::add(twice(twice(s01)), twice(x1)), s23);
    const __m512i r3 = simd::add(simd::add(twice(twice(s23)), twice(x3)), s01);
    state[b] = simd::add(simd::add(r1, s01), twice(x3));
    state[b + 1] = r1;
    state[b + 2] = simd::add(simd::add(r3, s23), twice(x1));
    state[b + 3] = r3;
  }
  __m512i column[4] = {state[0], state[1], state[2], state[3]};
  for (std::size_t i = 4; i < Width; ++i) column[i % 4] = simd::add(column[i % 4], state[i]);
  for (std::size_t i = 0; i < Width; ++i) state[i] = simd::add(state[i], column[i % 4]);
}

// J + diag(internal_diag_m1), as poseidon2_internal_layer.
template <std::size_t Width>
ZK_TARGET_AVX512 inline void internal_layer(PackedState<Width>& state) {
  const auto& diag = poseidon2_constants<Width>().internal_diag_m1;
  __m512i sum = state[0];
  for (std::size_t i = 1; i < Width; ++i) sum = simd::add(sum, state[i]);
  for (std::size_t i = 0; i < Width; ++i) {
    state[i] = simd::add(
        simd::mul(state[i], simd::broadcast(field::Goldilocks::from_canonical(diag[i]))), sum);
  }
}

}  // namespace zkinfer::hash::avx512
