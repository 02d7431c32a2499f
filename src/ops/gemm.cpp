// SPDX-License-Identifier: Apache-2.0
#include "ops/gemm.hpp"

#include "base/error.hpp"
#include "ops/dot.hpp"

namespace zkinfer::ops {

void MacQuant::validate(std::size_t out_channels, const std::string& op) const {
  if (weight_zero_points.size() != 1 && weight_zero_points.size() != out_channels) {
    fail(op + ": " + std::to_string(weight_zero_points.size()) + " weight zero points for " +
         std::to_string(out_channels) + " output channels (need 1 or " +
         std::to_string(out_channels) + ")");
  }
  rescale.validate(out_channels, op);
}

namespace {

// The shared body of gemm and gemm_accumulators: validates, then calls
// on_accumulator(i, j, acc) once per output with acc = sum_k (a - za)(w - zw_j) + bias_j.
template <class OnAccumulator>
void accumulate(const IntTensor& a, const IntTensor& w, std::span<const std::int32_t> bias,
                const MacQuant& quant, Isa isa, const OnAccumulator& on_accumulator) {
  a.validate("gemm input");
  w.validate("gemm weight");
  if (a.rank() != 2 || w.rank() != 2 || a.shape[1] != w.shape[1]) {
    fail("gemm: input " + shape_string(a.shape) + " and weight " + shape_string(w.shape) +
         " are not [M, K] and [N, K]");
  }
  const std::size_t m = a.shape[0], k = a.shape[1], n = w.shape[0];
  if (!bias.empty() && bias.size() != n) {
    fail("gemm: bias has " + std::to_string(bias.size()) + " values for " + std::to_string(n) +
         " outputs");
  }
  quant.validate(n, "gemm");
  const std::vector<std::int32_t> input_zero_point{quant.input_zero_point};
  detail::CentredRows<std::int16_t> x(m, k), y(n, k);
  const std::int64_t max_a = detail::centre_narrow(isa, a.values.data(), input_zero_point, x);
  const std::int64_t max_w =
      detail::centre_narrow(isa, w.values.data(), quant.weight_zero_points, y);
  const auto plan = detail::DotPlan::choose(max_a, max_w, k, detail::max_abs(bias), "gemm");
  // Each finished dot product is handed on where it is computed: no
  // accumulator matrix unless the caller keeps one.
  const detail::DotSink sink = [&on_accumulator, bias](std::size_t i, std::size_t j,
                                                       const std::int64_t* sums,
                                                       std::size_t count) {
    for (std::size_t c = 0; c < count; ++c) {
      on_accumulator(i, j + c, sums[c] + (bias.empty() ? 0 : bias[j + c]));
    }
  };
  if (plan.narrow) {
    detail::dot_products(isa, x, y, plan.chunk, sink, true);
  } else {
    detail::dot_products(detail::centre_wide(a.values.data(), m, k, input_zero_point),
                         detail::centre_wide(w.values.data(), n, k, quant.weight_zero_points), sink,
                         true);
  }
}

}  // namespace

IntTensor gemm(const IntTensor& a, const IntTensor& w, std::span<const std::int32_t> bias,
               const MacQuant& quant, Isa isa) {
  IntTensor out;
  if (a.rank() == 2 && w.rank() == 2) out = IntTensor::zeros({a.shape[0], w.shape[0]});
  const std::size_t n = out.rank() == 2 ? out.shape[1] : 0;
  accumulate(a, w, bias, quant, isa,
             [&out, &quant, n](std::size_t i, std::size_t j, std::int64_t acc) {
               out.values[i * n + j] = quant.rescale.apply(acc, j);
             });
  return out;
}

std::vector<std::int64_t> gemm_accumulators(const IntTensor& a, const IntTensor& w,
                                            std::span<const std::int32_t> bias,
                                            const MacQuant& quant, Isa isa) {
  std::vector<std::int64_t> out;
  std::size_t n = 0;
  if (a.rank() == 2 && w.rank() == 2) {
    n = w.shape[0];
    out.resize(a.shape[0] * n);
  }
  accumulate(a, w, bias, quant, isa,
             [&out, n](std::size_t i, std::size_t j, std::int64_t acc) { out[i * n + j] = acc; });
  return out;
}

}  // namespace zkinfer::ops
