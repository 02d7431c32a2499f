// SPDX-License-Identifier: Apache-2.0
#include "field/goldilocks_vec.hpp"

#include <cassert>

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

}  // namespace

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
