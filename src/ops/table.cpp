// SPDX-License-Identifier: Apache-2.0
#include "ops/table.hpp"

#include <cmath>
#include <limits>

#include "base/error.hpp"

namespace zkinfer::ops {

UnaryTable UnaryTable::build(const QuantParams& in, const QuantParams& out,
                             const std::function<double(double)>& f) {
  in.validate("table input");
  out.validate("table output");
  const std::int64_t entries = std::int64_t{in.hi} - in.lo + 1;
  if (entries > static_cast<std::int64_t>(kMaxEntries)) {
    fail("table: input range [" + std::to_string(in.lo) + ", " + std::to_string(in.hi) +
         "] has more than 2^16 values");
  }
  UnaryTable table{in.lo, {}};
  table.outputs.reserve(static_cast<std::size_t>(entries));
  for (std::int64_t x = in.lo; x <= in.hi; ++x) {
    const double v = f(in.dequantize(static_cast<std::int32_t>(x)));
    if (std::isnan(v)) fail("table: the function is NaN at input " + std::to_string(x));
    // Clamp in double first: f may be huge or infinite (exp).
    const double q = std::floor(v / out.scale + 0.5) + out.zero_point;
    const double clamped = std::fmin(std::fmax(q, out.lo), out.hi);
    table.outputs.push_back(static_cast<std::int32_t>(clamped));
  }
  return table;
}

void UnaryTable::validate(const std::string& what) const {
  if (outputs.empty() || outputs.size() > kMaxEntries) {
    fail(what + ": table of " + std::to_string(outputs.size()) + " entries (need 1 to 2^16)");
  }
  if (input_hi() > std::numeric_limits<std::int32_t>::max()) {
    fail(what + ": table input range ends beyond int32");
  }
}

IntTensor apply_table(const IntTensor& x, const UnaryTable& table) {
  x.validate("table input");
  table.validate("table");
  IntTensor y = x;
  for (std::int32_t& v : y.values) {
    if (v < table.input_lo || v > table.input_hi()) {
      fail("table: input " + std::to_string(v) + " outside the table's range [" +
           std::to_string(table.input_lo) + ", " + std::to_string(table.input_hi()) + "]");
    }
    v = table.outputs[static_cast<std::size_t>(std::int64_t{v} - table.input_lo)];
  }
  return y;
}

namespace activation {

double relu(double x) {
  return x > 0 ? x : 0.0;
}
double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}
double tanh(double x) {
  return std::tanh(x);
}
double gelu(double x) {
  return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}
double exp(double x) {
  return std::exp(x);
}

}  // namespace activation

}  // namespace zkinfer::ops
