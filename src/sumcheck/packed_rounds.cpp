// SPDX-License-Identifier: Apache-2.0
#include "sumcheck/packed_rounds.hpp"

#include <algorithm>

#include "base/cpu_features.hpp"
#include "field/packed_ext2_avx512.hpp"

namespace zkinfer::sumcheck::detail {
namespace {

using field::Goldilocks;
using field::GoldilocksExt2;
using field::avx512::PackedExt2;
namespace simd = field::avx512;

// Packed values kept in heap memory, which is not 64-byte aligned: eight c0
// words then eight c1 words per value, moved with unaligned loads and stores.
class PackedArray {
 public:
  explicit PackedArray(std::size_t size) : words_(2 * simd::kLanes * size) {}
  ZK_TARGET_AVX512 PackedExt2 get(std::size_t i) const {
    const std::uint64_t* p = &words_[2 * simd::kLanes * i];
    return {_mm512_loadu_si512(p), _mm512_loadu_si512(p + simd::kLanes)};
  }
  ZK_TARGET_AVX512 __m512i get_c0(std::size_t i) const {
    return _mm512_loadu_si512(&words_[2 * simd::kLanes * i]);
  }
  ZK_TARGET_AVX512 void set(std::size_t i, PackedExt2 v) {
    std::uint64_t* p = &words_[2 * simd::kLanes * i];
    _mm512_storeu_si512(p, v.c0);
    _mm512_storeu_si512(p + simd::kLanes, v.c1);
  }
  // A base-field value: its c0 words only.
  ZK_TARGET_AVX512 void set(std::size_t i, __m512i v) {
    _mm512_storeu_si512(&words_[2 * simd::kLanes * i], v);
  }

 private:
  std::vector<std::uint64_t> words_;
};

// One thread's share of a round: the tables' values at the points 0..degree
// for eight pairs at a time (a base table uses c0 only), the terms'
// coefficients, and the running sums.
struct PackedScratch {
  PackedArray at, coefficients, sums;
};

ZK_TARGET_AVX512 PackedExt2 evaluate(const MixedRoundTerms<GoldilocksExt2>& plan,
                                     const PackedScratch& s, std::size_t stride, unsigned k) {
  PackedExt2 sum = simd::zero_ext2();
  for (std::size_t t = 0; t < plan.terms.size(); ++t) {
    const auto& term = plan.terms[t];
    PackedExt2 value = s.coefficients.get(t);
    if (!term.ext_factors.empty()) {
      PackedExt2 product = s.at.get(term.ext_factors[0] * stride + k);
      for (std::size_t i = 1; i < term.ext_factors.size(); ++i)
        product = simd::mul(product, s.at.get(term.ext_factors[i] * stride + k));
      value = term.unit ? product : simd::mul(product, value);
    }
    if (!term.base_factors.empty()) {
      __m512i product = s.at.get_c0(term.base_factors[0] * stride + k);
      for (std::size_t i = 1; i < term.base_factors.size(); ++i)
        product = simd::mul(product, s.at.get_c0(term.base_factors[i] * stride + k));
      value = term.unit && term.ext_factors.empty() ? simd::lift_ext2(product)
                                                    : simd::mul(value, product);
    }
    sum = simd::add(sum, value);
  }
  if (!plan.shared) return sum;
  const std::size_t shared = *plan.shared * stride + k;
  return plan.shared_is_base ? simd::mul(sum, s.at.get_c0(shared))
                             : simd::mul(sum, s.at.get(shared));
}

// at[first + k] = lo + k (hi - lo) for k = 0..degree, for a packed base or
// GF(p^2) value.
template <class Packed>
ZK_TARGET_AVX512 void extend_line(Packed lo, Packed hi, unsigned degree, PackedArray& at,
                                  std::size_t first) {
  const Packed step = simd::sub(hi, lo);
  Packed v = lo;
  for (unsigned k = 0; k <= degree; ++k) {
    at.set(first + k, v);
    v = simd::add(v, step);
  }
}

ZK_TARGET_AVX512 void extend(const RoundTable<GoldilocksExt2>& table, std::size_t x,
                             std::size_t half, unsigned degree, PackedArray& at,
                             std::size_t first) {
  if (table.base != nullptr) {
    extend_line(simd::load(table.base + x), simd::load(table.base + x + half), degree, at, first);
  } else if (table.ext != nullptr) {
    extend_line(simd::load_ext2(table.ext + x), simd::load_ext2(table.ext + x + half), degree, at,
                first);
  }
}

// The work of a round and of the folds, range by range. The parallel loops
// that share the ranges out live in functions without the AVX-512 target:
// clang outlines an OpenMP region into a function that does not inherit its
// parent's target attribute, so no packed value may cross that boundary.
ZK_TARGET_AVX512 void load_coefficients(const MixedRoundTerms<GoldilocksExt2>& plan,
                                        PackedScratch& s) {
  for (std::size_t t = 0; t < plan.terms.size(); ++t)
    s.coefficients.set(t, simd::broadcast_ext2(plan.terms[t].coefficient));
}

ZK_TARGET_AVX512 void accumulate_round_sums(const MixedRoundTerms<GoldilocksExt2>& plan,
                                            std::span<const RoundTable<GoldilocksExt2>> tables,
                                            std::size_t half, unsigned degree,
                                            std::span<const unsigned> points,
                                            const GoldilocksExt2* weight, PackedScratch& s,
                                            std::size_t begin, std::size_t end) {
  const std::size_t stride = degree + 1;
  for (std::size_t x = begin; x < end; x += simd::kLanes) {
    for (std::size_t j = 0; j < tables.size(); ++j)
      extend(tables[j], x, half, degree, s.at, j * stride);
    const PackedExt2 w = weight != nullptr ? simd::load_ext2(weight + x) : PackedExt2{};
    for (unsigned k : points) {
      PackedExt2 value = evaluate(plan, s, stride, k);
      if (weight != nullptr) value = simd::mul(value, w);
      s.sums.set(k, simd::add(s.sums.get(k), value));
    }
  }
}

ZK_TARGET_AVX512 void add_horizontal_sums(const PackedScratch& s, std::span<const unsigned> points,
                                          std::vector<GoldilocksExt2>& out) {
  for (unsigned k : points) out[k] += simd::horizontal_sum(s.sums.get(k));
}

ZK_TARGET_AVX512 void fold_range(GoldilocksExt2* t, std::size_t half, GoldilocksExt2 r,
                                 std::size_t begin, std::size_t end) {
  const PackedExt2 packed_r = simd::broadcast_ext2(r);
  for (std::size_t x = begin; x < end; x += simd::kLanes) {
    const PackedExt2 lo = simd::load_ext2(t + x);
    const PackedExt2 hi = simd::load_ext2(t + x + half);
    simd::store_ext2(t + x, simd::add(lo, simd::mul(simd::sub(hi, lo), packed_r)));
  }
}

ZK_TARGET_AVX512 void fold_base_range(const Goldilocks* t, GoldilocksExt2* out, std::size_t half,
                                      GoldilocksExt2 r, std::size_t begin, std::size_t end) {
  const PackedExt2 packed_r = simd::broadcast_ext2(r);
  for (std::size_t x = begin; x < end; x += simd::kLanes) {
    const __m512i lo = simd::load(t + x);
    const __m512i step = simd::sub(simd::load(t + x + half), lo);
    const PackedExt2 scaled = simd::mul(packed_r, step);
    simd::store_ext2(out + x, {simd::add(lo, scaled.c0), scaled.c1});
  }
}

// Pairs per parallel work item: a multiple of the lane count, large enough
// that the per-item call and broadcasts vanish against the packed work.
constexpr std::size_t kBlock = 64 * simd::kLanes;

}  // namespace

bool packed_rounds_available(std::size_t half) {
  return half >= simd::kLanes && half % simd::kLanes == 0 && best_isa() == Isa::kAvx512;
}

std::vector<GoldilocksExt2> packed_round_sums(const MixedRoundTerms<GoldilocksExt2>& plan,
                                              std::span<const RoundTable<GoldilocksExt2>> tables,
                                              std::size_t half, unsigned degree,
                                              std::span<const unsigned> points,
                                              const GoldilocksExt2* weight) {
  std::vector<GoldilocksExt2> out(degree + 1, GoldilocksExt2::zero());
#pragma omp parallel if (half >= kParallelThreshold)
  {
    PackedScratch s{PackedArray(tables.size() * (degree + 1)), PackedArray(plan.terms.size()),
                    PackedArray(degree + 1)};
    load_coefficients(plan, s);
#pragma omp for schedule(static) nowait
    for (std::size_t x = 0; x < half; x += kBlock)
      accumulate_round_sums(plan, tables, half, degree, points, weight, s, x,
                            std::min(x + kBlock, half));
#pragma omp critical
    add_horizontal_sums(s, points, out);
  }
  return out;
}

void packed_fold(GoldilocksExt2* t, std::size_t half, GoldilocksExt2 r) {
#pragma omp parallel for schedule(static) if (half >= kParallelThreshold)
  for (std::size_t x = 0; x < half; x += kBlock)
    fold_range(t, half, r, x, std::min(x + kBlock, half));
}

void packed_fold_base(const Goldilocks* t, GoldilocksExt2* out, std::size_t half,
                      GoldilocksExt2 r) {
#pragma omp parallel for schedule(static) if (half >= kParallelThreshold)
  for (std::size_t x = 0; x < half; x += kBlock)
    fold_base_range(t, out, half, r, x, std::min(x + kBlock, half));
}

}  // namespace zkinfer::sumcheck::detail
