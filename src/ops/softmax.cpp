// SPDX-License-Identifier: Apache-2.0
#include "ops/softmax.hpp"

#include <algorithm>
#include <cmath>

#include "base/error.hpp"

namespace zkinfer::ops {

SoftmaxParams SoftmaxParams::build(const QuantParams& in, const QuantParams& out, std::int64_t axis,
                                   std::size_t rank) {
  in.validate("softmax input");
  out.validate("softmax output");
  const auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r) {
    fail("softmax: axis " + std::to_string(axis) + " outside a tensor of rank " +
         std::to_string(rank));
  }
  const double one = std::round(1.0 / out.scale);
  if (!(one >= 1 && one <= kExpOne)) {
    fail("softmax: output scale " + std::to_string(out.scale) + " gives " + std::to_string(one) +
         " steps for probability 1 (need 1 to 2^16)");
  }
  const std::int64_t spread = std::int64_t{in.hi} - in.lo;
  if (spread >= static_cast<std::int64_t>(std::size_t{1} << 16)) {
    fail("softmax: input range of more than 2^16 values");
  }
  SoftmaxParams p;
  p.axis = static_cast<std::size_t>(axis < 0 ? axis + r : axis);
  p.one = static_cast<std::int32_t>(one);
  p.output = OutputClamp::of(out);
  for (std::int64_t d = 0; d <= spread; ++d) {
    const double e = std::ldexp(std::exp(-in.scale * static_cast<double>(d)), kExpBits);
    p.exp_table.push_back(static_cast<std::int32_t>(std::floor(e + 0.5)));
  }
  return p;
}

void SoftmaxParams::validate(std::size_t rank, const std::string& op) const {
  if (axis >= rank) {
    fail(op + ": axis " + std::to_string(axis) + " outside a tensor of rank " +
         std::to_string(rank));
  }
  if (exp_table.empty() || exp_table[0] < 1)
    fail(op + ": exp table must start with a positive entry");
  for (std::int32_t e : exp_table) {
    if (e < 0 || e > kExpOne)
      fail(op + ": exp table entry " + std::to_string(e) + " outside [0, 2^16]");
  }
  if (one < 1 || one > kExpOne)
    fail(op + ": probability 1 as " + std::to_string(one) + " (need 1 to 2^16)");
  output.validate(op);
}

IntTensor softmax(const IntTensor& x, const SoftmaxParams& params) {
  x.validate("softmax input");
  params.validate(x.rank(), "softmax");
  IntTensor y = IntTensor::zeros(x.shape);
  const std::size_t length = x.shape[params.axis];
  std::size_t inner = 1;
  for (std::size_t d = params.axis + 1; d < x.rank(); ++d) inner *= x.shape[d];
  const std::size_t outer = length * inner == 0 ? 0 : x.size() / (length * inner);
  std::vector<std::int64_t> e(length);
  for (std::size_t o = 0; o < outer; ++o) {
    for (std::size_t i = 0; i < inner; ++i) {
      const std::size_t base = o * length * inner + i;
      std::int32_t max = x.values[base];
      for (std::size_t j = 1; j < length; ++j) max = std::max(max, x.values[base + j * inner]);
      std::int64_t sum = 0;
      for (std::size_t j = 0; j < length; ++j) {
        const std::int64_t d = std::int64_t{max} - x.values[base + j * inner];
        if (d >= static_cast<std::int64_t>(params.exp_table.size())) {
          fail("softmax: input spread " + std::to_string(d) + " beyond the exp table of " +
               std::to_string(params.exp_table.size()) + " entries");
        }
        e[j] = params.exp_table[static_cast<std::size_t>(d)];
        sum += e[j];
      }
      for (std::size_t j = 0; j < length; ++j) {
        const std::int64_t q = (2 * std::int64_t{params.one} * e[j] + sum) / (2 * sum);
        y.values[base + j * inner] = params.output.apply(q);
      }
    }
  }
  return y;
}

}  // namespace zkinfer::ops
