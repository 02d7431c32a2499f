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

IntTensor gemm(const IntTensor& a, const IntTensor& w, std::span<const std::int32_t> bias,
               const MacQuant& quant, Isa isa) {
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
  IntTensor out = IntTensor::zeros({m, n});
  // Each finished dot product is rescaled where it is computed: no
  // accumulator matrix.
  const detail::DotSink sink = [&out, &quant, bias, n](std::size_t i, std::size_t j,
                                                       const std::int64_t* sums,
                                                       std::size_t count) {
    for (std::size_t c = 0; c < count; ++c) {
      const std::int64_t b = bias.empty() ? 0 : bias[j + c];
      out.values[i * n + j + c] = quant.rescale.apply(sums[c] + b, j + c);
    }
  };
  if (plan.narrow) {
    detail::dot_products(isa, x, y, plan.chunk, sink, true);
  } else {
    detail::dot_products(detail::centre_wide(a.values.data(), m, k, input_zero_point),
                         detail::centre_wide(w.values.data(), n, k, quant.weight_zero_points), sink,
                         true);
  }
  return out;
}

}  // namespace zkinfer::ops
