// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <array>
#include <string>
#include <type_traits>

#include "field/goldilocks.hpp"

namespace zkinfer::field {

// Quadratic extension B[X]/(X^2 - W); W must be a quadratic non-residue of B
// (checked by a test for every instantiation the project uses).
template <class B, std::uint64_t W>
class Ext2 {
 public:
  using Base = B;
  static constexpr unsigned kExtensionDegree = 2;
  static constexpr std::size_t kBytes = 2 * B::kBytes;
  static constexpr std::uint64_t kNonResidue = W;

  constexpr Ext2() = default;
  constexpr explicit Ext2(B c0, B c1 = B::zero()) : c0_(c0), c1_(c1) {}
  static constexpr Ext2 from_u64(std::uint64_t v) { return Ext2(B::from_u64(v)); }
  static constexpr Ext2 from_i64(std::int64_t v) { return Ext2(B::from_i64(v)); }
  static constexpr Ext2 zero() { return Ext2(); }
  static constexpr Ext2 one() { return Ext2(B::one()); }

  constexpr std::array<B, 2> coordinates() const { return {c0_, c1_}; }
  constexpr B c0() const { return c0_; }
  constexpr B c1() const { return c1_; }
  constexpr bool is_zero() const { return c0_.is_zero() && c1_.is_zero(); }

  constexpr Ext2 operator+(Ext2 o) const { return Ext2(c0_ + o.c0_, c1_ + o.c1_); }
  constexpr Ext2 operator-(Ext2 o) const { return Ext2(c0_ - o.c0_, c1_ - o.c1_); }
  constexpr Ext2 operator-() const { return Ext2(-c0_, -c1_); }
  constexpr Ext2 operator*(B s) const { return Ext2(c0_ * s, c1_ * s); }
  [[gnu::always_inline]] constexpr Ext2 operator*(Ext2 o) const {
    if constexpr (std::is_same_v<B, Goldilocks>) {
      return mul_goldilocks(o);
    } else {
      return Ext2(c0_ * o.c0_ + kW * (c1_ * o.c1_), c0_ * o.c1_ + c1_ * o.c0_);
    }
  }
  constexpr Ext2& operator+=(Ext2 o) { return *this = *this + o; }
  constexpr Ext2& operator-=(Ext2 o) { return *this = *this - o; }
  constexpr Ext2& operator*=(Ext2 o) { return *this = *this * o; }
  constexpr Ext2& operator*=(B s) { return *this = *this * s; }
  constexpr bool operator==(const Ext2&) const = default;

  constexpr Ext2 square() const { return *this * *this; }
  constexpr Ext2 pow(std::uint64_t e) const { return pow_public(*this, e); }
  // (c0 + c1 X)^-1 = (c0 - c1 X) / (c0^2 - W c1^2); zero maps to zero.
  constexpr Ext2 inverse() const {
    const B norm = c0_ * c0_ - kW * (c1_ * c1_);
    const B inv = norm.inverse();
    return Ext2(c0_ * inv, -(c1_ * inv));
  }

  void write(ByteWriter& w) const {
    c0_.write(w);
    c1_.write(w);
  }
  static Ext2 read(ByteReader& r) {
    B c0 = B::read(r);
    return Ext2(c0, B::read(r));
  }
  template <class NextU64>
  static Ext2 sample(NextU64&& next) {
    B c0 = B::sample(next);
    return Ext2(c0, B::sample(next));
  }
  std::string to_string() const { return "(" + c0_.to_string() + ", " + c1_.to_string() + ")"; }

 private:
  static constexpr B kW = B::from_u64(W);

  // Schoolbook with lazy reduction: with canonical inputs a0*b0 < 2^128 - 2^97,
  // so adding W*reduce(a1*b1) < 2^67 cannot overflow 128 bits; the cross
  // term's possible carry out of 128 bits is folded back as 2^128 = -2^32.
  [[gnu::always_inline]] constexpr Ext2 mul_goldilocks(Ext2 o) const {
    const u128 a1b1 = Goldilocks::mul_wide(c1_, o.c1_);
    const u128 c0 = Goldilocks::mul_wide(c0_, o.c0_) +
                    static_cast<u128>(Goldilocks::reduce_wide(a1b1).value()) * W;
    const u128 x = Goldilocks::mul_wide(c0_, o.c1_);
    u128 cross = x + Goldilocks::mul_wide(c1_, o.c0_);
    const bool carry = cross < x;
    constexpr Goldilocks kTwoPow128 =
        Goldilocks::from_canonical(Goldilocks::kModulus - (1ULL << 32));
    const Goldilocks carry_term = Goldilocks::from_canonical(kTwoPow128.value() * carry);
    return Ext2(Goldilocks::reduce_wide(c0), Goldilocks::reduce_wide(cross) + carry_term);
  }

  B c0_{}, c1_{};
};

// Cubic extension B[X]/(X^3 - W); W must not be a cube in B.
template <class B, std::uint64_t W>
class Ext3 {
 public:
  using Base = B;
  static constexpr unsigned kExtensionDegree = 3;
  static constexpr std::size_t kBytes = 3 * B::kBytes;
  static constexpr std::uint64_t kNonResidue = W;

  constexpr Ext3() = default;
  constexpr explicit Ext3(B c0, B c1 = B::zero(), B c2 = B::zero()) : c_{c0, c1, c2} {}
  static constexpr Ext3 from_u64(std::uint64_t v) { return Ext3(B::from_u64(v)); }
  static constexpr Ext3 from_i64(std::int64_t v) { return Ext3(B::from_i64(v)); }
  static constexpr Ext3 zero() { return Ext3(); }
  static constexpr Ext3 one() { return Ext3(B::one()); }

  constexpr B coeff(int i) const { return c_[i]; }
  constexpr bool is_zero() const { return c_[0].is_zero() && c_[1].is_zero() && c_[2].is_zero(); }

  constexpr Ext3 operator+(Ext3 o) const {
    return Ext3(c_[0] + o.c_[0], c_[1] + o.c_[1], c_[2] + o.c_[2]);
  }
  constexpr Ext3 operator-(Ext3 o) const {
    return Ext3(c_[0] - o.c_[0], c_[1] - o.c_[1], c_[2] - o.c_[2]);
  }
  constexpr Ext3 operator-() const { return Ext3(-c_[0], -c_[1], -c_[2]); }
  constexpr Ext3 operator*(B s) const { return Ext3(c_[0] * s, c_[1] * s, c_[2] * s); }
  constexpr Ext3 operator*(Ext3 o) const {
    const B* a = c_;
    const B* b = o.c_;
    return Ext3(a[0] * b[0] + kW * (a[1] * b[2] + a[2] * b[1]),
                a[0] * b[1] + a[1] * b[0] + kW * (a[2] * b[2]),
                a[0] * b[2] + a[1] * b[1] + a[2] * b[0]);
  }
  constexpr Ext3& operator+=(Ext3 o) { return *this = *this + o; }
  constexpr Ext3& operator-=(Ext3 o) { return *this = *this - o; }
  constexpr Ext3& operator*=(Ext3 o) { return *this = *this * o; }
  constexpr bool operator==(const Ext3& o) const {
    return c_[0] == o.c_[0] && c_[1] == o.c_[1] && c_[2] == o.c_[2];
  }

  constexpr Ext3 square() const { return *this * *this; }
  // Adjugate of the multiplication-by-a matrix divided by its determinant
  // (the norm); zero maps to zero.
  constexpr Ext3 inverse() const {
    const B t0 = c_[0] * c_[0] - kW * (c_[1] * c_[2]);
    const B t1 = kW * (c_[2] * c_[2]) - c_[0] * c_[1];
    const B t2 = c_[1] * c_[1] - c_[0] * c_[2];
    const B norm = c_[0] * t0 + kW * (c_[2] * t1) + kW * (c_[1] * t2);
    const B inv = norm.inverse();
    return Ext3(t0 * inv, t1 * inv, t2 * inv);
  }

  void write(ByteWriter& w) const {
    for (const B& c : c_) c.write(w);
  }
  static Ext3 read(ByteReader& r) {
    B c0 = B::read(r);
    B c1 = B::read(r);
    return Ext3(c0, c1, B::read(r));
  }
  template <class NextU64>
  static Ext3 sample(NextU64&& next) {
    B c0 = B::sample(next);
    B c1 = B::sample(next);
    return Ext3(c0, c1, B::sample(next));
  }
  std::string to_string() const {
    return "(" + c_[0].to_string() + ", " + c_[1].to_string() + ", " + c_[2].to_string() + ")";
  }
  constexpr std::array<B, 3> coordinates() const { return {c_[0], c_[1], c_[2]}; }

 private:
  static constexpr B kW = B::from_u64(W);
  B c_[3]{};
};

// Every verifier challenge lives in GoldilocksExt2 (~128 bits); the cubic
// extension is there for PCS batching where the calculator asks for ~192 bits.
using GoldilocksExt2 = Ext2<Goldilocks, 7>;
using GoldilocksExt3 = Ext3<Goldilocks, 2>;

}  // namespace zkinfer::field
