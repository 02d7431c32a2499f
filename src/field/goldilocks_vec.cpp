// SPDX-License-Identifier: Apache-2.0
#include "field/goldilocks_vec.hpp"

#include <cassert>

#include "field/lift.hpp"
#include "field/packed_avx2.hpp"
#include "field/packed_avx512.hpp"
#include "field/packed_ext2_avx512.hpp"

namespace zkinfer::field::vec {
namespace {

enum class Op { kAdd, kSub, kMul };

Goldilocks apply_scalar(Op op, Goldilocks x, Goldilocks y) {
  switch (op) {
    case Op::kAdd:
      return x + y;
    case Op::kSub:
      return x - y;
    case Op::kMul:
      break;
  }
  return x * y;
}

// The packed loops cover the multiple-of-lanes prefix; the scalar loop does
// the rest, so every path gives identical results on every length.
void scalar_tail(Op op, Goldilocks* out, const Goldilocks* a, const Goldilocks* b, std::size_t from,
                 std::size_t n, std::size_t b_stride) {
  for (std::size_t i = from; i < n; ++i) out[i] = apply_scalar(op, a[i], b[i * b_stride]);
}

template <__m512i (*F)(__m512i, __m512i)>
ZK_TARGET_AVX512 std::size_t loop_avx512(Goldilocks* out, const Goldilocks* a, const Goldilocks* b,
                                         std::size_t n, bool broadcast_b) {
  const std::size_t packed = n - n % avx512::kLanes;
  const __m512i b_splat = avx512::broadcast(b[0]);
  for (std::size_t i = 0; i < packed; i += avx512::kLanes) {
    avx512::store(out + i, F(avx512::load(a + i), broadcast_b ? b_splat : avx512::load(b + i)));
  }
  return packed;
}

template <__m256i (*F)(__m256i, __m256i)>
ZK_TARGET_AVX2 std::size_t loop_avx2(Goldilocks* out, const Goldilocks* a, const Goldilocks* b,
                                     std::size_t n, bool broadcast_b) {
  const std::size_t packed = n - n % avx2::kLanes;
  const __m256i b_splat = avx2::broadcast(b[0]);
  for (std::size_t i = 0; i < packed; i += avx2::kLanes) {
    avx2::store(out + i, F(avx2::load(a + i), broadcast_b ? b_splat : avx2::load(b + i)));
  }
  return packed;
}

ZK_TARGET_AVX512 std::size_t run_avx512(Op op, Goldilocks* out, const Goldilocks* a,
                                        const Goldilocks* b, std::size_t n, bool broadcast_b) {
  switch (op) {
    case Op::kAdd:
      return loop_avx512<avx512::add>(out, a, b, n, broadcast_b);
    case Op::kSub:
      return loop_avx512<avx512::sub>(out, a, b, n, broadcast_b);
    case Op::kMul:
      break;
  }
  return loop_avx512<avx512::mul>(out, a, b, n, broadcast_b);
}

ZK_TARGET_AVX2 std::size_t run_avx2(Op op, Goldilocks* out, const Goldilocks* a,
                                    const Goldilocks* b, std::size_t n, bool broadcast_b) {
  switch (op) {
    case Op::kAdd:
      return loop_avx2<avx2::add>(out, a, b, n, broadcast_b);
    case Op::kSub:
      return loop_avx2<avx2::sub>(out, a, b, n, broadcast_b);
    case Op::kMul:
      break;
  }
  return loop_avx2<avx2::mul>(out, a, b, n, broadcast_b);
}

void run(Isa isa, Op op, Goldilocks* out, const Goldilocks* a, const Goldilocks* b, std::size_t n,
         bool broadcast_b) {
  if (n == 0) return;
  std::size_t done = 0;
  if (isa == Isa::kAvx512 && cpu_has_avx512()) {
    done = run_avx512(op, out, a, b, n, broadcast_b);
  } else if (isa >= Isa::kAvx2 && cpu_has_avx2()) {
    done = run_avx2(op, out, a, b, n, broadcast_b);
  }
  scalar_tail(op, out, a, b, done, n, broadcast_b ? 0 : 1);
}

void run_binary(Isa isa, Op op, std::span<Goldilocks> out, std::span<const Goldilocks> a,
                std::span<const Goldilocks> b) {
  assert(a.size() == out.size() && b.size() == out.size());
  run(isa, op, out.data(), a.data(), b.data(), out.size(), false);
}

ZK_TARGET_AVX512 std::size_t axpy_avx512(GoldilocksExt2* out, GoldilocksExt2 c, const Goldilocks* a,
                                         std::size_t n) {
  const std::size_t packed = n - n % avx512::kLanes;
  const avx512::PackedExt2 c_splat = avx512::broadcast_ext2(c);
  for (std::size_t i = 0; i < packed; i += avx512::kLanes) {
    const avx512::PackedExt2 term = avx512::mul(c_splat, avx512::load(a + i));
    avx512::store_ext2(out + i, avx512::add(avx512::load_ext2(out + i), term));
  }
  return packed;
}

ZK_TARGET_AVX512 std::size_t dot_avx512(const GoldilocksExt2* w, const Goldilocks* a, std::size_t n,
                                        GoldilocksExt2& sum) {
  const std::size_t packed = n - n % avx512::kLanes;
  avx512::PackedExt2 acc = avx512::zero_ext2();
  for (std::size_t i = 0; i < packed; i += avx512::kLanes)
    acc = avx512::add(acc, avx512::mul(avx512::load_ext2(w + i), avx512::load(a + i)));
  sum = avx512::horizontal_sum(acc);
  return packed;
}

// Row-pair kernels, generic over the w rows' field (F_p or GF(p^2)).
// Loads that keep a base-field row in F_p, so its products stay cheap.
ZK_TARGET_AVX512 inline __m512i load_row(const Goldilocks* p) {
  return avx512::load(p);
}
ZK_TARGET_AVX512 inline avx512::PackedExt2 load_row(const GoldilocksExt2* p) {
  return avx512::load_ext2(p);
}
ZK_TARGET_AVX512 inline avx512::PackedExt2 as_ext2(__m512i v) {
  return avx512::lift_ext2(v);
}
ZK_TARGET_AVX512 inline avx512::PackedExt2 as_ext2(avx512::PackedExt2 v) {
  return v;
}

template <class W>
ZK_TARGET_AVX512 std::size_t pair_sums_avx512(const GoldilocksExt2* a_lo,
                                              const GoldilocksExt2* a_hi, const W* w_lo,
                                              const W* w_hi, std::size_t n, PairSums& sums) {
  const std::size_t packed = n - n % avx512::kLanes;
  avx512::PackedExt2 at0 = avx512::zero_ext2(), at2 = avx512::zero_ext2();
  for (std::size_t i = 0; i < packed; i += avx512::kLanes) {
    const avx512::PackedExt2 al = avx512::load_ext2(a_lo + i), ah = avx512::load_ext2(a_hi + i);
    const auto wl = load_row(w_lo + i), wh = load_row(w_hi + i);
    at0 = avx512::add(at0, avx512::mul(al, wl));
    const avx512::PackedExt2 a2 = avx512::sub(avx512::add(ah, ah), al);
    at2 = avx512::add(at2, avx512::mul(a2, avx512::sub(avx512::add(wh, wh), wl)));
  }
  sums = {avx512::horizontal_sum(at0), avx512::horizontal_sum(at2)};
  return packed;
}

template <class W>
ZK_TARGET_AVX512 std::size_t fold_avx512(GoldilocksExt2* out, const W* lo, const W* hi,
                                         GoldilocksExt2 r, std::size_t n) {
  const std::size_t packed = n - n % avx512::kLanes;
  const avx512::PackedExt2 r_splat = avx512::broadcast_ext2(r);
  for (std::size_t i = 0; i < packed; i += avx512::kLanes) {
    const auto l = load_row(lo + i);
    const avx512::PackedExt2 step = avx512::mul(r_splat, avx512::sub(load_row(hi + i), l));
    avx512::store_ext2(out + i, avx512::add(as_ext2(l), step));
  }
  return packed;
}

template <class W>
PairSums pair_sums_any(Isa isa, std::span<const GoldilocksExt2> a_lo,
                       std::span<const GoldilocksExt2> a_hi, std::span<const W> w_lo,
                       std::span<const W> w_hi) {
  const std::size_t n = a_lo.size();
  assert(a_hi.size() == n && w_lo.size() == n && w_hi.size() == n);
  PairSums sums{GoldilocksExt2::zero(), GoldilocksExt2::zero()};
  std::size_t done = 0;
  if (isa == Isa::kAvx512 && cpu_has_avx512()) {
    done = pair_sums_avx512(a_lo.data(), a_hi.data(), w_lo.data(), w_hi.data(), n, sums);
  }
  for (std::size_t i = done; i < n; ++i) {
    sums[0] += a_lo[i] * w_lo[i];
    sums[1] += (a_hi[i] + a_hi[i] - a_lo[i]) * (w_hi[i] + w_hi[i] - w_lo[i]);
  }
  return sums;
}

template <class W>
void fold_any(Isa isa, std::span<GoldilocksExt2> out, std::span<const W> lo, std::span<const W> hi,
              GoldilocksExt2 r) {
  const std::size_t n = out.size();
  assert(lo.size() == n && hi.size() == n);
  std::size_t done = 0;
  if (isa == Isa::kAvx512 && cpu_has_avx512()) {
    done = fold_avx512(out.data(), lo.data(), hi.data(), r, n);
  }
  for (std::size_t i = done; i < n; ++i) out[i] = lift<GoldilocksExt2>(lo[i]) + r * (hi[i] - lo[i]);
}

}  // namespace

PairSums pair_sums(Isa isa, std::span<const GoldilocksExt2> a_lo,
                   std::span<const GoldilocksExt2> a_hi, std::span<const Goldilocks> w_lo,
                   std::span<const Goldilocks> w_hi) {
  return pair_sums_any(isa, a_lo, a_hi, w_lo, w_hi);
}

PairSums pair_sums(Isa isa, std::span<const GoldilocksExt2> a_lo,
                   std::span<const GoldilocksExt2> a_hi, std::span<const GoldilocksExt2> w_lo,
                   std::span<const GoldilocksExt2> w_hi) {
  return pair_sums_any(isa, a_lo, a_hi, w_lo, w_hi);
}

void fold(Isa isa, std::span<GoldilocksExt2> out, std::span<const GoldilocksExt2> lo,
          std::span<const GoldilocksExt2> hi, GoldilocksExt2 r) {
  fold_any(isa, out, lo, hi, r);
}

void fold(Isa isa, std::span<GoldilocksExt2> out, std::span<const Goldilocks> lo,
          std::span<const Goldilocks> hi, GoldilocksExt2 r) {
  fold_any(isa, out, lo, hi, r);
}

void axpy(Isa isa, std::span<GoldilocksExt2> out, GoldilocksExt2 c, std::span<const Goldilocks> a) {
  assert(a.size() == out.size());
  std::size_t done = 0;
  if (isa == Isa::kAvx512 && cpu_has_avx512())
    done = axpy_avx512(out.data(), c, a.data(), a.size());
  for (std::size_t i = done; i < a.size(); ++i) out[i] += c * a[i];
}

GoldilocksExt2 dot(Isa isa, std::span<const GoldilocksExt2> w, std::span<const Goldilocks> a) {
  assert(a.size() == w.size());
  GoldilocksExt2 sum = GoldilocksExt2::zero();
  std::size_t done = 0;
  if (isa == Isa::kAvx512 && cpu_has_avx512()) done = dot_avx512(w.data(), a.data(), a.size(), sum);
  for (std::size_t i = done; i < a.size(); ++i) sum += w[i] * a[i];
  return sum;
}

void add(Isa isa, std::span<Goldilocks> out, std::span<const Goldilocks> a,
         std::span<const Goldilocks> b) {
  run_binary(isa, Op::kAdd, out, a, b);
}
void sub(Isa isa, std::span<Goldilocks> out, std::span<const Goldilocks> a,
         std::span<const Goldilocks> b) {
  run_binary(isa, Op::kSub, out, a, b);
}
void mul(Isa isa, std::span<Goldilocks> out, std::span<const Goldilocks> a,
         std::span<const Goldilocks> b) {
  run_binary(isa, Op::kMul, out, a, b);
}
void scale(Isa isa, std::span<Goldilocks> out, std::span<const Goldilocks> a, Goldilocks c) {
  assert(a.size() == out.size());
  run(isa, Op::kMul, out.data(), a.data(), &c, out.size(), true);
}

}  // namespace zkinfer::field::vec
