// SPDX-License-Identifier: Apache-2.0
#pragma once

// Four Goldilocks elements in one 256-bit register. Function-level target
// attributes for the same reason as packed_avx512.hpp. AVX2 has no unsigned
// 64-bit compare, so comparisons flip the sign bit and compare signed.

#include <immintrin.h>

#include <cstdint>

#include "field/goldilocks.hpp"

#define ZK_TARGET_AVX2 __attribute__((target("avx2,bmi2")))

namespace zkinfer::field::avx2 {

inline constexpr std::size_t kLanes = 4;

ZK_TARGET_AVX2 inline __m256i load(const Goldilocks* p) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}
ZK_TARGET_AVX2 inline void store(Goldilocks* p, __m256i v) {
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), v);
}
ZK_TARGET_AVX2 inline __m256i broadcast(Goldilocks x) {
  return _mm256_set1_epi64x(static_cast<long long>(x.value()));
}
ZK_TARGET_AVX2 inline __m256i epsilon() {
  return _mm256_set1_epi64x(static_cast<long long>(Goldilocks::kEpsilon));
}
ZK_TARGET_AVX2 inline __m256i sign_bit() {
  return _mm256_set1_epi64x(INT64_MIN);
}

// All-ones lanes where a < b as unsigned 64-bit integers.
ZK_TARGET_AVX2 inline __m256i less_than(__m256i a, __m256i b) {
  return _mm256_cmpgt_epi64(_mm256_xor_si256(b, sign_bit()), _mm256_xor_si256(a, sign_bit()));
}

ZK_TARGET_AVX2 inline __m256i canonicalize(__m256i t) {
  const __m256i p = _mm256_set1_epi64x(static_cast<long long>(Goldilocks::kModulus));
  const __m256i below = less_than(t, p);
  return _mm256_sub_epi64(t, _mm256_andnot_si256(below, p));
}

ZK_TARGET_AVX2 inline __m256i add(__m256i a, __m256i b) {
  __m256i s = _mm256_add_epi64(a, b);
  s = _mm256_add_epi64(s, _mm256_and_si256(less_than(s, a), epsilon()));
  return canonicalize(s);
}

ZK_TARGET_AVX2 inline __m256i sub(__m256i a, __m256i b) {
  const __m256i d = _mm256_sub_epi64(a, b);
  return _mm256_sub_epi64(d, _mm256_and_si256(less_than(a, b), epsilon()));
}

ZK_TARGET_AVX2 inline __m256i reduce128(__m256i lo, __m256i hi) {
  const __m256i hi_hi = _mm256_srli_epi64(hi, 32);
  const __m256i hi_lo = _mm256_and_si256(hi, epsilon());
  __m256i t0 = _mm256_sub_epi64(lo, hi_hi);
  t0 = _mm256_sub_epi64(t0, _mm256_and_si256(less_than(lo, hi_hi), epsilon()));
  const __m256i t1 = _mm256_sub_epi64(_mm256_slli_epi64(hi_lo, 32), hi_lo);
  __m256i t2 = _mm256_add_epi64(t0, t1);
  t2 = _mm256_add_epi64(t2, _mm256_and_si256(less_than(t2, t0), epsilon()));
  return canonicalize(t2);
}

ZK_TARGET_AVX2 inline __m256i mul(__m256i a, __m256i b) {
  const __m256i mask32 = epsilon();
  const __m256i a_hi = _mm256_srli_epi64(a, 32);
  const __m256i b_hi = _mm256_srli_epi64(b, 32);
  const __m256i ll = _mm256_mul_epu32(a, b);
  const __m256i lh = _mm256_mul_epu32(a, b_hi);
  const __m256i hl = _mm256_mul_epu32(a_hi, b);
  const __m256i hh = _mm256_mul_epu32(a_hi, b_hi);
  const __m256i t = _mm256_add_epi64(hl, _mm256_srli_epi64(ll, 32));
  const __m256i u = _mm256_add_epi64(lh, _mm256_and_si256(t, mask32));
  const __m256i lo = _mm256_or_si256(_mm256_slli_epi64(u, 32), _mm256_and_si256(ll, mask32));
  const __m256i hi =
      _mm256_add_epi64(hh, _mm256_add_epi64(_mm256_srli_epi64(t, 32), _mm256_srli_epi64(u, 32)));
  return reduce128(lo, hi);
}

}  // namespace zkinfer::field::avx2
