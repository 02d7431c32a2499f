// SPDX-License-Identifier: Apache-2.0
#pragma once

// Eight Goldilocks elements in one 512-bit register. Every function carries a
// function-level target attribute instead of the file being compiled with
// -mavx512f: inline scalar helpers instantiated from such a file would be
// emitted with AVX-512 instructions and could be picked by the linker for
// callers on machines without it. Callers must carry ZK_TARGET_AVX512 too and
// must only run after cpu_has_avx512().

#include <immintrin.h>

#include <cstdint>

#include "field/goldilocks.hpp"

#define ZK_TARGET_AVX512 __attribute__((target("avx512f,avx512dq,avx512vl,bmi2")))

namespace zkinfer::field::avx512 {

inline constexpr std::size_t kLanes = 8;

// GCC 12's unmasked shift and multiply intrinsics pass _mm512_undefined_epi32()
// as the pass-through operand, which -Wmaybe-uninitialized reports (GCC bug
// 105593). The zero-masked forms with a full mask are the same instructions.
ZK_TARGET_AVX512 inline __m512i srli64(__m512i a, unsigned n) {
  return _mm512_maskz_srli_epi64(0xFF, a, n);
}
ZK_TARGET_AVX512 inline __m512i slli64(__m512i a, unsigned n) {
  return _mm512_maskz_slli_epi64(0xFF, a, n);
}
ZK_TARGET_AVX512 inline __m512i mul32x32(__m512i a, __m512i b) {
  return _mm512_maskz_mul_epu32(0xFF, a, b);
}

ZK_TARGET_AVX512 inline __m512i load(const Goldilocks* p) {
  return _mm512_loadu_si512(reinterpret_cast<const void*>(p));
}
ZK_TARGET_AVX512 inline void store(Goldilocks* p, __m512i v) {
  _mm512_storeu_si512(reinterpret_cast<void*>(p), v);
}
ZK_TARGET_AVX512 inline __m512i broadcast(Goldilocks x) {
  return _mm512_set1_epi64(static_cast<long long>(x.value()));
}

ZK_TARGET_AVX512 inline __m512i modulus() {
  return _mm512_set1_epi64(static_cast<long long>(Goldilocks::kModulus));
}
ZK_TARGET_AVX512 inline __m512i epsilon() {
  return _mm512_set1_epi64(static_cast<long long>(Goldilocks::kEpsilon));
}

// t in [0, 2^64) -> [0, p).
ZK_TARGET_AVX512 inline __m512i canonicalize(__m512i t) {
  __mmask8 ge = _mm512_cmpge_epu64_mask(t, modulus());
  return _mm512_mask_sub_epi64(t, ge, t, modulus());
}

ZK_TARGET_AVX512 inline __m512i add(__m512i a, __m512i b) {
  __m512i s = _mm512_add_epi64(a, b);
  __mmask8 carry = _mm512_cmplt_epu64_mask(s, a);
  s = _mm512_mask_add_epi64(s, carry, s, epsilon());
  return canonicalize(s);
}

ZK_TARGET_AVX512 inline __m512i sub(__m512i a, __m512i b) {
  __m512i d = _mm512_sub_epi64(a, b);
  __mmask8 borrow = _mm512_cmplt_epu64_mask(a, b);
  return _mm512_mask_sub_epi64(d, borrow, d, epsilon());
}

// Reduces hi * 2^64 + lo, lane-wise (same steps as Goldilocks::reduce_wide).
ZK_TARGET_AVX512 inline __m512i reduce128(__m512i lo, __m512i hi) {
  const __m512i hi_hi = srli64(hi, 32);
  const __m512i hi_lo = _mm512_and_si512(hi, epsilon());
  __m512i t0 = _mm512_sub_epi64(lo, hi_hi);
  __mmask8 borrow = _mm512_cmplt_epu64_mask(lo, hi_hi);
  t0 = _mm512_mask_sub_epi64(t0, borrow, t0, epsilon());
  const __m512i t1 = _mm512_sub_epi64(slli64(hi_lo, 32), hi_lo);
  __m512i t2 = _mm512_add_epi64(t0, t1);
  __mmask8 carry = _mm512_cmplt_epu64_mask(t2, t0);
  t2 = _mm512_mask_add_epi64(t2, carry, t2, epsilon());
  return canonicalize(t2);
}

// 64x64 -> 128-bit products from four 32x32 multiplies, carry-free: each
// partial sum is bounded so that no 64-bit lane overflows.
ZK_TARGET_AVX512 inline __m512i mul(__m512i a, __m512i b) {
  const __m512i mask32 = epsilon();
  const __m512i a_hi = srli64(a, 32);
  const __m512i b_hi = srli64(b, 32);
  const __m512i ll = mul32x32(a, b);
  const __m512i lh = mul32x32(a, b_hi);
  const __m512i hl = mul32x32(a_hi, b);
  const __m512i hh = mul32x32(a_hi, b_hi);
  const __m512i t = _mm512_add_epi64(hl, srli64(ll, 32));
  const __m512i u = _mm512_add_epi64(lh, _mm512_and_si512(t, mask32));
  const __m512i lo = _mm512_or_si512(slli64(u, 32), _mm512_and_si512(ll, mask32));
  const __m512i hi = _mm512_add_epi64(hh, _mm512_add_epi64(srli64(t, 32), srli64(u, 32)));
  return reduce128(lo, hi);
}

}  // namespace zkinfer::field::avx512
