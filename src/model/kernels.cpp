// SPDX-License-Identifier: Apache-2.0
#include "model/kernels.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace zkinfer::model::kernels {

namespace {

// Below this many multiply-adds (or window taps) a loop runs on one thread:
// starting an OpenMP team costs more than the work.
constexpr std::int64_t kParallelWork = std::int64_t{1} << 18;

// Range of output positions o in [0, out) whose input index o * stride +
// offset falls inside [0, in).
struct Span {
  std::int64_t begin;
  std::int64_t end;
};
Span valid_outputs(std::int64_t offset, std::int64_t stride, std::int64_t in, std::int64_t out) {
  const std::int64_t begin = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const std::int64_t last = in - 1 - offset;
  const std::int64_t end = last < 0 ? 0 : std::min(out, last / stride + 1);
  return {begin, std::max(begin, end)};
}

// out[i] = op(a[ia(i)], b[ib(i)]) over an output of shape out_shape, where
// the input offsets advance by the given per-axis strides (0 on broadcast
// axes, permuted strides for a transpose).
template <class Op>
void strided_loop(std::span<const std::int64_t> out_shape, std::span<const std::int64_t> sa,
                  std::span<const std::int64_t> sb, const float* a, const float* b, float* out,
                  Op op) {
  const std::size_t rank = out_shape.size();
  if (rank == 0) {
    out[0] = op(a[0], b[0]);
    return;
  }
  const std::int64_t inner = out_shape[rank - 1];
  const std::int64_t step_a = sa[rank - 1];
  const std::int64_t step_b = sb[rank - 1];
  std::int64_t outer = 1;
  for (std::size_t d = 0; d + 1 < rank; ++d) outer *= out_shape[d];
  std::vector<std::int64_t> index(rank, 0);
  std::int64_t oa = 0;
  std::int64_t ob = 0;
  for (std::int64_t o = 0; o < outer; ++o) {
    float* row = out + o * inner;
    if (step_a == 1 && step_b == 1) {
      for (std::int64_t j = 0; j < inner; ++j) row[j] = op(a[oa + j], b[ob + j]);
    } else if (step_a == 1 && step_b == 0) {
      const float bv = b[ob];
      for (std::int64_t j = 0; j < inner; ++j) row[j] = op(a[oa + j], bv);
    } else {
      for (std::int64_t j = 0; j < inner; ++j) row[j] = op(a[oa + j * step_a], b[ob + j * step_b]);
    }
    for (std::size_t d = rank - 1; d-- > 0;) {
      oa += sa[d];
      ob += sb[d];
      if (++index[d] < out_shape[d]) break;
      oa -= sa[d] * out_shape[d];
      ob -= sb[d] * out_shape[d];
      index[d] = 0;
    }
  }
}

std::vector<std::int64_t> broadcast_strides(std::span<const std::int64_t> out_shape,
                                            std::span<const std::int64_t> in_shape) {
  std::vector<std::int64_t> strides(out_shape.size(), 0);
  const std::vector<std::int64_t> in_strides = row_major_strides(in_shape);
  const std::size_t offset = out_shape.size() - in_shape.size();
  for (std::size_t i = 0; i < in_shape.size(); ++i)
    if (in_shape[i] != 1) strides[offset + i] = in_strides[i];
  return strides;
}

}  // namespace

Window make_window(std::span<const std::int64_t> x_shape, std::span<const std::int64_t> y_shape,
                   std::span<const std::int64_t> kernel, std::span<const std::int64_t> strides,
                   std::span<const std::int64_t> pads, std::span<const std::int64_t> dilations,
                   std::int64_t group) {
  Window g;
  g.batch = x_shape[0];
  g.in_channels = x_shape[1];
  g.out_channels = y_shape[1];
  g.group = group;
  const std::size_t rank = kernel.size();
  const std::size_t w = rank - 1;  // the last spatial axis is the width
  g.in_w = x_shape[2 + w];
  g.out_w = y_shape[2 + w];
  g.kernel_w = kernel[w];
  g.stride_w = strides[w];
  g.dilation_w = dilations[w];
  g.pad_left = pads[w];
  g.pad_right = pads[rank + w];
  if (rank == 2) {
    g.in_h = x_shape[2];
    g.out_h = y_shape[2];
    g.kernel_h = kernel[0];
    g.stride_h = strides[0];
    g.dilation_h = dilations[0];
    g.pad_top = pads[0];
    g.pad_bottom = pads[rank];
  }
  return g;
}

template <class T>
void conv(const Window& g, const T* x, const T* w, const T* bias, T* y) {
  const std::int64_t in_per_group = g.in_channels / g.group;
  const std::int64_t out_per_group = g.out_channels / g.group;
  const std::int64_t planes = g.batch * g.out_channels;
  const std::int64_t plane = g.out_h * g.out_w;
  const std::int64_t work = planes * plane * in_per_group * g.kernel_h * g.kernel_w;
#pragma omp parallel for schedule(static) if (work >= kParallelWork)
  for (std::int64_t p = 0; p < planes; ++p) {
    const std::int64_t n = p / g.out_channels;
    const std::int64_t m = p % g.out_channels;
    const std::int64_t first_in = (m / out_per_group) * in_per_group;
    T* out = y + p * plane;
    std::fill(out, out + plane, bias ? bias[m] : T{0});
    for (std::int64_t c = 0; c < in_per_group; ++c) {
      const T* in = x + ((n * g.in_channels) + first_in + c) * g.in_h * g.in_w;
      const T* taps = w + (m * in_per_group + c) * g.kernel_h * g.kernel_w;
      for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
        const Span rows = valid_outputs(kh * g.dilation_h - g.pad_top, g.stride_h, g.in_h, g.out_h);
        for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
          const T tap = taps[kh * g.kernel_w + kw];
          const std::int64_t col_offset = kw * g.dilation_w - g.pad_left;
          const Span cols = valid_outputs(col_offset, g.stride_w, g.in_w, g.out_w);
          const std::int64_t len = cols.end - cols.begin;
          if (len == 0) continue;
          for (std::int64_t oh = rows.begin; oh < rows.end; ++oh) {
            const std::int64_t ih = oh * g.stride_h + kh * g.dilation_h - g.pad_top;
            const T* in_row = in + ih * g.in_w + col_offset + cols.begin * g.stride_w;
            T* out_row = out + oh * g.out_w + cols.begin;
            if (g.stride_w == 1) {
              for (std::int64_t j = 0; j < len; ++j) out_row[j] += tap * in_row[j];
            } else {
              for (std::int64_t j = 0; j < len; ++j) out_row[j] += tap * in_row[j * g.stride_w];
            }
          }
        }
      }
    }
  }
}

template <class T>
void matmul(std::int64_t m, std::int64_t n, std::int64_t k, const T* a, const T* b, T* out) {
  const std::int64_t work = m * n * k;
#pragma omp parallel for schedule(static) if (work >= kParallelWork && m > 1)
  for (std::int64_t i = 0; i < m; ++i) {
    T* row = out + i * n;
    std::fill(row, row + n, T{0});
    for (std::int64_t kk = 0; kk < k; ++kk) {
      const T av = a[i * k + kk];
      const T* b_row = b + kk * n;
      for (std::int64_t j = 0; j < n; ++j) row[j] += av * b_row[j];
    }
  }
}

template void conv<float>(const Window&, const float*, const float*, const float*, float*);
template void conv<std::int64_t>(const Window&, const std::int64_t*, const std::int64_t*,
                                 const std::int64_t*, std::int64_t*);
template void matmul<float>(std::int64_t, std::int64_t, std::int64_t, const float*, const float*,
                            float*);
template void matmul<std::int64_t>(std::int64_t, std::int64_t, std::int64_t, const std::int64_t*,
                                   const std::int64_t*, std::int64_t*);

namespace {

// Visits the taps of every pooling window: reduce(plane input, oh, ow,
// row/col spans of in-bounds taps) -> output value.
template <class Reduce>
void pool(const Window& g, const float* x, float* y, Reduce reduce) {
  const std::int64_t planes = g.batch * g.in_channels;
  const std::int64_t work = planes * g.out_h * g.out_w * g.kernel_h * g.kernel_w;
#pragma omp parallel for schedule(static) if (work >= kParallelWork)
  for (std::int64_t p = 0; p < planes; ++p) {
    const float* in = x + p * g.in_h * g.in_w;
    float* out = y + p * g.out_h * g.out_w;
    for (std::int64_t oh = 0; oh < g.out_h; ++oh)
      for (std::int64_t ow = 0; ow < g.out_w; ++ow)
        out[oh * g.out_w + ow] =
            reduce(in, oh * g.stride_h - g.pad_top, ow * g.stride_w - g.pad_left);
  }
}

}  // namespace

void max_pool(const Window& g, const float* x, float* y) {
  pool(g, x, y, [&g](const float* in, std::int64_t h0, std::int64_t w0) {
    float best = -std::numeric_limits<float>::infinity();
    for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const std::int64_t ih = h0 + kh * g.dilation_h;
      if (ih < 0 || ih >= g.in_h) continue;
      for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const std::int64_t iw = w0 + kw * g.dilation_w;
        if (iw >= 0 && iw < g.in_w) best = std::max(best, in[ih * g.in_w + iw]);
      }
    }
    return best;
  });
}

void average_pool(const Window& g, bool count_include_pad, const float* x, float* y) {
  pool(g, x, y, [&g, count_include_pad](const float* in, std::int64_t h0, std::int64_t w0) {
    float sum = 0.0f;
    std::int64_t inside = 0;
    std::int64_t padded = 0;
    for (std::int64_t kh = 0; kh < g.kernel_h; ++kh) {
      const std::int64_t ih = h0 + kh * g.dilation_h;
      const bool row_padded = ih >= -g.pad_top && ih < g.in_h + g.pad_bottom;
      const bool row_inside = ih >= 0 && ih < g.in_h;
      for (std::int64_t kw = 0; kw < g.kernel_w; ++kw) {
        const std::int64_t iw = w0 + kw * g.dilation_w;
        if (row_padded && iw >= -g.pad_left && iw < g.in_w + g.pad_right) ++padded;
        if (row_inside && iw >= 0 && iw < g.in_w) {
          sum += in[ih * g.in_w + iw];
          ++inside;
        }
      }
    }
    const std::int64_t count = count_include_pad ? padded : inside;
    return count == 0 ? 0.0f : sum / static_cast<float>(count);
  });
}

void softmax(std::int64_t outer, std::int64_t reduce, std::int64_t inner, const float* x,
             float* y) {
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i = 0; i < inner; ++i) {
      const float* in = x + o * reduce * inner + i;
      float* out = y + o * reduce * inner + i;
      float max = -std::numeric_limits<float>::infinity();
      for (std::int64_t r = 0; r < reduce; ++r) max = std::max(max, in[r * inner]);
      float sum = 0.0f;
      for (std::int64_t r = 0; r < reduce; ++r) {
        out[r * inner] = std::exp(in[r * inner] - max);
        sum += out[r * inner];
      }
      for (std::int64_t r = 0; r < reduce; ++r) out[r * inner] /= sum;
    }
  }
}

void broadcast_binary(Binary op, std::span<const std::int64_t> out_shape, TensorView a,
                      TensorView b, float* out) {
  const auto sa = broadcast_strides(out_shape, a.shape);
  const auto sb = broadcast_strides(out_shape, b.shape);
  switch (op) {
    case Binary::kAdd:
      return strided_loop(out_shape, sa, sb, a.data.data(), b.data.data(), out,
                          [](float u, float v) { return u + v; });
    case Binary::kSub:
      return strided_loop(out_shape, sa, sb, a.data.data(), b.data.data(), out,
                          [](float u, float v) { return u - v; });
    case Binary::kMul:
      return strided_loop(out_shape, sa, sb, a.data.data(), b.data.data(), out,
                          [](float u, float v) { return u * v; });
  }
}

void broadcast_to(std::span<const std::int64_t> out_shape, TensorView in, float* out) {
  const auto s = broadcast_strides(out_shape, in.shape);
  strided_loop(out_shape, s, s, in.data.data(), in.data.data(), out,
               [](float u, float) { return u; });
}

void transpose(TensorView x, std::span<const std::int64_t> perm, float* out) {
  const std::vector<std::int64_t> in_strides = row_major_strides(x.shape);
  std::vector<std::int64_t> out_shape;
  std::vector<std::int64_t> strides;
  for (std::int64_t p : perm) {
    out_shape.push_back(x.shape[p]);
    strides.push_back(in_strides[p]);
  }
  strided_loop(out_shape, strides, strides, x.data.data(), x.data.data(), out,
               [](float u, float) { return u; });
}

float quantize_value(double scaled, double zero_point, DType dtype) {
  const double rounded = std::isnan(scaled) ? 0.0 : std::nearbyint(scaled);
  return static_cast<float>(std::clamp(rounded + zero_point, dtype_min(dtype), dtype_max(dtype)));
}

}  // namespace zkinfer::model::kernels
