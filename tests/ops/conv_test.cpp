// SPDX-License-Identifier: Apache-2.0
#include "ops/conv.hpp"

#include <gtest/gtest.h>

#include "base/error.hpp"
#include "ops/dot.hpp"
#include "ops/ops_testing.hpp"

namespace zkinfer::ops {
namespace {

using testing::TestRng;

// The definition, loop by loop, in 128-bit integers.
IntTensor reference_conv(const IntTensor& x, const IntTensor& w,
                         const std::vector<std::int32_t>& bias, const ConvParams& p) {
  const std::size_t n_img = x.shape[0], c_in = x.shape[1], h = x.shape[2], wd = x.shape[3];
  const std::size_t m_out = w.shape[0], kh = w.shape[2], kw = w.shape[3];
  const std::size_t cg = c_in / p.groups, mg = m_out / p.groups;
  const auto span = [](std::size_t k, std::size_t d) { return d * (k - 1) + 1; };
  const std::size_t oh_n =
      (h + p.pads[0] + p.pads[2] - span(kh, p.dilations[0])) / p.strides[0] + 1;
  const std::size_t ow_n =
      (wd + p.pads[1] + p.pads[3] - span(kw, p.dilations[1])) / p.strides[1] + 1;
  IntTensor y = IntTensor::zeros({n_img, m_out, oh_n, ow_n});
  const MacQuant& q = p.quant;
  for (std::size_t n = 0; n < n_img; ++n) {
    for (std::size_t m = 0; m < m_out; ++m) {
      const std::size_t g = m / mg;
      const __int128 zw =
          q.weight_zero_points.size() == 1 ? q.weight_zero_points[0] : q.weight_zero_points[m];
      const Requant& r =
          q.rescale.requants.size() == 1 ? q.rescale.requants[0] : q.rescale.requants[m];
      for (std::size_t oh = 0; oh < oh_n; ++oh) {
        for (std::size_t ow = 0; ow < ow_n; ++ow) {
          __int128 acc = bias.empty() ? 0 : bias[m];
          for (std::size_t c = 0; c < cg; ++c) {
            for (std::size_t i = 0; i < kh; ++i) {
              for (std::size_t j = 0; j < kw; ++j) {
                const long ih = static_cast<long>(oh * p.strides[0] + i * p.dilations[0]) -
                                static_cast<long>(p.pads[0]);
                const long iw = static_cast<long>(ow * p.strides[1] + j * p.dilations[1]) -
                                static_cast<long>(p.pads[1]);
                if (ih < 0 || iw < 0 || ih >= static_cast<long>(h) || iw >= static_cast<long>(wd))
                  continue;
                const __int128 xv =
                    x.values[((n * c_in + g * cg + c) * h + static_cast<std::size_t>(ih)) * wd +
                             static_cast<std::size_t>(iw)];
                const __int128 wv = w.values[((m * cg + c) * kh + i) * kw + j];
                acc += (xv - q.input_zero_point) * (wv - zw);
              }
            }
          }
          y.values[((n * m_out + m) * oh_n + oh) * ow_n + ow] =
              testing::reference_clamp(testing::reference_requant(acc, r), q.rescale.output);
        }
      }
    }
  }
  return y;
}

struct Case {
  IntTensor x, w;
  std::vector<std::int32_t> bias;
  ConvParams params;
};

Case random_case(TestRng& rng, Shape x_shape, Shape w_shape, ConvParams params,
                 bool unsigned_input) {
  Case c;
  const std::int32_t lo = unsigned_input ? 0 : -128, hi = unsigned_input ? 255 : 127;
  c.x = testing::random_tensor(rng, std::move(x_shape), lo, hi);
  const std::size_t outputs = w_shape[0];
  c.w = testing::random_tensor(rng, std::move(w_shape), -128, 127);
  c.params = params;
  MacQuant& q = c.params.quant;
  q.input_zero_point = testing::uniform(rng, lo, hi);
  q.weight_zero_points.clear();
  q.rescale.requants.clear();
  const bool per_channel = rng.below(2) == 1;
  for (std::size_t m = 0; m < (per_channel ? outputs : 1); ++m) {
    q.weight_zero_points.push_back(testing::uniform(rng, -10, 10));
    q.rescale.requants.push_back(testing::random_requant(rng, 18, 24));
  }
  q.rescale.output =
      OutputClamp::of(QuantParams::int8(1.0, testing::uniform(rng, -5, 5)), rng.below(2) == 1);
  if (rng.below(3) != 0) {
    for (std::size_t m = 0; m < outputs; ++m)
      c.bias.push_back(testing::uniform(rng, -100000, 100000));
  }
  return c;
}

IntTensor run(const Case& c, Isa isa = best_isa()) {
  return conv(c.x, c.w, c.bias, c.params, isa);
}

ConvParams geometry(std::size_t stride, std::size_t dilation, std::size_t pad, std::size_t groups) {
  ConvParams p;
  p.strides = {stride, stride};
  p.dilations = {dilation, dilation};
  p.pads = {pad, pad, pad, pad};
  p.groups = groups;
  return p;
}

TEST(Conv, MatchesTheReferenceOverStridePadDilationGroups) {
  TestRng rng(1);
  int cases = 0;
  for (int repeat = 0; repeat < 2; ++repeat) {
    for (std::size_t stride : {1, 2, 3}) {
      for (std::size_t dilation : {1, 2}) {
        for (std::size_t pad : {0, 1, 2}) {
          for (std::size_t groups : {1, 2, 3}) {
            const std::size_t k = 2 + rng.below(2);
            if (pad >= dilation * (k - 1) + 1) continue;
            const std::size_t c_in = groups * (1 + rng.below(3)), m = groups * (1 + rng.below(3));
            const Case c = random_case(
                rng, {1 + rng.below(2), c_in, 5 + rng.below(6), 5 + rng.below(6)},
                {m, c_in / groups, k, k}, geometry(stride, dilation, pad, groups), cases % 2 == 0);
            ASSERT_EQ(run(c).values, reference_conv(c.x, c.w, c.bias, c.params).values)
                << "stride " << stride << " dilation " << dilation << " pad " << pad << " groups "
                << groups;
            ++cases;
          }
        }
      }
    }
  }
  EXPECT_GT(cases, 80);
}

TEST(Conv, AsymmetricPadsAndRectangularKernels) {
  TestRng rng(2);
  ConvParams p;
  p.strides = {2, 1};
  p.dilations = {1, 3};
  p.pads = {0, 2, 1, 0};
  const Case c = random_case(rng, {2, 3, 7, 9}, {4, 3, 2, 3}, p, true);
  EXPECT_EQ(c.params.output_shape(c.x.shape, c.w.shape), (Shape{2, 4, 4, 5}));
  EXPECT_EQ(run(c).values, reference_conv(c.x, c.w, c.bias, c.params).values);
}

TEST(Conv, Depthwise) {
  TestRng rng(3);
  for (std::size_t stride : {1, 2}) {
    const Case c = random_case(rng, {1, 8, 12, 12}, {8, 1, 3, 3}, geometry(stride, 1, 1, 8), false);
    EXPECT_EQ(run(c).values, reference_conv(c.x, c.w, c.bias, c.params).values);
    // Channel multiplier 2: two filters per input channel.
    const Case c2 = random_case(rng, {1, 4, 6, 6}, {8, 1, 3, 3}, geometry(stride, 1, 1, 4), true);
    EXPECT_EQ(run(c2).values, reference_conv(c2.x, c2.w, c2.bias, c2.params).values);
  }
}

TEST(Conv, OneByOneAndKernelCoveringTheInput) {
  TestRng rng(4);
  const Case pointwise =
      random_case(rng, {1, 16, 5, 5}, {24, 16, 1, 1}, geometry(1, 1, 0, 1), true);
  EXPECT_EQ(run(pointwise).values,
            reference_conv(pointwise.x, pointwise.w, pointwise.bias, pointwise.params).values);
  const Case full = random_case(rng, {2, 3, 4, 4}, {5, 3, 4, 4}, geometry(1, 1, 0, 1), false);
  EXPECT_EQ(run(full).values, reference_conv(full.x, full.w, full.bias, full.params).values);
}

TEST(Conv, ManyTilesAndEveryIsa) {
  // 40 x 40 outputs over depth 4*3*3 span several im2col tiles per task.
  TestRng rng(5);
  const Case c = random_case(rng, {1, 8, 40, 40}, {6, 4, 3, 3}, geometry(1, 1, 1, 2), true);
  const IntTensor expected = reference_conv(c.x, c.w, c.bias, c.params);
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (!cpu_supports(isa)) continue;
    EXPECT_EQ(run(c, isa).values, expected.values) << isa_name(isa);
  }
}

TEST(Conv, WideValuesTakeTheInt64Path) {
  TestRng rng(6);
  Case c = random_case(rng, {1, 2, 6, 6}, {3, 2, 3, 3}, geometry(1, 1, 1, 1), false);
  c.x = testing::random_tensor(rng, {1, 2, 6, 6}, -40000, 40000);
  c.params.quant.input_zero_point = -30000;
  for (auto& r : c.params.quant.rescale.requants) r = testing::random_requant(rng, 28, 34);
  EXPECT_EQ(run(c).values, reference_conv(c.x, c.w, c.bias, c.params).values);
}

TEST(Conv, ThreadCountDoesNotChangeTheBytes) {
  TestRng rng(7);
  const Case c = random_case(rng, {2, 16, 20, 20}, {32, 16, 3, 3}, geometry(1, 1, 1, 1), true);
  const IntTensor one = testing::with_threads(1, [&] { return run(c); });
  const IntTensor two = testing::with_threads(2, [&] { return run(c); });
  EXPECT_EQ(one.values, two.values);
  EXPECT_EQ(one.values, reference_conv(c.x, c.w, c.bias, c.params).values);
}

std::string error_of(const IntTensor& x, const IntTensor& w, const ConvParams& p,
                     std::vector<std::int32_t> bias = {}) {
  try {
    conv(x, w, bias, p);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Conv, RejectsInconsistentShapesAndAttributes) {
  const IntTensor x = IntTensor::zeros({1, 4, 5, 5});
  const IntTensor w = IntTensor::zeros({6, 2, 3, 3});
  EXPECT_NE(error_of(x, w, geometry(1, 1, 0, 1)).find("input channels per group"),
            std::string::npos);
  EXPECT_EQ(error_of(x, w, geometry(1, 1, 0, 2)), "no error");
  EXPECT_NE(error_of(x, w, geometry(1, 1, 0, 3)).find("not divisible"), std::string::npos);
  EXPECT_NE(error_of(x, w, geometry(1, 1, 0, 0)).find("groups is 0"), std::string::npos);
  EXPECT_NE(error_of(x, w, geometry(0, 1, 0, 2)).find("stride 0"), std::string::npos);
  EXPECT_NE(error_of(x, w, geometry(1, 0, 0, 2)).find("dilation 0"), std::string::npos);
  EXPECT_NE(error_of(x, w, geometry(1, 1, 3, 2)).find("pad 3"), std::string::npos);
  EXPECT_NE(error_of(x, w, geometry(1, 3, 0, 2)).find("does not fit"), std::string::npos);
  EXPECT_NE(error_of(x, w, geometry(1, 1, 0, 2), {1, 2}).find("bias"), std::string::npos);
  EXPECT_NE(error_of(IntTensor::zeros({4, 5, 5}), w, geometry(1, 1, 0, 2)).find("[N, C, H, W]"),
            std::string::npos);
  ConvParams p = geometry(1, 1, 0, 2);
  p.quant.weight_zero_points = {0, 0};
  EXPECT_NE(error_of(x, w, p).find("weight zero points"), std::string::npos);
}

}  // namespace
}  // namespace zkinfer::ops
