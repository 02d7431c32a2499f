// SPDX-License-Identifier: Apache-2.0
#include "model/shape_inference.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "base/error.hpp"

namespace zkinfer::model {

namespace {

// Executor kernels handle 1-D and 2-D windows (Conv, pools).
constexpr std::size_t kMaxSpatialRank = 2;
// Bound on kernel, stride, dilation and pad values so window arithmetic
// never overflows (real models use single or double digits).
constexpr std::int64_t kMaxWindowParameter = std::int64_t{1} << 24;

void check_window_parameters(std::span<const std::int64_t> values) {
  for (std::int64_t v : values)
    if (v > kMaxWindowParameter)
      fail("window parameter " + std::to_string(v) + " exceeds " +
           std::to_string(kMaxWindowParameter));
}

class Checker {
 public:
  Checker(const Graph& graph, const Node& node) : graph_(graph), node_(node) {}

  [[noreturn]] void fail_node(const std::string& what) const {
    fail("node '" + node_.name + "' (" + op_kind_name(node_.kind) + "): " + what);
  }
  void check(bool condition, const std::string& what) const {
    if (!condition) fail_node(what);
  }

  bool has(std::size_t i) const { return i < node_.inputs.size() && node_.inputs[i] != kNoValue; }
  const Value& input(std::size_t i) const {
    check(has(i), "missing input " + std::to_string(i));
    return graph_.value(node_.inputs[i]);
  }
  const Shape& shape(std::size_t i) const { return input(i).shape; }

  void expect_inputs(std::size_t min, std::size_t max) const {
    check(node_.inputs.size() >= min && node_.inputs.size() <= max,
          "expected " + std::to_string(min) + ".." + std::to_string(max) + " inputs, got " +
              std::to_string(node_.inputs.size()));
    for (std::size_t i = 0; i < min; ++i) input(i);
  }
  void expect_dtype(std::size_t i, DType dtype) const {
    const Value& v = input(i);
    check(v.dtype == dtype, std::string("input '") + v.name + "' has dtype " + dtype_name(v.dtype) +
                                ", expected " + dtype_name(dtype));
  }
  void expect_quantized_dtype(std::size_t i) const {
    const Value& v = input(i);
    check(v.dtype == DType::kUInt8 || v.dtype == DType::kInt8,
          std::string("input '") + v.name + "' has dtype " + dtype_name(v.dtype) +
              ", expected uint8 or int8");
  }
  void expect_rank(std::size_t i, std::size_t rank) const {
    check(shape(i).size() == rank, "input '" + input(i).name + "' has shape " +
                                       shape_to_string(shape(i)) + ", expected rank " +
                                       std::to_string(rank));
  }
  // A [n]-vector (or scalar when n == 1 is allowed to be broadcast).
  void expect_vector(std::size_t i, std::int64_t n) const {
    check(shape(i).size() == 1 && shape(i)[0] == n, "input '" + input(i).name + "' has shape " +
                                                        shape_to_string(shape(i)) + ", expected [" +
                                                        std::to_string(n) + "]");
  }
  void expect_quant_params(const QuantParams& q, std::int64_t channels, const char* what) const {
    check(!q.scale.empty() && q.scale.size() == q.zero_point.size(),
          std::string(what) + " scale and zero point sizes differ");
    check(q.scale.size() == 1 || static_cast<std::int64_t>(q.scale.size()) == channels,
          std::string(what) + " has " + std::to_string(q.scale.size()) + " scales, expected 1 or " +
              std::to_string(channels));
    for (float s : q.scale)
      check(s > 0 && std::isfinite(s), std::string(what) + " scale must be positive and finite");
  }

  Shape window_output(const Shape& x, std::int64_t out_channels,
                      std::span<const std::int64_t> kernel, std::span<const std::int64_t> strides,
                      std::span<const std::int64_t> pads, std::span<const std::int64_t> dilations,
                      bool ceil_mode, bool pool) const {
    check(x.size() >= 3, "input shape " + shape_to_string(x) + " needs N, C and spatial axes");
    const std::size_t rank = x.size() - 2;
    check(rank <= kMaxSpatialRank,
          std::to_string(rank) + " spatial dimensions are unsupported (1-D and 2-D only)");
    check(kernel.size() == rank && strides.size() == rank && dilations.size() == rank &&
              pads.size() == 2 * rank,
          "kernel/strides/dilations/pads do not match " + std::to_string(rank) +
              " spatial dimensions");
    for (auto values : {kernel, strides, pads, dilations}) check_window_parameters(values);
    Shape out = {x[0], out_channels};
    for (std::size_t i = 0; i < rank; ++i) {
      check(kernel[i] >= 1 && strides[i] >= 1 && dilations[i] >= 1,
            "kernel, strides and dilations must be positive");
      check(pads[i] >= 0 && pads[rank + i] >= 0, "pads must be non-negative");
      const std::int64_t extent = (kernel[i] - 1) * dilations[i] + 1;
      if (pool)
        check(pads[i] < extent && pads[rank + i] < extent,
              "pads must be smaller than the kernel extent");
      const std::int64_t dim = window_output_dim(x[2 + i], kernel[i], strides[i], dilations[i],
                                                 pads[i], pads[rank + i], ceil_mode);
      check(dim >= 1, "window larger than the padded input " + shape_to_string(x));
      out.push_back(dim);
    }
    return out;
  }

 private:
  const Graph& graph_;
  const Node& node_;
};

// Shape of numpy matmul of a and b (ranks >= 1, batch axes broadcast).
Shape matmul_shape(const Checker& c, const Shape& a, const Shape& b) {
  c.check(!a.empty() && !b.empty(), "MatMul operands must have rank >= 1");
  Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  const std::int64_t k = a2.back();
  c.check(k == b2[b2.size() - 2],
          "inner dimensions differ: " + shape_to_string(a) + " x " + shape_to_string(b));
  Shape out =
      broadcast_shapes(std::span(a2).first(a2.size() - 2), std::span(b2).first(b2.size() - 2));
  if (a.size() > 1) out.push_back(a2[a2.size() - 2]);
  if (b.size() > 1) out.push_back(b2.back());
  return out;
}

TensorType infer(const Checker& c, const Node& node) {
  switch (node.kind) {
    case OpKind::kGemm: {
      const auto& a = node.attrs<GemmAttributes>();
      c.expect_inputs(2, 3);
      c.expect_dtype(0, DType::kFloat32);
      c.expect_dtype(1, DType::kFloat32);
      c.expect_rank(0, 2);
      c.expect_rank(1, 2);
      const Shape& sa = c.shape(0);
      const Shape& sb = c.shape(1);
      const std::int64_t m = a.trans_a ? sa[1] : sa[0];
      const std::int64_t k = a.trans_a ? sa[0] : sa[1];
      const std::int64_t kb = a.trans_b ? sb[1] : sb[0];
      const std::int64_t n = a.trans_b ? sb[0] : sb[1];
      c.check(k == kb,
              "inner dimensions differ: " + shape_to_string(sa) + " x " + shape_to_string(sb));
      if (c.has(2)) {
        c.expect_dtype(2, DType::kFloat32);
        const Shape out = {m, n};
        c.check(c.shape(2).size() <= 2 && broadcast_shapes(c.shape(2), out) == out,
                "C of shape " + shape_to_string(c.shape(2)) + " does not broadcast to " +
                    shape_to_string(out));
      }
      return {DType::kFloat32, {m, n}};
    }
    case OpKind::kMatMul:
      c.expect_inputs(2, 2);
      c.expect_dtype(0, DType::kFloat32);
      c.expect_dtype(1, DType::kFloat32);
      return {DType::kFloat32, matmul_shape(c, c.shape(0), c.shape(1))};
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul:
      c.expect_inputs(2, 2);
      c.expect_dtype(0, DType::kFloat32);
      c.expect_dtype(1, DType::kFloat32);
      return {DType::kFloat32, broadcast_shapes(c.shape(0), c.shape(1))};
    case OpKind::kConv: {
      const auto& a = node.attrs<ConvAttributes>();
      c.expect_inputs(2, 3);
      for (std::size_t i = 0; i < node.inputs.size(); ++i)
        if (c.has(i)) c.expect_dtype(i, DType::kFloat32);
      const Shape& x = c.shape(0);
      const Shape& w = c.shape(1);
      c.check(a.group >= 1, "group must be positive");
      c.check(x.size() >= 3 && w.size() == x.size(),
              "X " + shape_to_string(x) + " and W " + shape_to_string(w) + " ranks differ");
      c.check(x[1] % a.group == 0 && x[1] / a.group == w[1],
              "X has " + std::to_string(x[1]) + " channels, W expects " + std::to_string(w[1]) +
                  " x group " + std::to_string(a.group));
      c.check(w[0] % a.group == 0, "output channels not divisible by group");
      c.check(std::equal(a.kernel.begin(), a.kernel.end(), w.begin() + 2, w.end()),
              "kernel_shape does not match W " + shape_to_string(w));
      if (c.has(2)) c.expect_vector(2, w[0]);
      return {DType::kFloat32,
              c.window_output(x, w[0], a.kernel, a.strides, a.pads, a.dilations, false, false)};
    }
    case OpKind::kRelu:
    case OpKind::kLeakyRelu:
    case OpKind::kClip:
    case OpKind::kSigmoid:
    case OpKind::kTanh:
      c.expect_inputs(1, 1);
      c.expect_dtype(0, DType::kFloat32);
      if (node.kind == OpKind::kClip) {
        const auto& a = node.attrs<ClipAttributes>();
        c.check(!std::isnan(a.min) && !std::isnan(a.max), "min/max must not be NaN");
      }
      return {DType::kFloat32, c.shape(0)};
    case OpKind::kSoftmax: {
      const auto& a = node.attrs<SoftmaxAttributes>();
      c.expect_inputs(1, 1);
      c.expect_dtype(0, DType::kFloat32);
      const auto rank = static_cast<std::int64_t>(c.shape(0).size());
      c.check(0 <= a.first_axis && a.first_axis <= a.last_axis && a.last_axis < rank,
              "softmax axes out of range");
      return {DType::kFloat32, c.shape(0)};
    }
    case OpKind::kMaxPool:
    case OpKind::kAveragePool: {
      const auto& a = node.attrs<PoolAttributes>();
      c.expect_inputs(1, 1);
      c.expect_dtype(0, DType::kFloat32);
      const Shape& x = c.shape(0);
      c.check(x.size() >= 3, "input shape " + shape_to_string(x) + " needs N, C and spatial axes");
      return {DType::kFloat32, c.window_output(x, x[1], a.kernel, a.strides, a.pads, a.dilations,
                                               a.ceil_mode, true)};
    }
    case OpKind::kGlobalAveragePool: {
      c.expect_inputs(1, 1);
      c.expect_dtype(0, DType::kFloat32);
      Shape out = c.shape(0);
      c.check(out.size() >= 3, "input shape " + shape_to_string(out) + " needs spatial axes");
      std::fill(out.begin() + 2, out.end(), 1);
      return {DType::kFloat32, out};
    }
    case OpKind::kReshape: {
      const auto& a = node.attrs<ReshapeAttributes>();
      c.expect_inputs(1, 1);
      c.check(element_count(a.shape) == element_count(c.shape(0)),
              "cannot reshape " + shape_to_string(c.shape(0)) + " to " + shape_to_string(a.shape));
      return {c.input(0).dtype, a.shape};
    }
    case OpKind::kTranspose: {
      const auto& a = node.attrs<TransposeAttributes>();
      c.expect_inputs(1, 1);
      const Shape& x = c.shape(0);
      c.check(a.perm.size() == x.size(), "perm size differs from input rank");
      std::vector<bool> seen(x.size(), false);
      Shape out;
      for (std::int64_t p : a.perm) {
        c.check(p >= 0 && p < static_cast<std::int64_t>(x.size()) && !seen[p],
                "perm is not a permutation");
        seen[p] = true;
        out.push_back(x[p]);
      }
      return {c.input(0).dtype, out};
    }
    case OpKind::kConcat: {
      const auto& a = node.attrs<ConcatAttributes>();
      c.check(!node.inputs.empty(), "needs at least one input");
      Shape out = c.shape(0);
      c.check(a.axis >= 0 && a.axis < static_cast<std::int64_t>(out.size()), "axis out of range");
      out[a.axis] = 0;
      for (std::size_t i = 0; i < node.inputs.size(); ++i) {
        c.expect_dtype(i, c.input(0).dtype);
        const Shape& s = c.shape(i);
        c.check(s.size() == out.size(), "inputs have different ranks");
        for (std::size_t d = 0; d < s.size(); ++d)
          c.check(static_cast<std::int64_t>(d) == a.axis || s[d] == out[d],
                  "input shapes " + shape_to_string(c.shape(0)) + " and " + shape_to_string(s) +
                      " differ off the concat axis");
        out[a.axis] += s[a.axis];
      }
      return {c.input(0).dtype, out};
    }
    case OpKind::kBatchNormalization: {
      c.expect_inputs(5, 5);
      const Shape& x = c.shape(0);
      c.check(x.size() >= 2, "input needs N and C axes");
      for (std::size_t i = 0; i < 5; ++i) c.expect_dtype(i, DType::kFloat32);
      for (std::size_t i = 1; i < 5; ++i) {
        c.expect_vector(i, x[1]);
        c.check(c.input(i).kind == ValueKind::kConstant,
                "input '" + c.input(i).name + "' must be a constant");
      }
      return {DType::kFloat32, x};
    }
    case OpKind::kQuantizeLinear:
    case OpKind::kDequantizeLinear: {
      const auto& a = node.attrs<QuantizeAttributes>();
      c.expect_inputs(1, 1);
      const Shape& x = c.shape(0);
      const std::int64_t channels =
          a.axis < static_cast<std::int64_t>(x.size()) ? x[a.axis] : std::int64_t{1};
      c.check(a.params.scale.size() == 1 || a.axis < static_cast<std::int64_t>(x.size()),
              "axis out of range");
      c.expect_quant_params(a.params, channels, "quantization");
      if (node.kind == OpKind::kQuantizeLinear) {
        c.expect_dtype(0, DType::kFloat32);
        c.check(a.quantized == DType::kUInt8 || a.quantized == DType::kInt8,
                std::string("quantized dtype ") + dtype_name(a.quantized) + " unsupported");
        return {a.quantized, x};
      }
      c.expect_dtype(0, a.quantized);
      c.check(a.quantized == DType::kUInt8 || a.quantized == DType::kInt8 ||
                  a.quantized == DType::kInt32,
              std::string("dtype ") + dtype_name(a.quantized) + " unsupported");
      return {DType::kFloat32, x};
    }
    case OpKind::kQLinearMatMul: {
      const auto& a = node.attrs<QLinearMatMulAttributes>();
      c.expect_inputs(2, 2);
      c.expect_quantized_dtype(0);
      c.expect_quantized_dtype(1);
      const Shape out = matmul_shape(c, c.shape(0), c.shape(1));
      const std::int64_t columns = c.shape(1).size() == 1 ? 1 : c.shape(1).back();
      c.expect_quant_params(a.a, 1, "a");
      c.expect_quant_params(a.b, columns, "b");
      c.expect_quant_params(a.y, 1, "y");
      return {a.output, out};
    }
    case OpKind::kQLinearConv: {
      const auto& a = node.attrs<QLinearConvAttributes>();
      c.expect_inputs(2, 3);
      c.expect_quantized_dtype(0);
      c.expect_quantized_dtype(1);
      if (c.has(2)) c.expect_dtype(2, DType::kInt32);
      const Shape& x = c.shape(0);
      const Shape& w = c.shape(1);
      const ConvAttributes& conv = a.conv;
      c.check(conv.group >= 1, "group must be positive");
      c.check(x.size() >= 3 && w.size() == x.size(),
              "X " + shape_to_string(x) + " and W " + shape_to_string(w) + " ranks differ");
      c.check(x[1] % conv.group == 0 && x[1] / conv.group == w[1],
              "channel count does not match W and group");
      c.check(w[0] % conv.group == 0, "output channels not divisible by group");
      c.check(std::equal(conv.kernel.begin(), conv.kernel.end(), w.begin() + 2, w.end()),
              "kernel_shape does not match W " + shape_to_string(w));
      if (c.has(2)) c.expect_vector(2, w[0]);
      c.expect_quant_params(a.x, 1, "x");
      c.expect_quant_params(a.w, w[0], "w");
      c.expect_quant_params(a.y, 1, "y");
      return {a.output, c.window_output(x, w[0], conv.kernel, conv.strides, conv.pads,
                                        conv.dilations, false, false)};
    }
  }
  c.fail_node("unknown operator");
}

}  // namespace

TensorType infer_output_type(const Graph& graph, const Node& node) {
  const Checker checker(graph, node);
  TensorType type = infer(checker, node);
  element_count(type.shape);
  return type;
}

Shape broadcast_shapes(std::span<const std::int64_t> a, std::span<const std::int64_t> b) {
  const std::size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (std::size_t i = 0; i < rank; ++i) {
    const std::int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const std::int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      fail("shapes " + shape_to_string(a) + " and " + shape_to_string(b) + " do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<std::int64_t> resolve_pads(AutoPad auto_pad, std::span<const std::int64_t> spatial,
                                       std::span<const std::int64_t> kernel,
                                       std::span<const std::int64_t> strides,
                                       std::span<const std::int64_t> dilations,
                                       std::span<const std::int64_t> explicit_pads) {
  const std::size_t rank = spatial.size();
  if (auto_pad == AutoPad::kNotSet) return {explicit_pads.begin(), explicit_pads.end()};
  std::vector<std::int64_t> pads(2 * rank, 0);
  if (auto_pad == AutoPad::kValid) return pads;
  if (kernel.size() != rank || strides.size() != rank || dilations.size() != rank)
    fail("kernel/strides/dilations do not match the spatial rank");
  for (auto values : {kernel, strides, dilations}) check_window_parameters(values);
  for (std::size_t i = 0; i < rank; ++i) {
    if (strides[i] < 1 || kernel[i] < 1 || dilations[i] < 1)
      fail("kernel, strides and dilations must be positive");
    const std::int64_t out = (spatial[i] + strides[i] - 1) / strides[i];
    const std::int64_t extent = (kernel[i] - 1) * dilations[i] + 1;
    const std::int64_t total =
        std::max<std::int64_t>(0, (out - 1) * strides[i] + extent - spatial[i]);
    const std::int64_t small = total / 2;
    pads[i] = auto_pad == AutoPad::kSameUpper ? small : total - small;
    pads[rank + i] = total - pads[i];
  }
  return pads;
}

std::int64_t window_output_dim(std::int64_t input, std::int64_t kernel, std::int64_t stride,
                               std::int64_t dilation, std::int64_t pad_begin, std::int64_t pad_end,
                               bool ceil_mode) {
  const std::int64_t span = input + pad_begin + pad_end - ((kernel - 1) * dilation + 1);
  if (span < 0) return 0;
  std::int64_t out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil_mode && (out - 1) * stride >= input + pad_begin) --out;
  return out;
}

}  // namespace zkinfer::model
