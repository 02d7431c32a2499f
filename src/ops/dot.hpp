// SPDX-License-Identifier: Apache-2.0
#pragma once

// The multiply-accumulate engine under Gemm and Conv: every output is the
// dot product of a row of X with a row of Y, both stored contiguously, so one
// register-blocked kernel serves both (Gemm: X = activations, Y = weights;
// Conv: X = filters, Y = im2col patches). Integer sums are exact, so every
// ISA path and every thread count give the same bytes.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "base/cpu_features.hpp"

namespace zkinfer::ops::detail {

// The kernel computes blocks of up to kRowBlock rows of X by kRowBlock rows
// of Y over a depth padded to kDepthAlign (one 512-bit vector of int16
// lanes); padding is zeros, which add nothing to the sums.
inline constexpr std::size_t kRowBlock = 4;
inline constexpr std::size_t kDepthAlign = 32;

// Minimum multiply-accumulates before a kernel starts an OpenMP team: below
// it the fork/join costs more than it saves.
inline constexpr std::size_t kParallelWork = std::size_t{1} << 18;

inline std::size_t round_up(std::size_t n, std::size_t m) {
  return (n + m - 1) / m * m;
}

// Centred operands (value - zero point): int16 when they fit (the fast path,
// multiply-add into int32 lanes), int64 otherwise.
template <class T>
struct CentredRows {
  std::size_t rows = 0;
  std::size_t depth = 0;
  std::size_t stride = 0;
  std::vector<T> values;

  CentredRows(std::size_t num_rows, std::size_t row_depth)
      : rows(num_rows),
        depth(row_depth),
        stride(round_up(row_depth, kDepthAlign)),
        values(round_up(num_rows, kRowBlock) * stride, T{0}) {}
  T* row(std::size_t r) { return values.data() + r * stride; }
  const T* row(std::size_t r) const { return values.data() + r * stride; }
};

// How products of two centred operands are accumulated. `max_x`, `max_y`
// are the largest |centred value| of each side, `max_bias` the largest |bias|.
struct DotPlan {
  bool narrow = false;    // int16 operands, int32 lanes
  std::size_t chunk = 0;  // depth an int32 lane may sum without overflow

  // Fails (naming `op`) unless every accumulator, at most
  // depth * max_x * max_y + max_bias, stays below 2^46 (the Requant bound).
  static DotPlan choose(std::int64_t max_x, std::int64_t max_y, std::size_t depth,
                        std::int64_t max_bias, const std::string& op);
};

// Receives the finished sums of row i of x against rows [j, j + count) of
// y: sums[c] = sum_k x(i, k) * y(j + c, k). Called from several threads at
// once, each time for different outputs.
using DotSink =
    std::function<void(std::size_t i, std::size_t j, const std::int64_t* sums, std::size_t count)>;

// Every dot product of a row of x with a row of y, handed to `sink`.
// `threads`: whether this call may start an OpenMP team (callers already
// inside one pass false).
void dot_products(Isa isa, const CentredRows<std::int16_t>& x, const CentredRows<std::int16_t>& y,
                  std::size_t chunk, const DotSink& sink, bool threads);
void dot_products(const CentredRows<std::int64_t>& x, const CentredRows<std::int64_t>& y,
                  const DotSink& sink, bool threads);

// The ISA the vector loops actually run for a request (AVX-512 needs BW and
// VNNI besides F; a missing feature falls back to the next path).
Isa kernel_isa(Isa requested);

// Fills `out` with a row-major [rows, depth] block of values, row r centred
// by its zero point (one for all rows, or one per row) and truncated to
// int16, and returns the largest |centred value|. Above 32767 the int16
// values are meaningless and the caller re-centres into int64.
std::int64_t centre_narrow(Isa isa, const std::int32_t* values,
                           const std::vector<std::int32_t>& zero_points,
                           CentredRows<std::int16_t>& out);

// Row-major [rows, depth] values centred by their row's zero point, in int64.
CentredRows<std::int64_t> centre_wide(const std::int32_t* values, std::size_t rows,
                                      std::size_t depth,
                                      const std::vector<std::int32_t>& zero_points);

// Largest |v - zero_point| over `count` values.
std::int64_t max_abs_centred(Isa isa, const std::int32_t* values, std::size_t count,
                             std::int32_t zero_point);
// Largest |v| (of a bias).
std::int64_t max_abs(std::span<const std::int32_t> values);

}  // namespace zkinfer::ops::detail
