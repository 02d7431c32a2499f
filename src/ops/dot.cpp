// SPDX-License-Identifier: Apache-2.0
#include "ops/dot.hpp"

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "base/error.hpp"
#include "ops/requant.hpp"

// The vector loops below are written once as plain C++ and compiled three
// times: for the baseline x86-64 target and, through function-level target
// attributes, for AVX2 and AVX-512 (BW + VNNI); the compiler vectorises each
// (pmaddwd, vpdpwssd, vpminsd, ...). Run-time dispatch picks one, so one
// binary runs everywhere, as in src/field/goldilocks_vec.cpp.
#define OPS_ALWAYS_INLINE __attribute__((always_inline)) inline
#define OPS_TARGET_AVX2 __attribute__((target("avx2")))
#define OPS_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// Defines name_portable, name_avx2 and name_avx512, each calling the inline
// body `name` with the same arguments.
#define OPS_MULTI_TARGET(ret, name, params, args) \
  ret name##_portable params {                    \
    return name args;                             \
  }                                               \
  OPS_TARGET_AVX2 ret name##_avx2 params {        \
    return name args;                             \
  }                                               \
  OPS_TARGET_AVX512 ret name##_avx512 params {    \
    return name args;                             \
  }

namespace zkinfer::ops::detail {
namespace {

constexpr std::int64_t kInt16Max = std::numeric_limits<std::int16_t>::max();
constexpr std::int64_t kInt32Max = std::numeric_limits<std::int32_t>::max();

// Rows of Y swept per pass of a block of X: 64 rows of depth <= 4096 int16
// stay in L2 while the X rows stay in L1.
constexpr std::size_t kPanelBlocks = 16;

// R rows of X against kRowBlock rows of Y. The int32 lanes cannot overflow:
// each chunk sums at most `chunk` products, and DotPlan::choose sized the
// chunk so that chunk * max|x| * max|y| < 2^31.
template <std::size_t R>
OPS_ALWAYS_INLINE void narrow_block(const std::int16_t* __restrict x,
                                    const std::int16_t* __restrict y, std::size_t stride,
                                    std::size_t chunk, std::int64_t* __restrict sums) {
  for (std::size_t k0 = 0; k0 < stride; k0 += chunk) {
    const std::size_t k1 = std::min(stride, k0 + chunk);
    std::int32_t acc[R][kRowBlock] = {};
    for (std::size_t k = k0; k < k1; ++k) {
      for (std::size_t r = 0; r < R; ++r) {
        for (std::size_t c = 0; c < kRowBlock; ++c) {
          acc[r][c] += std::int32_t{x[r * stride + k]} * std::int32_t{y[c * stride + k]};
        }
      }
    }
    for (std::size_t r = 0; r < R; ++r) {
      for (std::size_t c = 0; c < kRowBlock; ++c) sums[r * kRowBlock + c] += acc[r][c];
    }
  }
}

OPS_ALWAYS_INLINE void narrow_block4(const std::int16_t* x, const std::int16_t* y,
                                     std::size_t stride, std::size_t chunk, std::int64_t* sums) {
  narrow_block<kRowBlock>(x, y, stride, chunk, sums);
}
OPS_ALWAYS_INLINE void narrow_block1(const std::int16_t* x, const std::int16_t* y,
                                     std::size_t stride, std::size_t chunk, std::int64_t* sums) {
  narrow_block<1>(x, y, stride, chunk, sums);
}
OPS_MULTI_TARGET(void, narrow_block4,
                 (const std::int16_t* x, const std::int16_t* y, std::size_t stride,
                  std::size_t chunk, std::int64_t* sums),
                 (x, y, stride, chunk, sums))
OPS_MULTI_TARGET(void, narrow_block1,
                 (const std::int16_t* x, const std::int16_t* y, std::size_t stride,
                  std::size_t chunk, std::int64_t* sums),
                 (x, y, stride, chunk, sums))

// The wide path: products of centred values up to 2^32 in int64. No overflow:
// DotPlan::choose bounded every partial sum by 2^46.
template <std::size_t R>
void wide_block(const std::int64_t* x, const std::int64_t* y, std::size_t stride, std::size_t,
                std::int64_t* sums) {
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t c = 0; c < kRowBlock; ++c) {
      std::int64_t s = 0;
      for (std::size_t k = 0; k < stride; ++k) s += x[r * stride + k] * y[c * stride + k];
      sums[r * kRowBlock + c] += s;
    }
  }
}

// Min and max of the values, and their int16 truncation centred by zp
// (wrapping arithmetic: exact whenever the centred value fits int16).
OPS_ALWAYS_INLINE void centre_row(const std::int32_t* __restrict values, std::size_t count,
                                  std::int32_t zero_point, std::int16_t* __restrict out,
                                  std::int32_t* lo, std::int32_t* hi) {
  std::int32_t mn = *lo, mx = *hi;
  const auto zp = static_cast<std::uint32_t>(zero_point);
  for (std::size_t i = 0; i < count; ++i) {
    mn = std::min(mn, values[i]);
    mx = std::max(mx, values[i]);
    out[i] = static_cast<std::int16_t>(static_cast<std::uint32_t>(values[i]) - zp);
  }
  *lo = mn;
  *hi = mx;
}
OPS_MULTI_TARGET(void, centre_row,
                 (const std::int32_t* values, std::size_t count, std::int32_t zero_point,
                  std::int16_t* out, std::int32_t* lo, std::int32_t* hi),
                 (values, count, zero_point, out, lo, hi))

OPS_ALWAYS_INLINE void value_range(const std::int32_t* __restrict values, std::size_t count,
                                   std::int32_t* lo, std::int32_t* hi) {
  std::int32_t mn = *lo, mx = *hi;
  for (std::size_t i = 0; i < count; ++i) {
    mn = std::min(mn, values[i]);
    mx = std::max(mx, values[i]);
  }
  *lo = mn;
  *hi = mx;
}
OPS_MULTI_TARGET(void, value_range,
                 (const std::int32_t* values, std::size_t count, std::int32_t* lo,
                  std::int32_t* hi),
                 (values, count, lo, hi))

template <class F>
F pick(Isa isa, F portable, F avx2, F avx512) {
  switch (kernel_isa(isa)) {
    case Isa::kAvx512:
      return avx512;
    case Isa::kAvx2:
      return avx2;
    case Isa::kScalar:
      break;
  }
  return portable;
}

template <class T>
using BlockKernel = void (*)(const T*, const T*, std::size_t, std::size_t, std::int64_t*);

// X in groups of kRowBlock rows (the last rows one at a time, so a short X,
// a batch-1 Gemm or a filter group of 1, wastes no work) against panels of
// Y. Each output is written by exactly one iteration, so the OpenMP split
// cannot change any value.
template <class T>
void run_blocks(const CentredRows<T>& x, const CentredRows<T>& y, BlockKernel<T> block4,
                BlockKernel<T> block1, std::size_t chunk, const DotSink& sink, bool threads) {
  const std::size_t full = x.rows / kRowBlock;
  const std::size_t x_groups = full + x.rows % kRowBlock;
  const std::size_t y_blocks = round_up(y.rows, kRowBlock) / kRowBlock;
  const std::size_t panels = round_up(y_blocks, kPanelBlocks) / kPanelBlocks;
  const bool parallel = threads && x.rows * y.rows * x.depth >= kParallelWork;
#pragma omp parallel for collapse(2) schedule(static) if (parallel)
  for (std::size_t panel = 0; panel < panels; ++panel) {
    for (std::size_t group = 0; group < x_groups; ++group) {
      const bool is_full = group < full;
      const std::size_t i0 = is_full ? group * kRowBlock : full * kRowBlock + (group - full);
      const std::size_t height = is_full ? kRowBlock : 1;
      const std::size_t yb_end = std::min(y_blocks, (panel + 1) * kPanelBlocks);
      for (std::size_t yb = panel * kPanelBlocks; yb < yb_end; ++yb) {
        std::int64_t sums[kRowBlock * kRowBlock] = {};
        (is_full ? block4 : block1)(x.row(i0), y.row(yb * kRowBlock), x.stride, chunk, sums);
        const std::size_t width = std::min(kRowBlock, y.rows - yb * kRowBlock);
        for (std::size_t r = 0; r < height; ++r) {
          sink(i0 + r, yb * kRowBlock, sums + r * kRowBlock, width);
        }
      }
    }
  }
}

std::int32_t zero_point_of(const std::vector<std::int32_t>& zero_points, std::size_t row) {
  return zero_points.size() == 1 ? zero_points[0] : zero_points[row];
}

std::int64_t max_abs_from_range(std::int32_t lo, std::int32_t hi, std::int32_t zero_point) {
  return std::max(std::int64_t{hi} - zero_point, std::int64_t{zero_point} - lo);
}

bool cpu_has_avx512_vnni() {
  return cpu_has_avx512() && __builtin_cpu_supports("avx512bw") &&
         __builtin_cpu_supports("avx512vnni");
}

}  // namespace

DotPlan DotPlan::choose(std::int64_t max_x, std::int64_t max_y, std::size_t depth,
                        std::int64_t max_bias, const std::string& op) {
  const __int128 product = static_cast<__int128>(max_x) * max_y;
  const __int128 bound = product * static_cast<__int128>(depth) + max_bias;
  if (bound >= kAccumulatorBound) {
    fail(op + ": accumulators may reach " + std::to_string(static_cast<double>(bound)) +
         " (depth " + std::to_string(depth) + ", max |input| " + std::to_string(max_x) +
         ", max |weight| " + std::to_string(max_y) + ", max |bias| " + std::to_string(max_bias) +
         "), beyond the 2^46 requantization bound");
  }
  DotPlan plan;
  plan.narrow = max_x <= kInt16Max && max_y <= kInt16Max &&
                product * static_cast<__int128>(kDepthAlign) <= kInt32Max;
  if (plan.narrow) {
    const std::int64_t per_product = std::max<std::int64_t>(1, static_cast<std::int64_t>(product));
    plan.chunk = static_cast<std::size_t>(kInt32Max / per_product) / kDepthAlign * kDepthAlign;
  }
  return plan;
}

Isa kernel_isa(Isa requested) {
  if (requested == Isa::kAvx512 && cpu_has_avx512_vnni()) return Isa::kAvx512;
  if (requested >= Isa::kAvx2 && cpu_has_avx2()) return Isa::kAvx2;
  return Isa::kScalar;
}

void dot_products(Isa isa, const CentredRows<std::int16_t>& x, const CentredRows<std::int16_t>& y,
                  std::size_t chunk, const DotSink& sink, bool threads) {
  run_blocks(x, y, pick(isa, narrow_block4_portable, narrow_block4_avx2, narrow_block4_avx512),
             pick(isa, narrow_block1_portable, narrow_block1_avx2, narrow_block1_avx512), chunk,
             sink, threads);
}

void dot_products(const CentredRows<std::int64_t>& x, const CentredRows<std::int64_t>& y,
                  const DotSink& sink, bool threads) {
  run_blocks<std::int64_t>(x, y, wide_block<kRowBlock>, wide_block<1>, 0, sink, threads);
}

std::int64_t centre_narrow(Isa isa, const std::int32_t* values,
                           const std::vector<std::int32_t>& zero_points,
                           CentredRows<std::int16_t>& out) {
  const auto centre = pick(isa, centre_row_portable, centre_row_avx2, centre_row_avx512);
  std::int64_t max = 0;
  for (std::size_t r = 0; r < out.rows; ++r) {
    const std::int32_t zp = zero_point_of(zero_points, r);
    std::int32_t lo = zp, hi = zp;
    centre(values + r * out.depth, out.depth, zp, out.row(r), &lo, &hi);
    max = std::max(max, max_abs_from_range(lo, hi, zp));
  }
  return max;
}

CentredRows<std::int64_t> centre_wide(const std::int32_t* values, std::size_t rows,
                                      std::size_t depth,
                                      const std::vector<std::int32_t>& zero_points) {
  CentredRows<std::int64_t> out(rows, depth);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::int64_t zp = zero_point_of(zero_points, r);
    for (std::size_t k = 0; k < depth; ++k) out.row(r)[k] = values[r * depth + k] - zp;
  }
  return out;
}

std::int64_t max_abs_centred(Isa isa, const std::int32_t* values, std::size_t count,
                             std::int32_t zero_point) {
  std::int32_t lo = zero_point, hi = zero_point;
  pick(isa, value_range_portable, value_range_avx2, value_range_avx512)(values, count, &lo, &hi);
  return max_abs_from_range(lo, hi, zero_point);
}

std::int64_t max_abs(std::span<const std::int32_t> values) {
  std::int64_t m = 0;
  for (std::int32_t v : values) m = std::max(m, std::abs(std::int64_t{v}));
  return m;
}

}  // namespace zkinfer::ops::detail
