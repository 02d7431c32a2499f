// SPDX-License-Identifier: Apache-2.0
#include "ops/pool.hpp"

#include <algorithm>
#include <limits>

#include "base/error.hpp"

namespace zkinfer::ops {
namespace {

// Calls visit(value) for each input position under the window of output
// (oh, ow) in one [H, W] plane; returns how many there were.
template <class Visit>
std::size_t for_each_in_window(const std::int32_t* plane, std::size_t height, std::size_t width,
                               const Window2d& w, std::size_t oh, std::size_t ow, Visit visit) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < w.kernel[0]; ++i) {
    const std::int64_t ih = w.coordinate(0, oh, i);
    if (ih < 0 || ih >= static_cast<std::int64_t>(height)) continue;
    for (std::size_t j = 0; j < w.kernel[1]; ++j) {
      const std::int64_t iw = w.coordinate(1, ow, j);
      if (iw < 0 || iw >= static_cast<std::int64_t>(width)) continue;
      visit(plane[static_cast<std::size_t>(ih) * width + static_cast<std::size_t>(iw)]);
      ++count;
    }
  }
  return count;
}

[[noreturn]] void fail_empty_window(const std::string& op, std::size_t oh, std::size_t ow) {
  fail(op + ": the window of output (" + std::to_string(oh) + ", " + std::to_string(ow) +
       ") covers only padding");
}

// Y[n, c, oh, ow] = reduce(window of plane (n, c)) for every output.
template <class Reduce>
IntTensor pool(const IntTensor& x, const PoolParams& p, const std::string& op, Reduce reduce) {
  x.validate(op + " input");
  IntTensor y = IntTensor::zeros(p.output_shape(x.shape, op));
  const std::size_t planes = x.shape[0] * x.shape[1];
  const std::size_t h = x.shape[2], w = x.shape[3], oh_n = y.shape[2], ow_n = y.shape[3];
  for (std::size_t plane = 0; plane < planes; ++plane) {
    const std::int32_t* in = x.values.data() + plane * h * w;
    std::int32_t* out = y.values.data() + plane * oh_n * ow_n;
    for (std::size_t oh = 0; oh < oh_n; ++oh) {
      for (std::size_t ow = 0; ow < ow_n; ++ow) out[oh * ow_n + ow] = reduce(in, h, w, oh, ow);
    }
  }
  return y;
}

}  // namespace

Shape PoolParams::output_shape(const Shape& x, const std::string& op) const {
  if (x.size() != 4) fail(op + ": input " + shape_string(x) + " is not [N, C, H, W]");
  window.validate(op);
  return {x[0], x[1], window.output_extent(0, x[2], op), window.output_extent(1, x[3], op)};
}

IntTensor max_pool(const IntTensor& x, const PoolParams& params) {
  const Window2d& win = params.window;
  return pool(x, params, "max pool",
              [&win](const std::int32_t* plane, std::size_t h, std::size_t w, std::size_t oh,
                     std::size_t ow) {
                std::int32_t m = std::numeric_limits<std::int32_t>::min();
                const std::size_t count = for_each_in_window(
                    plane, h, w, win, oh, ow, [&m](std::int32_t v) { m = std::max(m, v); });
                if (count == 0) fail_empty_window("max pool", oh, ow);
                return m;
              });
}

AverageQuant AverageQuant::build(const QuantParams& in, const QuantParams& out, std::size_t area) {
  in.validate("average pool input");
  out.validate("average pool output");
  AverageQuant q{in.zero_point, {}, OutputClamp::of(out)};
  for (std::size_t c = 1; c <= area; ++c) {
    q.per_count.push_back(Requant::from_real(in.scale / (out.scale * static_cast<double>(c))));
  }
  return q;
}

void AverageQuant::validate(std::size_t area, const std::string& op) const {
  if (per_count.size() != area) {
    fail(op + ": " + std::to_string(per_count.size()) + " requant multipliers for a window of " +
         std::to_string(area) + " positions (need one per count)");
  }
  for (const Requant& r : per_count) r.validate(op);
  output.validate(op);
}

IntTensor average_pool(const IntTensor& x, const PoolParams& params, const AverageQuant& quant) {
  const Window2d& win = params.window;
  x.validate("average pool input");
  params.output_shape(x.shape, "average pool");
  const std::size_t area = win.kernel[0] * win.kernel[1];
  quant.validate(area, "average pool");
  // |sum| <= area * 2^32 < 2^46 needs area < 2^14; larger windows are
  // checked against the data.
  std::int64_t max_abs = 0;
  for (std::int32_t v : x.values) {
    max_abs = std::max(max_abs, std::abs(std::int64_t{v} - quant.input_zero_point));
  }
  if (static_cast<__int128>(max_abs) * static_cast<__int128>(area) >= kAccumulatorBound) {
    fail("average pool: window sums may exceed the 2^46 requantization bound");
  }
  const bool include_pad = params.count_include_pad;
  return pool(x, params, "average pool",
              [&win, &quant, area, include_pad](const std::int32_t* plane, std::size_t h,
                                                std::size_t w, std::size_t oh, std::size_t ow) {
                std::int64_t sum = 0;
                const std::int64_t zx = quant.input_zero_point;
                const std::size_t count = for_each_in_window(
                    plane, h, w, win, oh, ow, [&sum, zx](std::int32_t v) { sum += v - zx; });
                if (count == 0) fail_empty_window("average pool", oh, ow);
                const std::size_t divisor = include_pad ? area : count;
                return quant.output.apply(quant.per_count[divisor - 1].apply(sum));
              });
}

IntTensor global_average_pool(const IntTensor& x, const AverageQuant& quant) {
  if (x.rank() != 4)
    fail("global average pool: input " + shape_string(x.shape) + " is not [N, C, H, W]");
  PoolParams p;
  p.window.kernel = {x.shape[2], x.shape[3]};
  return average_pool(x, p, quant);
}

}  // namespace zkinfer::ops
