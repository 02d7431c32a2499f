// SPDX-License-Identifier: Apache-2.0
#include "ops/requant.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "base/error.hpp"

namespace zkinfer::ops {
namespace {

constexpr std::int64_t kMultiplierLimit = std::int64_t{1} << kMultiplierBits;

void require_shift(std::int32_t shift, const std::string& what) {
  if (shift < 0 || shift > kMaxShift) {
    fail(what + ": shift " + std::to_string(shift) + " outside [0, " + std::to_string(kMaxShift) +
         "]");
  }
}

// The shift that puts max_abs * 2^shift in [2^15, 2^16), capped at kMaxShift.
std::int32_t normalising_shift(double max_abs, const std::string& what) {
  if (!(std::isfinite(max_abs) && max_abs > 0)) {
    fail(what + ": multiplier " + std::to_string(max_abs) + " is not a positive finite number");
  }
  int exponent = 0;
  std::frexp(max_abs, &exponent);  // max_abs = f * 2^exponent, f in [0.5, 1)
  const int shift = std::min(kMultiplierBits - exponent, static_cast<int>(kMaxShift));
  if (shift < 0) fail(what + ": multiplier " + std::to_string(max_abs) + " is not below 2^16");
  return shift;
}

// round(m * 2^shift), halves away from zero. Exact: scaling by a power of two
// loses nothing, and the rounding of a double is the same on every IEEE-754
// machine, so the model's integers do not depend on the platform.
std::int64_t scaled(double m, std::int32_t shift) {
  return std::llround(std::ldexp(m, shift));
}

}  // namespace

Requant Requant::from_real(double m) {
  std::int32_t shift = normalising_shift(m, "requant");
  std::int64_t multiplier = scaled(m, shift);
  if (multiplier == kMultiplierLimit) {  // f * 2^16 rounded up to 2^16
    multiplier /= 2;
    --shift;
    if (shift < 0) fail("requant: multiplier " + std::to_string(m) + " is not below 2^16");
  }
  if (multiplier == 0) {
    fail("requant: multiplier " + std::to_string(m) +
         " is below 2^-63, the smallest representable");
  }
  return {static_cast<std::int32_t>(multiplier), shift};
}

double Requant::real() const {
  return std::ldexp(static_cast<double>(multiplier), -shift);
}

void Requant::validate(const std::string& what) const {
  if (multiplier < 1 || multiplier >= kMultiplierLimit) {
    fail(what + ": requant multiplier " + std::to_string(multiplier) + " outside [1, 2^16)");
  }
  require_shift(shift, what);
}

AddRequant AddRequant::from_real(double m_a, double m_b) {
  if (!std::isfinite(m_a) || !std::isfinite(m_b)) fail("add requant: multiplier is not finite");
  std::int32_t shift = normalising_shift(std::max(std::fabs(m_a), std::fabs(m_b)), "add requant");
  for (;; --shift) {
    if (shift < 0) fail("add requant: multiplier is not below 2^16");
    const std::int64_t a = scaled(m_a, shift);
    const std::int64_t b = scaled(m_b, shift);
    if (std::abs(a) < kMultiplierLimit && std::abs(b) < kMultiplierLimit) {
      return {static_cast<std::int32_t>(a), static_cast<std::int32_t>(b), shift};
    }
  }
}

void AddRequant::validate(const std::string& what) const {
  for (std::int32_t m : {multiplier_a, multiplier_b}) {
    if (std::abs(std::int64_t{m}) >= kMultiplierLimit) {
      fail(what + ": add multiplier " + std::to_string(m) + " outside (-2^16, 2^16)");
    }
  }
  require_shift(shift, what);
}

OutputClamp OutputClamp::of(const QuantParams& out, bool relu) {
  return {out.zero_point, relu ? std::max(out.lo, out.zero_point) : out.lo, out.hi};
}

void OutputClamp::validate(const std::string& what) const {
  if (lo > hi) {
    fail(what + ": empty output range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
}

Rescale Rescale::per_tensor(double m, const QuantParams& out, bool relu) {
  return {{Requant::from_real(m)}, OutputClamp::of(out, relu)};
}

Rescale Rescale::per_channel(std::span<const double> m, const QuantParams& out, bool relu) {
  Rescale r{{}, OutputClamp::of(out, relu)};
  for (double x : m) r.requants.push_back(Requant::from_real(x));
  return r;
}

void Rescale::validate(std::size_t channels, const std::string& what) const {
  if (requants.size() != 1 && requants.size() != channels) {
    fail(what + ": " + std::to_string(requants.size()) + " requant multipliers for " +
         std::to_string(channels) + " output channels (need 1 or " + std::to_string(channels) +
         ")");
  }
  for (const Requant& r : requants) r.validate(what);
  output.validate(what);
}

IntTensor requantize(const IntTensor& x, std::int32_t input_zero_point, const Rescale& rescale,
                     std::size_t channel_axis) {
  x.validate("requantize input");
  const bool per_channel = rescale.requants.size() != 1;
  if (per_channel && channel_axis >= x.rank()) {
    fail("requantize: channel axis " + std::to_string(channel_axis) + " outside a tensor of rank " +
         std::to_string(x.rank()));
  }
  const std::size_t channels = per_channel ? x.shape[channel_axis] : 1;
  rescale.validate(channels, "requantize");
  std::size_t inner = 1;
  for (std::size_t d = channel_axis + 1; per_channel && d < x.rank(); ++d) inner *= x.shape[d];
  IntTensor y = IntTensor::zeros(x.shape);
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t c = per_channel ? (i / inner) % channels : 0;
    y.values[i] = rescale.apply(std::int64_t{x.values[i]} - input_zero_point, c);
  }
  return y;
}

}  // namespace zkinfer::ops
