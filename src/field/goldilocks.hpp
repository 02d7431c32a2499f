// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.hpp"
#include "field/pow.hpp"

namespace zkinfer::field {

using u128 = unsigned __int128;

// The Goldilocks prime field, p = 2^64 - 2^32 + 1.
//
// Elements are always stored canonically (value < p); every operation is
// branch-free on the values, so secret operands never steer control flow.
// Lazily reduced arithmetic (sums of 128-bit products reduced once) is
// exposed through mul_wide/reduce_wide for inner-product kernels.
class Goldilocks {
 public:
  static constexpr std::uint64_t kModulus = 0xFFFFFFFF00000001ULL;
  // 2^64 mod p: the "epsilon" that folds a carry out of 64 bits back in.
  static constexpr std::uint64_t kEpsilon = 0xFFFFFFFFULL;
  static constexpr unsigned kTwoAdicity = 32;
  static constexpr std::size_t kBytes = 8;
  static constexpr unsigned kExtensionDegree = 1;
  // 7 generates the multiplicative group (p - 1 = 2^32 * 3 * 5 * 17 * 257 * 65537).
  static constexpr std::uint64_t kGenerator = 7;
  using Base = Goldilocks;

  constexpr Goldilocks() = default;

  // From any 64-bit value (reduced mod p).
  static constexpr Goldilocks from_u64(std::uint64_t v) {
    return from_canonical(v >= kModulus ? v - kModulus : v);
  }
  // From a signed integer: negative values map to p - |v|. This is how int8
  // weights and int64 accumulators live in the field.
  static constexpr Goldilocks from_i64(std::int64_t v) {
    return v >= 0 ? from_u64(static_cast<std::uint64_t>(v))
                  : -from_u64(static_cast<std::uint64_t>(-(v + 1)) + 1);
  }
  // The representative in (-p/2, p/2]: the inverse of from_i64 for small
  // integers (how committed signed values are read back).
  constexpr std::int64_t to_signed() const {
    return value() > kModulus / 2 ? -static_cast<std::int64_t>(kModulus - value())
                                  : static_cast<std::int64_t>(value());
  }
  static constexpr Goldilocks zero() { return Goldilocks(); }
  static constexpr Goldilocks one() { return from_canonical(1); }

  constexpr std::uint64_t value() const { return v_; }
  // Interprets the element as a signed integer in (-p/2, p/2).
  constexpr std::int64_t to_i64() const {
    return v_ > kModulus / 2 ? -static_cast<std::int64_t>(kModulus - v_)
                             : static_cast<std::int64_t>(v_);
  }
  constexpr bool is_zero() const { return v_ == 0; }

  constexpr Goldilocks operator+(Goldilocks o) const {
    // a + b with a, b < p: compute a + b - p and add p back on borrow.
    std::uint64_t s;
    bool carry = __builtin_add_overflow(v_, o.v_, &s);
    // If the 65-bit sum carried, sum - 2^64 + eps is the reduced value (< p).
    return from_canonical(canonicalize(s + epsilon_if(carry)));
  }
  constexpr Goldilocks operator-(Goldilocks o) const {
    std::uint64_t d;
    bool borrow = __builtin_sub_overflow(v_, o.v_, &d);
    return from_canonical(d - epsilon_if(borrow));
  }
  constexpr Goldilocks operator-() const { return Goldilocks() - *this; }
  constexpr Goldilocks operator*(Goldilocks o) const {
    return reduce_wide(static_cast<u128>(v_) * o.v_);
  }
  constexpr Goldilocks& operator+=(Goldilocks o) { return *this = *this + o; }
  constexpr Goldilocks& operator-=(Goldilocks o) { return *this = *this - o; }
  constexpr Goldilocks& operator*=(Goldilocks o) { return *this = *this * o; }
  constexpr bool operator==(const Goldilocks&) const = default;

  constexpr Goldilocks square() const { return *this * *this; }
  constexpr Goldilocks doubled() const { return *this + *this; }

  // The exponent must be public (field/pow.hpp).
  constexpr Goldilocks pow(std::uint64_t e) const { return pow_public(*this, e); }
  // Inverse by Fermat; the inverse of zero is zero (callers that divide check).
  constexpr Goldilocks inverse() const { return pow(kModulus - 2); }

  // A primitive 2^log_n-th root of unity, log_n <= 32.
  static constexpr Goldilocks root_of_unity(unsigned log_n) {
    Goldilocks w = from_canonical(kGenerator).pow((kModulus - 1) >> kTwoAdicity);
    for (unsigned i = log_n; i < kTwoAdicity; ++i) w = w.square();
    return w;
  }

  // 128-bit product, unreduced.
  static constexpr u128 mul_wide(Goldilocks a, Goldilocks b) {
    return static_cast<u128>(a.v_) * b.v_;
  }

  // Reduces any 128-bit value, using 2^64 = 2^32 - 1 and 2^96 = -1 (mod p).
  static constexpr Goldilocks reduce_wide(u128 x) {
    const std::uint64_t lo = static_cast<std::uint64_t>(x);
    const std::uint64_t hi = static_cast<std::uint64_t>(x >> 64);
    const std::uint64_t hi_hi = hi >> 32;
    const std::uint64_t hi_lo = hi & kEpsilon;
    std::uint64_t t0;
    bool borrow = __builtin_sub_overflow(lo, hi_hi, &t0);
    t0 -= epsilon_if(borrow);
    const std::uint64_t t1 = (hi_lo << 32) - hi_lo;
    std::uint64_t t2;
    bool carry = __builtin_add_overflow(t0, t1, &t2);
    return from_canonical(canonicalize(t2 + epsilon_if(carry)));
  }

  // Canonical 8-byte little-endian encoding; parsing rejects values >= p.
  void write(ByteWriter& w) const { w.u64(v_); }
  static Goldilocks read(ByteReader& r) {
    std::uint64_t v = r.u64("Goldilocks element");
    if (v >= kModulus) fail("non-canonical Goldilocks element (value >= p)");
    return from_canonical(v);
  }

  // Uniform element from a source of uniform 64-bit words, by rejection.
  template <class NextU64>
  static Goldilocks sample(NextU64&& next) {
    for (;;) {
      std::uint64_t v = next();
      if (v < kModulus) return from_canonical(v);
    }
  }

  std::string to_string() const { return std::to_string(v_); }

  // Trusted constructor for values already known to be < p.
  static constexpr Goldilocks from_canonical(std::uint64_t v) {
    Goldilocks g;
    g.v_ = v;
    return g;
  }

 private:
  // kEpsilon when `flag` is set, else 0, as a mask (sbb + shr): no branch and
  // no multiply on the critical path.
  static constexpr std::uint64_t epsilon_if(bool flag) {
    return (std::uint64_t{0} - static_cast<std::uint64_t>(flag)) >> 32;
  }
  // Maps t in [0, 2^64) to [0, p), branch-free.
  static constexpr std::uint64_t canonicalize(std::uint64_t t) {
    std::uint64_t reduced;
    bool below = __builtin_sub_overflow(t, kModulus, &reduced);
    return below ? t : reduced;
  }

  std::uint64_t v_ = 0;
};

}  // namespace zkinfer::field
