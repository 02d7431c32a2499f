// SPDX-License-Identifier: Apache-2.0
#include "ops/elementwise.hpp"

#include <algorithm>
#include <cstdlib>

#include "base/error.hpp"

namespace zkinfer::ops {
namespace {

// Strides of `shape` seen through the broadcast output shape `out`: 0 along
// the dimensions it is broadcast on.
std::vector<std::size_t> broadcast_strides(const Shape& shape, const Shape& out) {
  std::vector<std::size_t> strides(out.size(), 0);
  std::size_t stride = 1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    const std::size_t d = shape.size() - 1 - i;
    const std::size_t o = out.size() - 1 - i;
    strides[o] = shape[d] == 1 ? 0 : stride;
    stride *= shape[d];
  }
  return strides;
}

// Y[i] = f(A[ia] - za, B[ib] - zb) over the broadcast index space; the
// innermost dimension runs as a plain loop.
template <class F>
IntTensor broadcast_binary(const IntTensor& a, const IntTensor& b, std::int32_t za, std::int32_t zb,
                           const std::string& op, F f) {
  a.validate(op + " input A");
  b.validate(op + " input B");
  IntTensor y = IntTensor::zeros(broadcast_shape(a.shape, b.shape, op));
  if (y.size() == 0) return y;
  const auto sa = broadcast_strides(a.shape, y.shape);
  const auto sb = broadcast_strides(b.shape, y.shape);
  const std::size_t rank = y.rank();
  const std::size_t inner = rank == 0 ? 1 : y.shape[rank - 1];
  const std::size_t ia_step = rank == 0 ? 0 : sa[rank - 1];
  const std::size_t ib_step = rank == 0 ? 0 : sb[rank - 1];
  std::vector<std::size_t> index(rank, 0);
  std::size_t ia = 0, ib = 0;
  for (std::size_t base = 0; base < y.size(); base += inner) {
    for (std::size_t j = 0; j < inner; ++j) {
      y.values[base + j] = f(std::int64_t{a.values[ia + j * ia_step]} - za,
                             std::int64_t{b.values[ib + j * ib_step]} - zb);
    }
    // Advance the odometer over the outer dimensions.
    for (std::size_t d = rank == 0 ? 0 : rank - 1; d-- > 0;) {
      ia += sa[d];
      ib += sb[d];
      if (++index[d] < y.shape[d]) break;
      ia -= sa[d] * y.shape[d];
      ib -= sb[d] * y.shape[d];
      index[d] = 0;
    }
  }
  return y;
}

std::int64_t max_abs_centred(const IntTensor& t, std::int32_t zero_point) {
  std::int64_t m = 0;
  for (std::int32_t v : t.values) m = std::max(m, std::abs(std::int64_t{v} - zero_point));
  return m;
}

IntTensor add_or_sub(const IntTensor& a, const IntTensor& b, const AddParams& p, bool negate_b,
                     const std::string& op) {
  p.validate(op);
  AddRequant r = p.requant;
  if (negate_b) r.multiplier_b = -r.multiplier_b;
  const OutputClamp out = p.output;
  return broadcast_binary(
      a, b, p.a_zero_point, p.b_zero_point, op,
      [r, out](std::int64_t x, std::int64_t y) { return out.apply(r.apply(x, y)); });
}

}  // namespace

Shape broadcast_shape(const Shape& a, const Shape& b, const std::string& op) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t da = i < a.size() ? a[a.size() - 1 - i] : 1;
    const std::size_t db = i < b.size() ? b[b.size() - 1 - i] : 1;
    if (da != db && da != 1 && db != 1) {
      fail(op + ": shapes " + shape_string(a) + " and " + shape_string(b) +
           " do not broadcast (dimension " + std::to_string(da) + " against " + std::to_string(db) +
           ")");
    }
    out[out.size() - 1 - i] = da == 1 ? db : da;
  }
  return out;
}

std::size_t broadcast_source(const Shape& to, const Shape& from, std::size_t index) {
  std::size_t source = 0, stride = 1;
  for (std::size_t k = 0; k < to.size(); ++k) {
    const std::size_t axis = to.size() - 1 - k;
    const std::size_t coordinate = index % to[axis];
    index /= to[axis];
    if (k < from.size()) {
      const std::size_t extent = from[from.size() - 1 - k];
      if (extent != 1) source += coordinate * stride;
      stride *= extent;
    }
  }
  return source;
}

AddParams AddParams::build(const QuantParams& a, const QuantParams& b, const QuantParams& out,
                           bool relu) {
  a.validate("add input A");
  b.validate("add input B");
  out.validate("add output");
  return {a.zero_point, b.zero_point,
          AddRequant::from_real(a.scale / out.scale, b.scale / out.scale),
          OutputClamp::of(out, relu)};
}

void AddParams::validate(const std::string& op) const {
  requant.validate(op);
  output.validate(op);
}

IntTensor add(const IntTensor& a, const IntTensor& b, const AddParams& params) {
  return add_or_sub(a, b, params, false, "add");
}

IntTensor sub(const IntTensor& a, const IntTensor& b, const AddParams& params) {
  return add_or_sub(a, b, params, true, "sub");
}

MulParams MulParams::build(const QuantParams& a, const QuantParams& b, const QuantParams& out,
                           bool relu) {
  a.validate("mul input A");
  b.validate("mul input B");
  out.validate("mul output");
  return {a.zero_point, b.zero_point, Requant::from_real(a.scale * b.scale / out.scale),
          OutputClamp::of(out, relu)};
}

void MulParams::validate(const std::string& op) const {
  requant.validate(op);
  output.validate(op);
}

IntTensor mul(const IntTensor& a, const IntTensor& b, const MulParams& params) {
  params.validate("mul");
  a.validate("mul input A");
  b.validate("mul input B");
  const __int128 bound = static_cast<__int128>(max_abs_centred(a, params.a_zero_point)) *
                         max_abs_centred(b, params.b_zero_point);
  if (bound >= kAccumulatorBound) {
    fail("mul: products of the centred inputs may reach " +
         std::to_string(static_cast<double>(bound)) + ", beyond the 2^46 requantization bound");
  }
  const Requant r = params.requant;
  const OutputClamp out = params.output;
  return broadcast_binary(
      a, b, params.a_zero_point, params.b_zero_point, "mul",
      [r, out](std::int64_t x, std::int64_t y) { return out.apply(r.apply(x * y)); });
}

IntTensor clip(const IntTensor& x, std::int32_t lo, std::int32_t hi) {
  x.validate("clip input");
  if (lo > hi) {
    fail("clip: empty range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  IntTensor y = x;
  for (std::int32_t& v : y.values) v = std::clamp(v, lo, hi);
  return y;
}

}  // namespace zkinfer::ops
