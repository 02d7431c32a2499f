// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include <vector>

#include "field/goldilocks_vec.hpp"
#include "field/lift.hpp"
#include "support/rng.hpp"

namespace zkinfer::field {
namespace {

using testing::TestRng;

using BinaryKernel = void (*)(Isa, std::span<Goldilocks>, std::span<const Goldilocks>,
                              std::span<const Goldilocks>);
const std::pair<BinaryKernel, const char*> kBinaryKernels[] = {
    {&vec::add, "add"}, {&vec::sub, "sub"}, {&vec::mul, "mul"}};

// Random values salted with edge values, so lanes see every carry case.
std::vector<Goldilocks> mixed_values(std::size_t n, std::uint64_t seed) {
  constexpr std::uint64_t P = Goldilocks::kModulus;
  const std::uint64_t edges[] = {0,
                                 1,
                                 P - 1,
                                 P - 2,
                                 1ULL << 32,
                                 (1ULL << 32) - 1,
                                 0xFFFFFFFF00000000ULL,
                                 P / 2,
                                 (1ULL << 63) + 5};
  TestRng rng(seed);
  std::vector<Goldilocks> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    v[i] = Goldilocks::from_u64(rng() % 3 == 0 ? edges[rng() % std::size(edges)] : rng());
  }
  return v;
}

class PackedPaths : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (!cpu_supports(GetParam())) GTEST_SKIP() << "CPU lacks " << isa_name(GetParam());
  }
};

TEST_P(PackedPaths, MatchScalarOnEveryLength) {
  const Isa isa = GetParam();
  for (std::size_t n = 0; n <= 67; ++n) {
    const auto a = mixed_values(n, 100 + n), b = mixed_values(n, 200 + n);
    std::vector<Goldilocks> got(n), want(n);
    for (auto [op, name] : kBinaryKernels) {
      op(Isa::kScalar, want, a, b);
      op(isa, got, a, b);
      ASSERT_EQ(got, want) << name << " n=" << n;
    }
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(want[i], a[i] * b[i]);
    const Goldilocks c = n > 0 ? b[0] : Goldilocks::from_u64(5);
    vec::scale(Isa::kScalar, want, a, c);
    vec::scale(isa, got, a, c);
    ASSERT_EQ(got, want) << "scale n=" << n;
  }
}

TEST_P(PackedPaths, ExtensionByBaseMatchesScalarOnEveryLength) {
  const Isa isa = GetParam();
  for (std::size_t n = 0; n <= 67; ++n) {
    const auto a = mixed_values(n, 300 + n), w0 = mixed_values(n, 400 + n),
               w1 = mixed_values(n, 500 + n);
    std::vector<GoldilocksExt2> w(n);
    for (std::size_t i = 0; i < n; ++i) w[i] = GoldilocksExt2(w0[i], w1[i]);
    const GoldilocksExt2 c(Goldilocks::from_u64(Goldilocks::kModulus - 3), Goldilocks::from_u64(n));
    std::vector<GoldilocksExt2> got = w, want = w;
    vec::axpy(isa, got, c, a);
    GoldilocksExt2 sum = GoldilocksExt2::zero();
    for (std::size_t i = 0; i < n; ++i) {
      want[i] += c * a[i];
      sum += w[i] * a[i];
    }
    ASSERT_EQ(got, want) << "axpy n=" << n;
    ASSERT_EQ(vec::dot(isa, w, a), sum) << "dot n=" << n;
  }
}

std::vector<GoldilocksExt2> mixed_ext2(std::size_t n, std::uint64_t seed) {
  const auto c0 = mixed_values(n, seed), c1 = mixed_values(n, seed + 7);
  std::vector<GoldilocksExt2> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = GoldilocksExt2(c0[i], c1[i]);
  return v;
}

// The sumcheck row-pair kernels against the field's own arithmetic, with w
// rows in F_p and in GF(p^2), and the fold in place.
TEST_P(PackedPaths, RowPairKernelsMatchTheFieldOnEveryLength) {
  const Isa isa = GetParam();
  for (std::size_t n = 0; n <= 67; ++n) {
    const auto a_lo = mixed_ext2(n, 600 + n), a_hi = mixed_ext2(n, 700 + n);
    const auto b_lo = mixed_values(n, 800 + n), b_hi = mixed_values(n, 900 + n);
    const auto e_lo = mixed_ext2(n, 1000 + n), e_hi = mixed_ext2(n, 1100 + n);
    const GoldilocksExt2 r(Goldilocks::from_u64(Goldilocks::kModulus - 5),
                           Goldilocks::from_u64(3 + n));
    const auto expected_sums = [&](const auto& w_lo, const auto& w_hi) {
      vec::PairSums sums{GoldilocksExt2::zero(), GoldilocksExt2::zero()};
      const GoldilocksExt2 two = GoldilocksExt2::from_u64(2);
      for (std::size_t i = 0; i < n; ++i) {
        sums[0] += a_lo[i] * w_lo[i];
        sums[1] += (two * a_hi[i] - a_lo[i]) *
                   (two * lift<GoldilocksExt2>(w_hi[i]) - lift<GoldilocksExt2>(w_lo[i]));
      }
      return sums;
    };
    const auto base_sums = vec::pair_sums(isa, a_lo, a_hi, std::span<const Goldilocks>(b_lo),
                                          std::span<const Goldilocks>(b_hi));
    ASSERT_EQ(base_sums, expected_sums(b_lo, b_hi)) << "pair_sums over F_p n=" << n;
    const auto ext_sums = vec::pair_sums(isa, a_lo, a_hi, std::span<const GoldilocksExt2>(e_lo),
                                         std::span<const GoldilocksExt2>(e_hi));
    ASSERT_EQ(ext_sums, expected_sums(e_lo, e_hi)) << "pair_sums over GF(p^2) n=" << n;

    std::vector<GoldilocksExt2> got(n), want(n);
    for (std::size_t i = 0; i < n; ++i) want[i] = GoldilocksExt2(b_lo[i]) + r * (b_hi[i] - b_lo[i]);
    vec::fold(isa, got, std::span<const Goldilocks>(b_lo), std::span<const Goldilocks>(b_hi), r);
    ASSERT_EQ(got, want) << "fold from F_p n=" << n;
    got = e_lo;
    for (std::size_t i = 0; i < n; ++i) want[i] = e_lo[i] + r * (e_hi[i] - e_lo[i]);
    vec::fold(isa, got, std::span<const GoldilocksExt2>(got), std::span<const GoldilocksExt2>(e_hi),
              r);
    ASSERT_EQ(got, want) << "fold in place n=" << n;
  }
}

TEST_P(PackedPaths, ExhaustiveEdgePairs) {
  constexpr std::uint64_t P = Goldilocks::kModulus;
  const std::vector<std::uint64_t> edges = {0,
                                            1,
                                            2,
                                            P - 1,
                                            P - 2,
                                            P / 2,
                                            1ULL << 32,
                                            (1ULL << 32) - 1,
                                            (1ULL << 32) + 1,
                                            0xFFFFFFFF00000000ULL,
                                            1ULL << 63,
                                            (1ULL << 63) - 1,
                                            0xFFFFFFFE00000001ULL};
  std::vector<Goldilocks> a, b;
  for (auto x : edges) {
    for (auto y : edges) {
      a.push_back(Goldilocks::from_u64(x));
      b.push_back(Goldilocks::from_u64(y));
    }
  }
  std::vector<Goldilocks> got(a.size()), want(a.size());
  for (auto [op, name] : kBinaryKernels) {
    op(Isa::kScalar, want, a, b);
    op(GetParam(), got, a, b);
    ASSERT_EQ(got, want) << name;
  }
}

TEST_P(PackedPaths, OutputMayAliasInput) {
  auto a = mixed_values(40, 7);
  const auto b = mixed_values(40, 8);
  std::vector<Goldilocks> want(40);
  vec::mul(Isa::kScalar, want, a, b);
  vec::mul(GetParam(), a, a, b);
  EXPECT_EQ(a, want);
}

INSTANTIATE_TEST_SUITE_P(Isa, PackedPaths,
                         ::testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const ::testing::TestParamInfo<Isa>& param) {
                           return std::string(isa_name(param.param));
                         });

}  // namespace
}  // namespace zkinfer::field
