// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <algorithm>
#include <numeric>
#include <span>
#include <vector>

#include "base/error.hpp"
#include "field/concepts.hpp"

namespace zkinfer::lookup {

// Segments of 2^(n_s) entries laid out in one vector of 2^depth entries,
// largest first, so that each segment is an aligned subcube: its offset is a
// multiple of its size. The multilinear extension of a vector that is f_s on
// segment s and zero elsewhere is then
//   sum_s  eq(r_head, offset_s / 2^(n_s)) * f_s(r_tail),
// with r_head the first depth - n_s coordinates of r and r_tail the rest
// (variable 0 is the most significant index bit). Entries past the last
// segment form the tail, whose indicator's extension is 1 - sum_s selector_s.
class Concatenation {
 public:
  explicit Concatenation(std::vector<unsigned> num_vars) : num_vars_(std::move(num_vars)) {
    if (num_vars_.empty()) fail("concatenation: no segments");
    std::vector<std::size_t> order(num_vars_.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return num_vars_[a] > num_vars_[b]; });
    offsets_.resize(num_vars_.size());
    std::size_t next = 0;
    for (std::size_t s : order) {
      if (num_vars_[s] >= 40) fail("concatenation: segment too large");
      offsets_[s] = next;
      next += size(s);
    }
    while ((std::size_t{1} << depth_) < next) ++depth_;
  }

  std::size_t count() const { return num_vars_.size(); }
  unsigned depth() const { return depth_; }
  unsigned num_vars(std::size_t s) const { return num_vars_[s]; }
  std::size_t size(std::size_t s) const { return std::size_t{1} << num_vars_[s]; }
  std::size_t offset(std::size_t s) const { return offsets_[s]; }

  // eq(r_head, offset_s / 2^(n_s)) for a point r of `depth` coordinates.
  template <field::Field E>
  E selector(std::size_t s, std::span<const E> r) const {
    const unsigned head = depth_ - num_vars_[s];
    const std::size_t index = offsets_[s] >> num_vars_[s];
    E acc = E::one();
    for (unsigned i = 0; i < head; ++i) {
      acc *= (index >> (head - 1 - i) & 1) ? r[i] : E::one() - r[i];
    }
    return acc;
  }

  template <field::Field E>
  std::span<const E> local_point(std::size_t s, std::span<const E> r) const {
    return r.subspan(depth_ - num_vars_[s]);
  }

 private:
  std::vector<unsigned> num_vars_;
  std::vector<std::size_t> offsets_;
  unsigned depth_ = 0;
};

}  // namespace zkinfer::lookup
