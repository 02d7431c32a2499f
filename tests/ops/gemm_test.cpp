// SPDX-License-Identifier: Apache-2.0
#include "ops/gemm.hpp"

#include <gtest/gtest.h>

#include "base/error.hpp"
#include "ops/dot.hpp"
#include "ops/ops_testing.hpp"

namespace zkinfer::ops {
namespace {

using testing::TestRng;

// Y[m, n] = clamp(zy + round(M_n * (sum_k (A - za)(W - zw_n) + b_n) / 2^s_n)), in 128-bit.
IntTensor reference_gemm(const IntTensor& a, const IntTensor& w,
                         const std::vector<std::int32_t>& bias, const MacQuant& q) {
  const std::size_t m = a.shape[0], k = a.shape[1], n = w.shape[0];
  IntTensor y = IntTensor::zeros({m, n});
  for (std::size_t i = 0; i < m; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      const __int128 zw =
          q.weight_zero_points.size() == 1 ? q.weight_zero_points[0] : q.weight_zero_points[j];
      __int128 acc = bias.empty() ? 0 : bias[j];
      for (std::size_t t = 0; t < k; ++t) {
        acc += (static_cast<__int128>(a.values[i * k + t]) - q.input_zero_point) *
               (static_cast<__int128>(w.values[j * k + t]) - zw);
      }
      const Requant& r =
          q.rescale.requants.size() == 1 ? q.rescale.requants[0] : q.rescale.requants[j];
      y.values[i * n + j] =
          testing::reference_clamp(testing::reference_requant(acc, r), q.rescale.output);
    }
  }
  return y;
}

struct Case {
  IntTensor a, w;
  std::vector<std::int32_t> bias;
  MacQuant quant;
};

// Activations of one 8-bit type (uint8 or int8) with a nonzero zero point,
// int8 weights with per-channel or per-tensor zero points, and a shift
// chosen so the outputs spread over the whole int8 range.
Case random_case(TestRng& rng, std::size_t m, std::size_t k, std::size_t n, bool unsigned_input,
                 bool per_channel) {
  Case c;
  const std::int32_t lo = unsigned_input ? 0 : -128, hi = unsigned_input ? 255 : 127;
  c.a = testing::random_tensor(rng, {m, k}, lo, hi);
  c.w = testing::random_tensor(rng, {n, k}, -128, 127);
  c.quant.input_zero_point = testing::uniform(rng, lo, hi);
  const std::size_t channels = per_channel ? n : 1;
  c.quant.weight_zero_points.clear();
  c.quant.rescale.requants.clear();
  for (std::size_t j = 0; j < channels; ++j) {
    c.quant.weight_zero_points.push_back(testing::uniform(rng, -20, 20));
    c.quant.rescale.requants.push_back(testing::random_requant(rng, 20, 26));
  }
  c.quant.rescale.output = {testing::uniform(rng, -10, 10), -128, 127};
  if (rng.below(2)) {
    for (std::size_t j = 0; j < n; ++j)
      c.bias.push_back(testing::uniform(rng, -(1 << 20), 1 << 20));
  }
  return c;
}

IntTensor run(const Case& c, Isa isa = best_isa()) {
  return gemm(c.a, c.w, c.bias, c.quant, isa);
}

TEST(Gemm, MatchesTheReferenceOnRandomShapes) {
  TestRng rng(1);
  for (int i = 0; i < 60; ++i) {
    const std::size_t m = 1 + rng.below(9), k = 1 + rng.below(100), n = 1 + rng.below(11);
    const Case c = random_case(rng, m, k, n, i % 2 == 0, i % 3 == 0);
    ASSERT_EQ(run(c).values, reference_gemm(c.a, c.w, c.bias, c.quant).values)
        << m << "x" << k << "x" << n;
  }
}

TEST(Gemm, AccumulatorsRescaleToTheOutput) {
  TestRng rng(11);
  for (int i = 0; i < 20; ++i) {
    const std::size_t m = 1 + rng.below(5), k = 1 + rng.below(70), n = 1 + rng.below(7);
    const Case c = random_case(rng, m, k, n, i % 2 == 0, i % 3 == 0);
    const std::vector<std::int64_t> acc = gemm_accumulators(c.a, c.w, c.bias, c.quant);
    ASSERT_EQ(acc.size(), m * n);
    IntTensor rescaled = IntTensor::zeros({m, n});
    for (std::size_t x = 0; x < acc.size(); ++x) {
      rescaled.values[x] = c.quant.rescale.apply(acc[x], x % n);
    }
    EXPECT_EQ(rescaled.values, run(c).values) << m << "x" << k << "x" << n;
  }
}

TEST(Gemm, EveryIsaGivesTheSameBytes) {
  TestRng rng(2);
  for (int i = 0; i < 10; ++i) {
    const Case c = random_case(rng, 1 + rng.below(20), 1 + rng.below(300), 1 + rng.below(40),
                               i % 2 == 1, true);
    const IntTensor expected = reference_gemm(c.a, c.w, c.bias, c.quant);
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
      if (!cpu_supports(isa)) continue;
      EXPECT_EQ(run(c, isa).values, expected.values) << isa_name(isa);
    }
  }
}

TEST(Gemm, ExtremeValuesSaturateTheOutput) {
  // All activations at 255 - 0 and weights at -128 - 127: every product is
  // the extreme -255 * 255, K = 1000; shift 0 pushes every output to the clamp.
  TestRng rng(3);
  Case c = random_case(rng, 3, 1000, 5, true, false);
  std::fill(c.a.values.begin(), c.a.values.end(), 255);
  std::fill(c.w.values.begin(), c.w.values.end(), -128);
  c.quant.input_zero_point = 0;
  c.quant.weight_zero_points = {127};
  c.quant.rescale.requants = {Requant{1, 0}};
  c.bias.clear();
  const IntTensor y = run(c);
  EXPECT_EQ(y.values, reference_gemm(c.a, c.w, c.bias, c.quant).values);
  for (std::int32_t v : y.values) EXPECT_EQ(v, -128);
}

TEST(Gemm, WideValuesTakeTheInt64Path) {
  // 16-bit activations centred beyond int16 and int32 biases: the plan must
  // leave the int16 kernel, and results must still be exact.
  TestRng rng(4);
  Case c = random_case(rng, 5, 37, 7, false, true);
  c.a = testing::random_tensor(rng, {5, 37}, -32768, 32767);
  c.quant.input_zero_point = 30000;
  c.w = testing::random_tensor(rng, {7, 37}, -32768, 32767);
  for (auto& r : c.quant.rescale.requants) r = testing::random_requant(rng, 30, 40);
  c.bias.assign(7, std::numeric_limits<std::int32_t>::min());
  EXPECT_FALSE(detail::DotPlan::choose(62768, 32787, 37, 1LL << 31, "t").narrow);
  EXPECT_EQ(run(c).values, reference_gemm(c.a, c.w, c.bias, c.quant).values);
}

TEST(Gemm, Int32ChunkingIsExact) {
  // max|x| * max|w| = 32767 * 255 allows only 256 products per int32 lane:
  // a depth of 2000 crosses several chunks.
  const auto plan = detail::DotPlan::choose(32767, 255, 2000, 0, "t");
  ASSERT_TRUE(plan.narrow);
  ASSERT_EQ(plan.chunk, 256u);
  TestRng rng(5);
  Case c = random_case(rng, 6, 2000, 6, false, false);
  c.a = testing::random_tensor(rng, {6, 2000}, -32767, 32767);
  for (auto& v : c.a.values) v = v > 0 ? 32767 : -32767;  // same sign runs: the lanes grow fastest
  c.w = testing::random_tensor(rng, {6, 2000}, -127, 127);
  for (auto& v : c.w.values) v = 127;
  c.quant.input_zero_point = 0;
  c.quant.weight_zero_points = {-128};
  c.quant.rescale.requants = {Requant{1 << 15, 40}};
  c.quant.rescale.output = {0, std::numeric_limits<std::int32_t>::min(),
                            std::numeric_limits<std::int32_t>::max()};
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!cpu_supports(isa)) continue;
    EXPECT_EQ(run(c, isa).values, reference_gemm(c.a, c.w, c.bias, c.quant).values)
        << isa_name(isa);
  }
}

TEST(Gemm, ThreadCountDoesNotChangeTheBytes) {
  TestRng rng(6);
  const Case c = random_case(rng, 64, 256, 96, true, true);  // above the parallel threshold
  ASSERT_GE(64u * 256u * 96u, detail::kParallelWork);
  const IntTensor one = testing::with_threads(1, [&] { return run(c); });
  const IntTensor two = testing::with_threads(2, [&] { return run(c); });
  EXPECT_EQ(one.values, two.values);
  EXPECT_EQ(one.values, reference_gemm(c.a, c.w, c.bias, c.quant).values);
}

TEST(Gemm, RejectsInconsistentShapesAndParams) {
  TestRng rng(7);
  const Case c = random_case(rng, 2, 3, 4, false, true);
  auto message = [](auto&& f) {
    try {
      f();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] {
              gemm(c.a, IntTensor::zeros({4, 5}), {}, c.quant);
            }).find("[4, 5]"),
            std::string::npos);
  EXPECT_NE(message([&] { gemm(c.a, c.w, std::vector<std::int32_t>(3), c.quant); }).find("bias"),
            std::string::npos);
  MacQuant q = c.quant;
  q.weight_zero_points = {1, 2};
  EXPECT_NE(message([&] { gemm(c.a, c.w, {}, q); }).find("weight zero points"), std::string::npos);
  q = c.quant;
  q.rescale.requants.resize(3);
  EXPECT_NE(message([&] { gemm(c.a, c.w, {}, q); }).find("requant"), std::string::npos);
  IntTensor bad = c.a;
  bad.values.pop_back();
  EXPECT_NE(message([&] { gemm(bad, c.w, {}, c.quant); }).find("needs 6 values"),
            std::string::npos);
  // Accumulators beyond 2^46: int32 extremes over a depth of 2^14.
  IntTensor big_a = IntTensor::zeros({1, 1 << 14});
  IntTensor big_w = IntTensor::zeros({1, 1 << 14});
  std::fill(big_a.values.begin(), big_a.values.end(), std::numeric_limits<std::int32_t>::max());
  std::fill(big_w.values.begin(), big_w.values.end(), 65535);
  MacQuant one;
  EXPECT_NE(message([&] { gemm(big_a, big_w, {}, one); }).find("2^46"), std::string::npos);
}

TEST(Gemm, EmptyDimensions) {
  MacQuant q;
  EXPECT_EQ(gemm(IntTensor::zeros({0, 4}), IntTensor::zeros({3, 4}), {}, q).shape, (Shape{0, 3}));
  // K = 0: only the bias remains.
  const IntTensor y =
      gemm(IntTensor::zeros({2, 0}), IntTensor::zeros({2, 0}), std::vector<std::int32_t>{5, -7}, q);
  EXPECT_EQ(y.values, (std::vector<std::int32_t>{5, -7, 5, -7}));
}

}  // namespace
}  // namespace zkinfer::ops
