// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "field/pow.hpp"

namespace zkinfer::field {

namespace small_prime_detail {

constexpr std::uint64_t pow_mod(std::uint64_t base, std::uint64_t e, std::uint64_t m) {
  std::uint64_t acc = 1;
  for (base %= m; e != 0; e >>= 1, base = base * base % m) {
    if (e & 1) acc = acc * base % m;
  }
  return acc;
}

// The smallest generator of the multiplicative group of F_p: the g with
// g^((p - 1) / q) != 1 for every prime q dividing p - 1.
constexpr std::uint64_t smallest_generator(std::uint64_t p) {
  std::uint64_t factors[32] = {};
  std::size_t count = 0;
  std::uint64_t rest = p - 1;
  for (std::uint64_t q = 2; q * q <= rest; ++q) {
    if (rest % q != 0) continue;
    factors[count++] = q;
    while (rest % q == 0) rest /= q;
  }
  if (rest > 1) factors[count++] = rest;
  for (std::uint64_t g = 2;; ++g) {
    bool generates = true;
    for (std::size_t i = 0; i < count; ++i) {
      generates = generates && pow_mod(g, (p - 1) / factors[i], p) != 1;
    }
    if (generates) return g;
  }
}

}  // namespace small_prime_detail

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
  // p - 1 = 2^kTwoAdicity * odd, and a generator of the multiplicative group:
  // what NTTs and Reed-Solomon cosets need (poly/ntt.hpp), as for Goldilocks.
  static constexpr unsigned kTwoAdicity = std::countr_zero(P - 1);
  static constexpr std::uint64_t kGenerator = small_prime_detail::smallest_generator(P);
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

  // A primitive 2^log_n-th root of unity, log_n <= kTwoAdicity:
  // g^((p - 1) / 2^log_n), so that w_{2n}^2 = w_n (the Goldilocks convention).
  static constexpr SmallPrime root_of_unity(unsigned log_n) {
    return from_canonical(kGenerator).pow((P - 1) >> log_n);
  }

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
