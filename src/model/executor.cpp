// SPDX-License-Identifier: Apache-2.0
#include "model/executor.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "base/error.hpp"
#include "model/kernels.hpp"

namespace zkinfer::model {

namespace {

std::int64_t product(std::span<const std::int64_t> dims) {
  std::int64_t p = 1;
  for (std::int64_t d : dims) p *= d;
  return p;
}

// Reads a quantization parameter for slice `i` (per-tensor when size 1).
float param(const std::vector<float>& values, std::int64_t i) {
  return values.size() == 1 ? values[0] : values[static_cast<std::size_t>(i)];
}

std::vector<float> transposed(TensorView m) {
  std::vector<float> out(m.data.size());
  const std::int64_t perm[] = {1, 0};
  kernels::transpose(m, perm, out.data());
  return out;
}

std::vector<float> gemm(const Node& node, std::span<const TensorView> in, const Shape& out_shape) {
  const auto& a = node.attrs<GemmAttributes>();
  const std::int64_t m = out_shape[0];
  const std::int64_t n = out_shape[1];
  const std::int64_t k = a.trans_a ? in[0].shape[0] : in[0].shape[1];
  const std::vector<float> at = a.trans_a ? transposed(in[0]) : std::vector<float>{};
  const std::vector<float> bt = a.trans_b ? transposed(in[1]) : std::vector<float>{};
  std::vector<float> out(static_cast<std::size_t>(m * n));
  kernels::matmul<float>(m, n, k, a.trans_a ? at.data() : in[0].data.data(),
                         a.trans_b ? bt.data() : in[1].data.data(), out.data());
  std::vector<float> c;
  if (in.size() > 2 && !in[2].data.empty()) {
    c.resize(out.size());
    kernels::broadcast_to(out_shape, in[2], c.data());
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = a.alpha * out[i] + (c.empty() ? 0.0f : a.beta * c[i]);
  return out;
}

// Batched numpy matmul: row-major [m, k] x [k, n] -> [m, n] blocks, with
// the offsets of the A and B blocks of every (broadcast) batch entry; output
// block i starts at i * m * n.
struct MatMulGeometry {
  std::int64_t m, n, k;
  std::vector<std::int64_t> a_offsets, b_offsets;
};

MatMulGeometry matmul_geometry(TensorView a, TensorView b) {
  // 1-D operands are promoted to a row (A) or a column (B) matrix.
  const Shape a2 =
      a.shape.size() == 1 ? Shape{1, a.shape[0]} : Shape(a.shape.begin(), a.shape.end());
  const Shape b2 =
      b.shape.size() == 1 ? Shape{b.shape[0], 1} : Shape(b.shape.begin(), b.shape.end());
  MatMulGeometry g{a2[a2.size() - 2], b2.back(), a2.back(), {}, {}};
  const std::size_t batch_rank = std::max(a2.size(), b2.size()) - 2;
  auto batch_dims = [batch_rank](const Shape& s) {
    Shape d(batch_rank, 1);
    std::copy(s.begin(), s.end() - 2, d.end() - static_cast<std::ptrdiff_t>(s.size() - 2));
    return d;
  };
  const Shape da = batch_dims(a2);
  const Shape db = batch_dims(b2);
  std::int64_t batches = 1;
  for (std::size_t i = 0; i < batch_rank; ++i) batches *= std::max(da[i], db[i]);
  for (std::int64_t bi = 0; bi < batches; ++bi) {
    std::int64_t rest = bi;
    std::int64_t oa = 0, ob = 0, sa = 1, sb = 1;
    for (std::size_t i = batch_rank; i-- > 0;) {
      const std::int64_t dim = std::max(da[i], db[i]);
      const std::int64_t idx = rest % dim;
      rest /= dim;
      if (da[i] != 1) oa += idx * sa;
      if (db[i] != 1) ob += idx * sb;
      sa *= da[i];
      sb *= db[i];
    }
    g.a_offsets.push_back(oa * g.m * g.k);
    g.b_offsets.push_back(ob * g.k * g.n);
  }
  return g;
}

std::vector<float> matmul(TensorView a, TensorView b) {
  const MatMulGeometry g = matmul_geometry(a, b);
  std::vector<float> out(g.a_offsets.size() * static_cast<std::size_t>(g.m * g.n));
  for (std::size_t i = 0; i < g.a_offsets.size(); ++i)
    kernels::matmul<float>(g.m, g.n, g.k, a.data.data() + g.a_offsets[i],
                           b.data.data() + g.b_offsets[i],
                           out.data() + static_cast<std::int64_t>(i) * g.m * g.n);
  return out;
}

template <class F>
std::vector<float> unary(TensorView x, F f) {
  std::vector<float> out(x.data.size());
  std::transform(x.data.begin(), x.data.end(), out.begin(), f);
  return out;
}

kernels::Window window(const Node& node, std::span<const TensorView> in, const Shape& out_shape) {
  if (node.kind == OpKind::kMaxPool || node.kind == OpKind::kAveragePool) {
    const auto& a = node.attrs<PoolAttributes>();
    return kernels::make_window(in[0].shape, out_shape, a.kernel, a.strides, a.pads, a.dilations,
                                1);
  }
  const ConvAttributes& a = node.kind == OpKind::kConv ? node.attrs<ConvAttributes>()
                                                       : node.attrs<QLinearConvAttributes>().conv;
  return kernels::make_window(in[0].shape, out_shape, a.kernel, a.strides, a.pads, a.dilations,
                              a.group);
}

std::vector<float> softmax(const Node& node, TensorView x) {
  const auto& a = node.attrs<SoftmaxAttributes>();
  const auto first = static_cast<std::size_t>(a.first_axis);
  const auto last = static_cast<std::size_t>(a.last_axis);
  std::vector<float> out(x.data.size());
  kernels::softmax(product(x.shape.first(first)), product(x.shape.subspan(first, last - first + 1)),
                   product(x.shape.subspan(last + 1)), x.data.data(), out.data());
  return out;
}

std::vector<float> concat(const Node& node, std::span<const TensorView> in, const Shape& shape) {
  const auto axis = static_cast<std::size_t>(node.attrs<ConcatAttributes>().axis);
  const std::int64_t outer = product(std::span(shape).first(axis));
  std::vector<float> out;
  out.reserve(static_cast<std::size_t>(product(shape)));
  for (std::int64_t o = 0; o < outer; ++o)
    for (const TensorView& t : in) {
      const auto chunk = static_cast<std::size_t>(product(t.shape.subspan(axis)));
      const auto begin = t.data.begin() + static_cast<std::ptrdiff_t>(o * chunk);
      out.insert(out.end(), begin, begin + static_cast<std::ptrdiff_t>(chunk));
    }
  return out;
}

std::vector<float> batch_norm(const Node& node, std::span<const TensorView> in) {
  const float epsilon = node.attrs<BatchNormAttributes>().epsilon;
  const TensorView& x = in[0];
  const std::int64_t channels = x.shape[1];
  const std::int64_t inner = product(x.shape.subspan(2));
  std::vector<float> out(x.data.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto c = static_cast<std::size_t>((static_cast<std::int64_t>(i) / inner) % channels);
    out[i] = (x.data[i] - in[3].data[c]) * (in[1].data[c] / std::sqrt(in[4].data[c] + epsilon)) +
             in[2].data[c];
  }
  return out;
}

// Per-element slice index along `axis` for per-axis quantization.
std::int64_t slice_of(std::size_t i, std::span<const std::int64_t> shape, std::int64_t axis) {
  const std::int64_t inner = product(shape.subspan(static_cast<std::size_t>(axis) + 1));
  return (static_cast<std::int64_t>(i) / inner) % shape[static_cast<std::size_t>(axis)];
}

std::vector<float> quantize(const Node& node, TensorView x) {
  const auto& a = node.attrs<QuantizeAttributes>();
  std::vector<float> out(x.data.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::int64_t c = a.params.scale.size() == 1 ? 0 : slice_of(i, x.shape, a.axis);
    const float scaled = x.data[i] / param(a.params.scale, c);
    out[i] = kernels::quantize_value(scaled, param(a.params.zero_point, c), a.quantized);
  }
  return out;
}

std::vector<float> dequantize(const Node& node, TensorView x) {
  const auto& a = node.attrs<QuantizeAttributes>();
  std::vector<float> out(x.data.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::int64_t c = a.params.scale.size() == 1 ? 0 : slice_of(i, x.shape, a.axis);
    out[i] = (x.data[i] - param(a.params.zero_point, c)) * param(a.params.scale, c);
  }
  return out;
}

// Requantizes exact integer accumulators: y = saturate(round(acc * s) + zp)
// with the real multiplier s = in_scale * weight_scale / out_scale of the
// accumulator's slice, computed in double from the float32 scales.
// Accumulators outside int32 (the accumulator type ONNX specifies) are
// rejected rather than wrapped.
std::vector<float> requantize(const std::vector<std::int64_t>& acc, float in_scale,
                              const QuantParams& weight, std::int64_t slice_size,
                              std::int64_t slices, const QuantParams& y, DType dtype,
                              const Node& node) {
  std::vector<float> out(acc.size());
  for (std::size_t i = 0; i < acc.size(); ++i) {
    if (acc[i] > std::numeric_limits<std::int32_t>::max() ||
        acc[i] < std::numeric_limits<std::int32_t>::min())
      fail("node '" + node.name + "': int32 accumulator overflow");
    const std::int64_t s = (static_cast<std::int64_t>(i) / slice_size) % slices;
    const double multiplier = static_cast<double>(in_scale) *
                              static_cast<double>(param(weight.scale, s)) /
                              static_cast<double>(y.scale[0]);
    out[i] =
        kernels::quantize_value(static_cast<double>(acc[i]) * multiplier, y.zero_point[0], dtype);
  }
  return out;
}

// x - zero_point as exact integers; `slice_size` consecutive elements share
// one zero point (per-tensor when the parameter has one entry).
std::vector<std::int64_t> centered(TensorView x, const QuantParams& q, std::int64_t slice_size,
                                   std::int64_t slices) {
  std::vector<std::int64_t> out(x.data.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::int64_t s = (static_cast<std::int64_t>(i) / slice_size) % slices;
    out[i] =
        static_cast<std::int64_t>(x.data[i]) - static_cast<std::int64_t>(param(q.zero_point, s));
  }
  return out;
}

std::vector<float> qlinear_matmul(const Node& node, std::span<const TensorView> in,
                                  const Shape& out_shape) {
  const auto& a = node.attrs<QLinearMatMulAttributes>();
  const MatMulGeometry g = matmul_geometry(in[0], in[1]);
  const std::vector<std::int64_t> qa = centered(in[0], a.a, 1, 1);
  // Zero points of B are per column: slices of size 1 cycling over n.
  const std::vector<std::int64_t> qb = centered(in[1], a.b, 1, g.n);
  std::vector<std::int64_t> acc(static_cast<std::size_t>(product(out_shape)));
  for (std::size_t i = 0; i < g.a_offsets.size(); ++i)
    kernels::matmul<std::int64_t>(g.m, g.n, g.k, qa.data() + g.a_offsets[i],
                                  qb.data() + g.b_offsets[i],
                                  acc.data() + static_cast<std::int64_t>(i) * g.m * g.n);
  return requantize(acc, a.a.scale[0], a.b, 1, g.n, a.y, a.output, node);
}

std::vector<float> qlinear_conv(const Node& node, std::span<const TensorView> in,
                                const Shape& out_shape) {
  const auto& a = node.attrs<QLinearConvAttributes>();
  const kernels::Window g = window(node, in, out_shape);
  const std::int64_t per_channel = product(in[1].shape.subspan(1));
  const std::vector<std::int64_t> qx = centered(in[0], a.x, 1, 1);
  const std::vector<std::int64_t> qw = centered(in[1], a.w, per_channel, g.out_channels);
  std::vector<std::int64_t> bias;
  if (in.size() > 2 && !in[2].data.empty())
    for (float b : in[2].data) bias.push_back(static_cast<std::int64_t>(b));
  std::vector<std::int64_t> acc(static_cast<std::size_t>(product(out_shape)));
  kernels::conv<std::int64_t>(g, qx.data(), qw.data(), bias.empty() ? nullptr : bias.data(),
                              acc.data());
  return requantize(acc, a.x.scale[0], a.w, g.out_h * g.out_w, g.out_channels, a.y, a.output, node);
}

std::vector<float> evaluate(const Node& node, std::span<const TensorView> in,
                            const Shape& out_shape) {
  switch (node.kind) {
    case OpKind::kGemm:
      return gemm(node, in, out_shape);
    case OpKind::kMatMul:
      return matmul(in[0], in[1]);
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul: {
      std::vector<float> out(static_cast<std::size_t>(product(out_shape)));
      const auto op = node.kind == OpKind::kAdd   ? kernels::Binary::kAdd
                      : node.kind == OpKind::kSub ? kernels::Binary::kSub
                                                  : kernels::Binary::kMul;
      kernels::broadcast_binary(op, out_shape, in[0], in[1], out.data());
      return out;
    }
    case OpKind::kConv: {
      std::vector<float> out(static_cast<std::size_t>(product(out_shape)));
      const bool has_bias = in.size() > 2 && !in[2].data.empty();
      kernels::conv<float>(window(node, in, out_shape), in[0].data.data(), in[1].data.data(),
                           has_bias ? in[2].data.data() : nullptr, out.data());
      return out;
    }
    case OpKind::kRelu:
      return unary(in[0], [](float v) { return v > 0.0f ? v : 0.0f; });
    case OpKind::kLeakyRelu: {
      const float alpha = node.attrs<LeakyReluAttributes>().alpha;
      return unary(in[0], [alpha](float v) { return v < 0.0f ? alpha * v : v; });
    }
    case OpKind::kClip: {
      const auto& a = node.attrs<ClipAttributes>();
      return unary(in[0], [&a](float v) { return std::min(std::max(v, a.min), a.max); });
    }
    case OpKind::kSigmoid:
      return unary(in[0], [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
    case OpKind::kTanh:
      return unary(in[0], [](float v) { return std::tanh(v); });
    case OpKind::kSoftmax:
      return softmax(node, in[0]);
    case OpKind::kMaxPool:
    case OpKind::kAveragePool: {
      std::vector<float> out(static_cast<std::size_t>(product(out_shape)));
      const kernels::Window g = window(node, in, out_shape);
      if (node.kind == OpKind::kMaxPool)
        kernels::max_pool(g, in[0].data.data(), out.data());
      else
        kernels::average_pool(g, node.attrs<PoolAttributes>().count_include_pad, in[0].data.data(),
                              out.data());
      return out;
    }
    case OpKind::kGlobalAveragePool: {
      const std::int64_t plane = product(in[0].shape.subspan(2));
      std::vector<float> out(static_cast<std::size_t>(product(out_shape)));
      for (std::size_t p = 0; p < out.size(); ++p) {
        const auto begin = in[0].data.begin() + static_cast<std::ptrdiff_t>(p) * plane;
        out[p] = std::accumulate(begin, begin + plane, 0.0f) / static_cast<float>(plane);
      }
      return out;
    }
    case OpKind::kReshape:
      return {in[0].data.begin(), in[0].data.end()};
    case OpKind::kTranspose: {
      std::vector<float> out(in[0].data.size());
      kernels::transpose(in[0], node.attrs<TransposeAttributes>().perm, out.data());
      return out;
    }
    case OpKind::kConcat:
      return concat(node, in, out_shape);
    case OpKind::kBatchNormalization:
      return batch_norm(node, in);
    case OpKind::kQuantizeLinear:
      return quantize(node, in[0]);
    case OpKind::kDequantizeLinear:
      return dequantize(node, in[0]);
    case OpKind::kQLinearMatMul:
      return qlinear_matmul(node, in, out_shape);
    case OpKind::kQLinearConv:
      return qlinear_conv(node, in, out_shape);
  }
  fail("node '" + node.name + "': unknown operator");
}

void check_input(const Value& expected, const Tensor& t) {
  const std::string what = "input '" + expected.name + "'";
  if (t.dtype != expected.dtype)
    fail(what + " has dtype " + dtype_name(t.dtype) + ", expected " + dtype_name(expected.dtype));
  if (t.shape != expected.shape)
    fail(what + " has shape " + shape_to_string(t.shape) + ", expected " +
         shape_to_string(expected.shape));
  if (static_cast<std::int64_t>(t.data.size()) != element_count(t.shape))
    fail(what + " has " + std::to_string(t.data.size()) + " elements, its shape needs " +
         std::to_string(element_count(t.shape)));
  for (std::size_t i = 0; i < t.data.size(); ++i) {
    const float v = t.data[i];
    if (!std::isfinite(v))
      fail(what + " element " + std::to_string(i) + " is " + (std::isnan(v) ? "NaN" : "infinite"));
    if (is_integer(t.dtype) &&
        (v != std::nearbyint(v) || v < dtype_min(t.dtype) || v > dtype_max(t.dtype)))
      fail(what + " element " + std::to_string(i) + " (" + std::to_string(v) + ") is not a valid " +
           dtype_name(t.dtype));
  }
}

}  // namespace

std::vector<float> evaluate_node(const Graph& graph, const Node& node,
                                 std::span<const TensorView> inputs) {
  return evaluate(node, inputs, graph.value(node.output).shape);
}

std::vector<Tensor> execute(const Graph& graph, std::span<const Tensor> inputs,
                            const ValueObserver& observer) {
  if (inputs.size() != graph.inputs.size())
    fail("the model takes " + std::to_string(graph.inputs.size()) + " inputs, got " +
         std::to_string(inputs.size()));
  std::vector<TensorView> views(graph.values.size());
  for (ValueId id = 0; id < graph.values.size(); ++id)
    if (graph.values[id].kind == ValueKind::kConstant) views[id] = graph.constant(id);
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const ValueId id = graph.inputs[i];
    check_input(graph.value(id), inputs[i]);
    views[id] = view(inputs[i]);
    if (observer) observer(id, views[id]);
  }

  // Intermediate buffers are released after their last reader.
  std::vector<std::size_t> last_use(graph.values.size(), 0);
  for (std::size_t n = 0; n < graph.nodes.size(); ++n)
    for (ValueId in : graph.nodes[n].inputs)
      if (in != kNoValue) last_use[in] = n;
  for (const GraphOutput& out : graph.outputs) last_use[out.value] = graph.nodes.size();

  std::vector<std::vector<float>> buffers(graph.values.size());
  std::vector<TensorView> args;
  for (std::size_t n = 0; n < graph.nodes.size(); ++n) {
    const Node& node = graph.nodes[n];
    args.clear();
    for (ValueId in : node.inputs) args.push_back(in == kNoValue ? TensorView{} : views[in]);
    buffers[node.output] = evaluate_node(graph, node, args);
    const Value& out = graph.value(node.output);
    views[node.output] = {out.dtype, out.shape, buffers[node.output]};
    if (observer) observer(node.output, views[node.output]);
    for (ValueId in : node.inputs)
      if (in != kNoValue && last_use[in] == n && !buffers[in].empty()) {
        buffers[in] = {};
        views[in] = {};
      }
  }

  std::vector<Tensor> results;
  for (const GraphOutput& out : graph.outputs) {
    const TensorView& v = views[out.value];
    results.push_back({v.dtype, Shape(v.shape.begin(), v.shape.end()),
                       std::vector<float>(v.data.begin(), v.data.end())});
  }
  return results;
}

namespace {

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t out = 0;
  return __builtin_mul_overflow(a, b, &out) ? std::numeric_limits<std::uint64_t>::max() : out;
}

std::uint64_t saturating_product(std::span<const std::int64_t> dims) {
  std::uint64_t p = 1;
  for (std::int64_t d : dims) p = saturating_mul(p, static_cast<std::uint64_t>(d));
  return p;
}

}  // namespace

std::uint64_t node_work(const Graph& graph, const Node& node) {
  const std::uint64_t count = saturating_product(graph.value(node.output).shape);
  switch (node.kind) {
    case OpKind::kGemm:
    case OpKind::kMatMul:
    case OpKind::kQLinearMatMul: {
      const Shape& a = graph.value(node.inputs[0]).shape;
      const bool trans_a = node.kind == OpKind::kGemm && node.attrs<GemmAttributes>().trans_a;
      return saturating_mul(count, static_cast<std::uint64_t>(trans_a ? a[0] : a.back()));
    }
    case OpKind::kConv:
    case OpKind::kQLinearConv:
      return saturating_mul(
          count, saturating_product(std::span(graph.value(node.inputs[1]).shape).subspan(1)));
    case OpKind::kMaxPool:
    case OpKind::kAveragePool:
      return saturating_mul(count, saturating_product(node.attrs<PoolAttributes>().kernel));
    case OpKind::kGlobalAveragePool:
      return saturating_product(graph.value(node.inputs[0]).shape);
    default:
      return count;
  }
}

std::uint64_t estimated_work(const Graph& graph) {
  std::uint64_t total = 0;
  for (const Node& node : graph.nodes) {
    const std::uint64_t work = node_work(graph, node);
    total = work > std::numeric_limits<std::uint64_t>::max() - total
                ? std::numeric_limits<std::uint64_t>::max()
                : total + work;
  }
  return total;
}

}  // namespace zkinfer::model
