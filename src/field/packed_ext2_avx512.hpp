// SPDX-License-Identifier: Apache-2.0
#pragma once

// Eight GF(p^2) = F_p[X]/(X^2 - 7) elements over Goldilocks, split into a
// register of c0 coefficients and a register of c1 coefficients, so that a
// product is three packed base products (Karatsuba) for eight elements. In
// memory GF(p^2) arrays stay interleaved (c0, c1, c0, c1, ...); load and
// store convert. Same rules as packed_avx512.hpp: every function carries the
// target attribute, callers carry it too and run only after cpu_has_avx512().

#include "field/extension.hpp"
#include "field/packed_avx512.hpp"

namespace zkinfer::field::avx512 {

struct PackedExt2 {
  __m512i c0, c1;
};

ZK_TARGET_AVX512 inline PackedExt2 load_ext2(const GoldilocksExt2* p) {
  const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
  const __m512i odd = _mm512_setr_epi64(1, 3, 5, 7, 9, 11, 13, 15);
  const __m512i first = _mm512_loadu_si512(reinterpret_cast<const void*>(p));
  const __m512i second = _mm512_loadu_si512(reinterpret_cast<const void*>(p + 4));
  return {_mm512_permutex2var_epi64(first, even, second),
          _mm512_permutex2var_epi64(first, odd, second)};
}

ZK_TARGET_AVX512 inline void store_ext2(GoldilocksExt2* p, PackedExt2 v) {
  const __m512i low = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
  const __m512i high = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
  _mm512_storeu_si512(reinterpret_cast<void*>(p), _mm512_permutex2var_epi64(v.c0, low, v.c1));
  _mm512_storeu_si512(reinterpret_cast<void*>(p + 4), _mm512_permutex2var_epi64(v.c0, high, v.c1));
}

ZK_TARGET_AVX512 inline PackedExt2 broadcast_ext2(GoldilocksExt2 x) {
  return {broadcast(x.c0()), broadcast(x.c1())};
}

ZK_TARGET_AVX512 inline PackedExt2 zero_ext2() {
  return {_mm512_setzero_si512(), _mm512_setzero_si512()};
}

// An element of F_p as an element of GF(p^2).
ZK_TARGET_AVX512 inline PackedExt2 lift_ext2(__m512i base) {
  return {base, _mm512_setzero_si512()};
}

ZK_TARGET_AVX512 inline PackedExt2 add(PackedExt2 a, PackedExt2 b) {
  return {add(a.c0, b.c0), add(a.c1, b.c1)};
}

ZK_TARGET_AVX512 inline PackedExt2 sub(PackedExt2 a, PackedExt2 b) {
  return {sub(a.c0, b.c0), sub(a.c1, b.c1)};
}

// (a0 + a1 X)(b0 + b1 X) = a0 b0 + 7 a1 b1 + ((a0 + a1)(b0 + b1) - a0 b0 - a1 b1) X.
ZK_TARGET_AVX512 inline PackedExt2 mul(PackedExt2 a, PackedExt2 b) {
  static_assert(GoldilocksExt2::kNonResidue == 7);
  const __m512i low = mul(a.c0, b.c0);
  const __m512i high = mul(a.c1, b.c1);
  const __m512i cross = mul(add(a.c0, a.c1), add(b.c0, b.c1));
  const __m512i high2 = add(high, high);
  const __m512i high4 = add(high2, high2);
  const __m512i high7 = sub(add(high4, high4), high);
  return {add(low, high7), sub(sub(cross, low), high)};
}

// An element of GF(p^2) times an element of F_p.
ZK_TARGET_AVX512 inline PackedExt2 mul(PackedExt2 a, __m512i b) {
  return {mul(a.c0, b), mul(a.c1, b)};
}

// The sum of the eight elements.
ZK_TARGET_AVX512 inline GoldilocksExt2 horizontal_sum(PackedExt2 v) {
  alignas(64) GoldilocksExt2 lanes[kLanes];
  store_ext2(lanes, v);
  GoldilocksExt2 sum = GoldilocksExt2::zero();
  for (const GoldilocksExt2& x : lanes) sum += x;
  return sum;
}

}  // namespace zkinfer::field::avx512
