// SPDX-License-Identifier: Apache-2.0
#include "ops/conv.hpp"

#include <algorithm>
#include <type_traits>
#include <vector>

#include "base/error.hpp"
#include "ops/dot.hpp"

namespace zkinfer::ops {
namespace {

// Output positions per im2col tile: about 256 KiB of patches per thread.
constexpr std::size_t kTileBytes = std::size_t{1} << 18;

struct ConvGeometry {
  std::size_t batch, channels, height, width;  // input
  std::size_t outputs, kh, kw;                 // weight
  std::size_t groups, group_in, group_out;     // channels per group
  std::size_t out_h, out_w;
  std::size_t depth() const { return group_in * kh * kw; }
  std::size_t positions() const { return out_h * out_w; }
};

ConvGeometry geometry(const ConvParams& p, const Shape& x, const Shape& w) {
  const Shape y = p.output_shape(x, w);
  return {x[0], x[1], x[2], x[3], w[0], w[2], w[3], p.groups, x[1] / p.groups, w[0] / p.groups,
          y[2], y[3]};
}

// The input centred (x - zx) and surrounded by its padding (zeros: the real
// value 0), one [padded_h, padded_w] plane per (image, channel). Patches are
// then plain copies, without bounds checks.
template <class T>
struct PaddedInput {
  std::size_t height, width;  // padded extents
  std::vector<T> values;

  PaddedInput(const IntTensor& x, std::int32_t zx, const ConvGeometry& g, const Window2d& win)
      : height(g.height + win.pads[0] + win.pads[2]),
        width(g.width + win.pads[1] + win.pads[3]),
        values(g.batch * g.channels * height * width, T{0}) {
    for (std::size_t plane = 0; plane < g.batch * g.channels; ++plane) {
      for (std::size_t h = 0; h < g.height; ++h) {
        const std::int32_t* src = x.values.data() + (plane * g.height + h) * g.width;
        T* dst = values.data() + (plane * height + h + win.pads[0]) * width + win.pads[1];
        for (std::size_t w = 0; w < g.width; ++w)
          dst[w] = static_cast<T>(std::int64_t{src[w]} - zx);
      }
    }
  }
  const T* plane(std::size_t n, std::size_t channel, std::size_t channels) const {
    return values.data() + (n * channels + channel) * height * width;
  }
};

// One row of the im2col matrix: the centred input values under the window
// of output position (oh, ow) in group g, in the weight's (c, i, j) order.
template <class T>
void fill_patch(T* row, const PaddedInput<T>& in, const ConvGeometry& g, const Window2d& win,
                std::size_t n, std::size_t group, std::size_t oh, std::size_t ow) {
  const std::size_t dw = win.dilations[1];
  for (std::size_t c = 0; c < g.group_in; ++c) {
    const T* plane = in.plane(n, group * g.group_in + c, g.channels);
    for (std::size_t i = 0; i < g.kh; ++i) {
      const T* src =
          plane + (oh * win.strides[0] + i * win.dilations[0]) * in.width + ow * win.strides[1];
      if (dw == 1) {
        row = std::copy(src, src + g.kw, row);
      } else {
        for (std::size_t j = 0; j < g.kw; ++j) *row++ = src[j * dw];
      }
    }
  }
}

template <class T>
void dot(Isa isa, const detail::CentredRows<T>& weights, const detail::CentredRows<T>& patches,
         std::size_t chunk, const detail::DotSink& sink) {
  if constexpr (std::is_same_v<T, std::int16_t>) {
    detail::dot_products(isa, weights, patches, chunk, sink, false);
  } else {
    detail::dot_products(weights, patches, sink, false);
  }
}

// The weight zero points of one group's filters.
std::vector<std::int32_t> group_zero_points(const MacQuant& q, const ConvGeometry& g,
                                            std::size_t group) {
  if (q.weight_zero_points.size() == 1) return q.weight_zero_points;
  const auto first =
      q.weight_zero_points.begin() + static_cast<std::ptrdiff_t>(group * g.group_out);
  return {first, first + static_cast<std::ptrdiff_t>(g.group_out)};
}

// Tasks (image, group, tile of output positions) are independent and each
// hands on its own outputs, so the result does not depend on the thread
// count. on_accumulator(index into Y, output channel, acc + bias).
template <class T, class OnAccumulator>
void run(Isa isa, const IntTensor& x, const std::vector<detail::CentredRows<T>>& weights,
         std::span<const std::int32_t> bias, const ConvParams& p, const Window2d& win,
         const ConvGeometry& g, std::size_t chunk, const OnAccumulator& on_accumulator) {
  const std::size_t depth = g.depth();
  const std::size_t positions = g.positions();
  const PaddedInput<T> input(x, p.quant.input_zero_point, g, win);
  const std::size_t row_bytes =
      std::max<std::size_t>(detail::round_up(depth, detail::kDepthAlign) * sizeof(T), 1);
  const std::size_t tile = std::min(
      detail::round_up(std::max<std::size_t>(kTileBytes / row_bytes, 16), detail::kRowBlock),
      detail::round_up(positions, detail::kRowBlock));
  const std::size_t tiles = (positions + tile - 1) / tile;
  const std::size_t tasks = g.batch * g.groups * tiles;
  const bool parallel = g.batch * g.outputs * positions * depth >= detail::kParallelWork;
#pragma omp parallel if (parallel)
  {
    detail::CentredRows<T> patches(tile, depth);
#pragma omp for schedule(static)
    for (std::size_t task = 0; task < tasks; ++task) {
      const std::size_t n = task / (g.groups * tiles);
      const std::size_t group = task / tiles % g.groups;
      const std::size_t p0 = task % tiles * tile;
      const std::size_t count = std::min(tile, positions - p0);
      patches.rows = count;
      std::fill(patches.row(count), patches.values.data() + patches.values.size(), T{0});
      for (std::size_t t = 0; t < count; ++t) {
        fill_patch(patches.row(t), input, g, win, n, group, (p0 + t) / g.out_w, (p0 + t) % g.out_w);
      }
      // Filter co of the group against patches [t, t + n_sums): outputs
      // Y[n, m, p0 + t ..], rescaled as they are finished.
      const std::size_t first_output = group * g.group_out;
      const std::size_t image = n * g.outputs * positions + p0;
      dot(isa, weights[group], patches, chunk,
          [&on_accumulator, bias, image, first_output, positions](
              std::size_t co, std::size_t t, const std::int64_t* sums, std::size_t n_sums) {
            const std::size_t m = first_output + co;
            const std::int64_t b = bias.empty() ? 0 : bias[m];
            const std::size_t out = image + m * positions + t;
            for (std::size_t c = 0; c < n_sums; ++c) on_accumulator(out + c, m, sums[c] + b);
          });
    }
  }
}

}  // namespace

Window2d ConvParams::window(const Shape& w) const {
  Window2d win;
  if (w.size() == 4) win.kernel = {w[2], w[3]};
  win.strides = strides;
  win.dilations = dilations;
  win.pads = pads;
  return win;
}

Shape ConvParams::output_shape(const Shape& x, const Shape& w) const {
  if (x.size() != 4) fail("conv: input " + shape_string(x) + " is not [N, C, H, W]");
  if (w.size() != 4) fail("conv: weight " + shape_string(w) + " is not [M, C/groups, kH, kW]");
  if (groups == 0) fail("conv: groups is 0");
  if (x[1] % groups != 0 || w[0] % groups != 0) {
    fail("conv: " + std::to_string(x[1]) + " input and " + std::to_string(w[0]) +
         " output channels are not divisible by groups = " + std::to_string(groups));
  }
  if (w[1] != x[1] / groups) {
    fail("conv: weight " + shape_string(w) + " has " + std::to_string(w[1]) +
         " input channels per group, input " + shape_string(x) +
         " with groups = " + std::to_string(groups) + " has " + std::to_string(x[1] / groups));
  }
  const Window2d win = window(w);
  win.validate("conv");
  return {x[0], w[0], win.output_extent(0, x[2], "conv"), win.output_extent(1, x[3], "conv")};
}

namespace {

// The shared body of conv and conv_accumulators: validates, then calls
// on_accumulator(index into Y, output channel, acc) once per output.
template <class OnAccumulator>
void accumulate(const IntTensor& x, const IntTensor& w, std::span<const std::int32_t> bias,
                const ConvParams& params, Isa isa, const OnAccumulator& on_accumulator) {
  x.validate("conv input");
  w.validate("conv weight");
  const ConvGeometry g = geometry(params, x.shape, w.shape);
  if (!bias.empty() && bias.size() != g.outputs) {
    fail("conv: bias has " + std::to_string(bias.size()) + " values for " +
         std::to_string(g.outputs) + " output channels");
  }
  const MacQuant& q = params.quant;
  q.validate(g.outputs, "conv");
  const std::size_t depth = g.depth();
  const std::int32_t* filters = w.values.data();
  std::vector<detail::CentredRows<std::int16_t>> narrow;
  std::int64_t max_w = 0;
  for (std::size_t group = 0; group < g.groups; ++group) {
    narrow.emplace_back(g.group_out, depth);
    max_w = std::max(max_w, detail::centre_narrow(isa, filters + group * g.group_out * depth,
                                                  group_zero_points(q, g, group), narrow.back()));
  }
  const auto plan = detail::DotPlan::choose(
      detail::max_abs_centred(isa, x.values.data(), x.size(), q.input_zero_point), max_w, depth,
      detail::max_abs(bias), "conv");
  const Window2d win = params.window(w.shape);
  if (plan.narrow) {
    run(isa, x, narrow, bias, params, win, g, plan.chunk, on_accumulator);
  } else {
    std::vector<detail::CentredRows<std::int64_t>> wide;
    for (std::size_t group = 0; group < g.groups; ++group) {
      wide.push_back(detail::centre_wide(filters + group * g.group_out * depth, g.group_out, depth,
                                         group_zero_points(q, g, group)));
    }
    run(isa, x, wide, bias, params, win, g, plan.chunk, on_accumulator);
  }
}

}  // namespace

IntTensor conv(const IntTensor& x, const IntTensor& w, std::span<const std::int32_t> bias,
               const ConvParams& params, Isa isa) {
  IntTensor y = IntTensor::zeros(params.output_shape(x.shape, w.shape));
  accumulate(x, w, bias, params, isa,
             [&y, &params](std::size_t index, std::size_t channel, std::int64_t acc) {
               y.values[index] = params.quant.rescale.apply(acc, channel);
             });
  return y;
}

std::vector<std::int64_t> conv_accumulators(const IntTensor& x, const IntTensor& w,
                                            std::span<const std::int32_t> bias,
                                            const ConvParams& params, Isa isa) {
  std::vector<std::int64_t> out(element_count(params.output_shape(x.shape, w.shape)));
  accumulate(x, w, bias, params, isa,
             [&out](std::size_t index, std::size_t, std::int64_t acc) { out[index] = acc; });
  return out;
}

}  // namespace zkinfer::ops
