// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "field/pow.hpp"

namespace zkinfer::field {

// A prime field with a small modulus P < 2^31, with the same interface as
// Goldilocks. It exists so the protocols (templated on the field) can run
// over a field small enough that cheating succeeds measurably often, and the
// measured rate can be compared with the Schwartz-Zippel bound.
template <std::uint32_t P>
class SmallPrime {
  static_assert(P > 2 && P < (1u << 31), "modulus must be an odd prime below 2^31");

 public:
  static constexpr std::uint64_t kModulus = P;
  static constexpr std::size_t kBytes = 4;
  static constexpr unsigned kExtensionDegree = 1;
  using Base = SmallPrime;

  constexpr SmallPrime() = default;
  static constexpr SmallPrime from_u64(std::uint64_t v) { return from_canonical(v % P); }
  static constexpr SmallPrime from_i64(std::int64_t v) {
    std::int64_t r = v % static_cast<std::int64_t>(P);
    return from_canonical(static_cast<std::uint64_t>(r < 0 ? r + P : r));
  }
  static constexpr SmallPrime zero() { return SmallPrime(); }
  static constexpr SmallPrime one() { return from_canonical(1); }
  static constexpr SmallPrime from_canonical(std::uint64_t v) {
    SmallPrime s;
    s.v_ = static_cast<std::uint32_t>(v);
    return s;
  }

  constexpr std::uint64_t value() const { return v_; }
  constexpr bool is_zero() const { return v_ == 0; }

  constexpr SmallPrime operator+(SmallPrime o) const {
    std::uint32_t s = v_ + o.v_;
    return from_canonical(s >= P ? s - P : s);
  }
  constexpr SmallPrime operator-(SmallPrime o) const {
    return from_canonical(v_ >= o.v_ ? v_ - o.v_ : v_ + P - o.v_);
  }
  constexpr SmallPrime operator-() const { return SmallPrime() - *this; }
  constexpr SmallPrime operator*(SmallPrime o) const {
    return from_canonical(static_cast<std::uint64_t>(v_) * o.v_ % P);
  }
  constexpr SmallPrime& operator+=(SmallPrime o) { return *this = *this + o; }
  constexpr SmallPrime& operator-=(SmallPrime o) { return *this = *this - o; }
  constexpr SmallPrime& operator*=(SmallPrime o) { return *this = *this * o; }
  constexpr bool operator==(const SmallPrime&) const = default;

  constexpr SmallPrime square() const { return *this * *this; }
  constexpr SmallPrime pow(std::uint64_t e) const { return pow_public(*this, e); }
  constexpr SmallPrime inverse() const { return pow(P - 2); }

  void write(ByteWriter& w) const { w.u32(v_); }
  static SmallPrime read(ByteReader& r) {
    std::uint32_t v = r.u32("small-field element");
    if (v >= P) fail("non-canonical small-field element");
    return from_canonical(v);
  }
  template <class NextU64>
  static SmallPrime sample(NextU64&& next) {
    // Rejection on the smallest power-of-two range above P keeps it uniform.
    constexpr std::uint64_t mask = (std::uint64_t{1} << (32 - __builtin_clz(P))) - 1;
    for (;;) {
      std::uint64_t v = next() & mask;
      if (v < P) return from_canonical(v);
    }
  }
  std::string to_string() const { return std::to_string(v_); }

 private:
  std::uint32_t v_ = 0;
};

}  // namespace zkinfer::field
