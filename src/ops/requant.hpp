// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ops/tensor.hpp"

namespace zkinfer::ops {

// Fixed-point rescaling, the one place where the real scales of a quantized
// model become integers. Semantics and the reasons for each choice:
// docs/quantization.md.

// Multipliers have at most 16 bits, shifts at most 62, accumulators at most
// 46 bits, so acc * multiplier + 2^(shift-1) stays below 2^62 + 2^61: no int64
// overflow, and the value sits below p/2 for the Goldilocks prover.
inline constexpr int kMultiplierBits = 16;
inline constexpr std::int32_t kMaxShift = 62;
inline constexpr int kAccumulatorBits = 46;
inline constexpr std::int64_t kAccumulatorBound = std::int64_t{1} << kAccumulatorBits;

// floor(v / 2^shift + 1/2): round to nearest, exact halves upwards (towards
// +infinity). In a proof this is v + 2^(shift-1) = q * 2^shift + r with
// 0 <= r < 2^shift: one range check, no case split on the sign.
inline std::int64_t round_shift(std::int64_t v, std::int32_t shift) {
  if (shift == 0) return v;
  return (v + (std::int64_t{1} << (shift - 1))) >> shift;
}

// round(acc * m) for a real m > 0, as round_shift(acc * multiplier, shift)
// with m ~ multiplier * 2^-shift.
struct Requant {
  std::int32_t multiplier = 1;  // 1 <= multiplier < 2^16
  std::int32_t shift = 0;       // 0 <= shift <= 62
  bool operator==(const Requant&) const = default;

  // The closest (multiplier, shift) with multiplier normalised to
  // [2^15, 2^16): relative error at most 2^-16. Below 2^-47 the shift is
  // capped at 62 and the multiplier loses bits. Fails unless 0 < m < 2^16.
  static Requant from_real(double m);
  double real() const;
  void validate(const std::string& what) const;
  // Requires |acc| < 2^46 (kAccumulatorBound).
  std::int64_t apply(std::int64_t acc) const { return round_shift(acc * multiplier, shift); }
};

// round(a * m_a + b * m_b) with one shared shift: the rescaling of Add / Sub,
// where both inputs are brought to the output scale before the single
// rounding. Multipliers are signed (Sub negates m_b).
struct AddRequant {
  std::int32_t multiplier_a = 1;  // |multiplier| < 2^16
  std::int32_t multiplier_b = 1;
  std::int32_t shift = 0;  // 0 <= shift <= 62

  // The larger |m| is normalised to [2^15, 2^16) (relative error <= 2^-16);
  // the other shares its shift, so its absolute error is the same. Fails
  // unless both are finite, not both zero, and max |m| < 2^16.
  static AddRequant from_real(double m_a, double m_b);
  void validate(const std::string& what) const;
  // Requires |a|, |b| <= 2^33 (any difference of two int32 values).
  std::int64_t apply(std::int64_t a, std::int64_t b) const {
    return round_shift(a * multiplier_a + b * multiplier_b, shift);
  }
};

// The last step of every rescaling operator: y = clamp(zero_point + r, lo, hi).
// A ReLU that follows is fused by raising lo to the zero point.
struct OutputClamp {
  std::int32_t zero_point = 0;
  std::int32_t lo = -128;
  std::int32_t hi = 127;

  static OutputClamp of(const QuantParams& out, bool relu = false);
  void validate(const std::string& what) const;
  std::int32_t apply(std::int64_t r) const {
    const std::int64_t y = zero_point + r;
    return static_cast<std::int32_t>(y < lo ? lo : (y > hi ? hi : y));
  }
};

// The output stage of Gemm, Conv and Mul: channel c of the output is
// clamp(zero_point + requants[c].apply(acc)); one Requant means per-tensor.
struct Rescale {
  std::vector<Requant> requants{Requant{}};
  OutputClamp output;

  // m = input scale * weight scale / output scale (per tensor or per channel).
  static Rescale per_tensor(double m, const QuantParams& out, bool relu = false);
  static Rescale per_channel(std::span<const double> m, const QuantParams& out, bool relu = false);

  // requants has 1 or `channels` entries, each valid; the clamp is valid.
  void validate(std::size_t channels, const std::string& what) const;
  const Requant& channel(std::size_t c) const {
    return requants.size() == 1 ? requants[0] : requants[c];
  }
  std::int32_t apply(std::int64_t acc, std::size_t c) const {
    return output.apply(channel(c).apply(acc));
  }
};

// Elementwise y = rescale(x - input_zero_point), channel c taken along
// `channel_axis` (ignored for a per-tensor Rescale): changes the scale or the
// dtype of a tensor (e.g. the inputs of a Concat, an int32 accumulator to int8).
IntTensor requantize(const IntTensor& x, std::int32_t input_zero_point, const Rescale& rescale,
                     std::size_t channel_axis = 1);

}  // namespace zkinfer::ops
