// SPDX-License-Identifier: Apache-2.0
// One builder per supported ONNX operator: reads inputs and attributes
// (opset 9..17 variants), resolves everything static into typed attributes
// and emits IR nodes. Rewrites (Div -> Mul, Flatten -> Reshape, Identity and
// Dropout aliases) happen here; see docs/onnx-import.md.
#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "base/error.hpp"
#include "model/onnx_node.hpp"
#include "model/onnx_tensor.hpp"
#include "model/shape_inference.hpp"

namespace zkinfer::model::onnx_import {

namespace {

std::int64_t normalize_axis(const NodeContext& ctx, std::int64_t axis, std::int64_t rank,
                            bool inclusive_end = false) {
  const std::int64_t hi = inclusive_end ? rank : rank - 1;
  ctx.check(axis >= -rank && axis <= hi, "attribute 'axis' = " + std::to_string(axis) +
                                             " out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

// Kernel, strides, dilations and pads of a Conv or pool, with auto_pad
// resolved into explicit pads.
struct WindowAttributes {
  std::vector<std::int64_t> kernel, strides, pads, dilations;
};

WindowAttributes read_window(NodeContext& ctx, const Shape& x,
                             std::optional<std::vector<std::int64_t>> weight_kernel,
                             bool has_dilations) {
  ctx.check(x.size() >= 3,
            "input shape " + shape_to_string(x) + " needs N, C and at least one spatial axis");
  const std::size_t rank = x.size() - 2;
  WindowAttributes w;
  auto sized = [&ctx](const char* name, std::optional<std::vector<std::int64_t>> v,
                      std::size_t size, std::int64_t fill, std::int64_t min) {
    std::vector<std::int64_t> out = v.value_or(std::vector<std::int64_t>(size, fill));
    ctx.check(out.size() == size, std::string("attribute '") + name + "' has " +
                                      std::to_string(out.size()) + " entries, expected " +
                                      std::to_string(size));
    for (std::int64_t e : out)
      ctx.check(e >= min,
                std::string("attribute '") + name + "' has invalid entry " + std::to_string(e));
    return out;
  };
  std::optional<std::vector<std::int64_t>> kernel = ctx.ints_attr("kernel_shape");
  if (!kernel) kernel = weight_kernel;
  ctx.check(kernel.has_value(), "missing attribute 'kernel_shape'");
  w.kernel = sized("kernel_shape", kernel, rank, 1, 1);
  w.strides = sized("strides", ctx.ints_attr("strides"), rank, 1, 1);
  w.dilations =
      sized("dilations", has_dilations ? ctx.ints_attr("dilations") : std::nullopt, rank, 1, 1);
  const std::vector<std::int64_t> pads = sized("pads", ctx.ints_attr("pads"), 2 * rank, 0, 0);
  const std::string auto_pad = ctx.string_attr("auto_pad", "NOTSET");
  AutoPad mode = AutoPad::kNotSet;
  if (auto_pad == "VALID")
    mode = AutoPad::kValid;
  else if (auto_pad == "SAME_UPPER")
    mode = AutoPad::kSameUpper;
  else if (auto_pad == "SAME_LOWER")
    mode = AutoPad::kSameLower;
  else
    ctx.check(auto_pad == "NOTSET", "unsupported auto_pad value '" + auto_pad + "'");
  ctx.check(mode == AutoPad::kNotSet ||
                std::all_of(pads.begin(), pads.end(), [](std::int64_t p) { return p == 0; }),
            "attributes 'auto_pad' and 'pads' are both set");
  try {
    w.pads = resolve_pads(mode, std::span(x).subspan(2), w.kernel, w.strides, w.dilations, pads);
  } catch (const Error& e) {
    ctx.fail(e.what());
  }
  return w;
}

ConvAttributes read_conv(NodeContext& ctx, const Shape& x, const Shape& w) {
  ctx.check(w.size() >= 3, "weight shape " + shape_to_string(w) + " needs spatial axes");
  WindowAttributes win =
      read_window(ctx, x, std::vector<std::int64_t>(w.begin() + 2, w.end()), true);
  return {std::move(win.kernel), std::move(win.strides), std::move(win.pads),
          std::move(win.dilations), ctx.int_attr("group", 1)};
}

// Scale and zero point of a quantization operator: constant inputs, one
// element (per tensor) or a 1-D tensor (per axis). The zero point defaults
// to 0 of `default_dtype`; returns its dtype through `zero_point_dtype`.
QuantParams read_quant_params(const NodeContext& ctx, std::size_t scale_index,
                              std::size_t zero_point_index, const char* role, DType default_dtype,
                              DType* zero_point_dtype) {
  const std::string scale_role = std::string(role) + " scale";
  const TensorView scale = ctx.constant(scale_index, scale_role.c_str());
  ctx.check(scale.dtype == DType::kFloat32,
            scale_role + " has dtype " + dtype_name(scale.dtype) + ", expected float32");
  ctx.check(scale.shape.size() <= 1 && !scale.data.empty(),
            scale_role + " must be a scalar or a 1-D tensor");
  QuantParams q{{scale.data.begin(), scale.data.end()}, std::vector<float>(scale.data.size(), 0)};
  *zero_point_dtype = default_dtype;
  if (ctx.has_input(zero_point_index)) {
    const std::string zp_role = std::string(role) + " zero point";
    const TensorView zp = ctx.constant(zero_point_index, zp_role.c_str());
    ctx.check(zp.data.size() == scale.data.size(), zp_role + " and scale have different sizes");
    ctx.check(zp.dtype == DType::kUInt8 || zp.dtype == DType::kInt8 || zp.dtype == DType::kInt32,
              zp_role + " has unsupported dtype " + dtype_name(zp.dtype));
    q.zero_point.assign(zp.data.begin(), zp.data.end());
    *zero_point_dtype = zp.dtype;
  }
  return q;
}

void check_zero_point_dtype(const NodeContext& ctx, DType zero_point, DType tensor,
                            const char* role) {
  ctx.check(zero_point == tensor, std::string(role) + " zero point has dtype " +
                                      dtype_name(zero_point) + " but the tensor is " +
                                      dtype_name(tensor));
}

// ---------------------------------------------------------------------------

void build_gemm(NodeContext& ctx) {
  ctx.expect_inputs(2, 3);
  ctx.check(ctx.opset() >= 11 || ctx.has_input(2), "input C is required before opset 11");
  GemmAttributes a;
  a.alpha = ctx.float_attr("alpha", 1.0f);
  a.beta = ctx.float_attr("beta", 1.0f);
  a.trans_a = ctx.int_attr("transA", 0) != 0;
  a.trans_b = ctx.int_attr("transB", 0) != 0;
  ctx.emit(OpKind::kGemm, {ctx.input(0), ctx.input(1), ctx.optional_input(2)}, a);
}

template <OpKind kind>
void build_binary(NodeContext& ctx) {
  ctx.expect_inputs(2, 2);
  ctx.emit(kind, {ctx.input(0), ctx.input(1)}, {});
}

// x / c becomes x * (1 / c): the integer pipeline has multiplications, not
// divisions, and a division by a non-constant is not supported at all.
void build_div(NodeContext& ctx) {
  ctx.expect_inputs(2, 2);
  const TensorView divisor = ctx.constant(1, "divisor; Div is supported by a constant only");
  ctx.check(divisor.dtype == DType::kFloat32, std::string("divisor has dtype ") +
                                                  dtype_name(divisor.dtype) +
                                                  "; Div is supported on float32 only");
  Tensor reciprocal{DType::kFloat32, Shape(divisor.shape.begin(), divisor.shape.end()), {}};
  for (std::size_t i = 0; i < divisor.data.size(); ++i) {
    ctx.check(divisor.data[i] != 0.0f, "divisor element " + std::to_string(i) + " is zero");
    reciprocal.data.push_back(1.0f / divisor.data[i]);
  }
  const ValueId c = ctx.add_constant(ctx.value(1).name + "/reciprocal", std::move(reciprocal));
  ctx.emit(OpKind::kMul, {ctx.input(0), c}, {});
}

void build_conv(NodeContext& ctx) {
  ctx.expect_inputs(2, 3);
  ConvAttributes a = read_conv(ctx, ctx.value(0).shape, ctx.value(1).shape);
  ctx.emit(OpKind::kConv, {ctx.input(0), ctx.input(1), ctx.optional_input(2)}, std::move(a));
}

template <OpKind kind>
void build_unary(NodeContext& ctx) {
  ctx.expect_inputs(1, 1);
  ctx.emit(kind, {ctx.input(0)}, {});
}

void build_leaky_relu(NodeContext& ctx) {
  ctx.expect_inputs(1, 1);
  ctx.emit(OpKind::kLeakyRelu, {ctx.input(0)}, LeakyReluAttributes{ctx.float_attr("alpha", 0.01f)});
}

void build_clip(NodeContext& ctx) {
  ClipAttributes a;
  if (ctx.opset() < 11) {
    ctx.expect_inputs(1, 1);
    a.min = ctx.float_attr("min", a.min);
    a.max = ctx.float_attr("max", a.max);
  } else {
    ctx.expect_inputs(1, 3);
    for (std::size_t i = 1; i <= 2; ++i) {
      if (!ctx.has_input(i)) continue;
      const char* role = i == 1 ? "min" : "max";
      const TensorView bound = ctx.constant(i, role);
      ctx.check(bound.dtype == DType::kFloat32 && bound.data.size() == 1,
                std::string(role) + " must be a float32 scalar");
      (i == 1 ? a.min : a.max) = bound.data[0];
    }
  }
  ctx.emit(OpKind::kClip, {ctx.input(0)}, a);
}

void build_softmax(NodeContext& ctx) {
  ctx.expect_inputs(1, 1);
  const bool legacy = ctx.opset() < 13;  // coerce to 2-D at axis
  const auto rank = static_cast<std::int64_t>(ctx.value(0).shape.size());
  const std::int64_t axis = normalize_axis(ctx, ctx.int_attr("axis", legacy ? 1 : -1), rank);
  ctx.emit(OpKind::kSoftmax, {ctx.input(0)}, SoftmaxAttributes{axis, legacy ? rank - 1 : axis});
}

void build_max_pool(NodeContext& ctx) {
  ctx.expect_inputs(1, 1);
  ctx.reject_used_outputs(1, "the MaxPool indices");
  ctx.ignore_attr("storage_order");  // only affects the indices
  const bool ceil_mode = ctx.int_attr("ceil_mode", 0) != 0;
  WindowAttributes w = read_window(ctx, ctx.value(0).shape, std::nullopt, true);
  ctx.emit(OpKind::kMaxPool, {ctx.input(0)},
           PoolAttributes{std::move(w.kernel), std::move(w.strides), std::move(w.pads),
                          std::move(w.dilations), ceil_mode, false});
}

void build_average_pool(NodeContext& ctx) {
  ctx.expect_inputs(1, 1);
  const bool ceil_mode = ctx.int_attr("ceil_mode", 0) != 0;
  const bool count_include_pad = ctx.int_attr("count_include_pad", 0) != 0;
  WindowAttributes w = read_window(ctx, ctx.value(0).shape, std::nullopt, false);
  ctx.emit(OpKind::kAveragePool, {ctx.input(0)},
           PoolAttributes{std::move(w.kernel), std::move(w.strides), std::move(w.pads),
                          std::move(w.dilations), ceil_mode, count_include_pad});
}

void build_flatten(NodeContext& ctx) {
  ctx.expect_inputs(1, 1);
  const Shape& x = ctx.value(0).shape;
  const auto rank = static_cast<std::int64_t>(x.size());
  const std::int64_t axis = normalize_axis(ctx, ctx.int_attr("axis", 1), rank, true);
  const std::int64_t outer = element_count(std::span(x).first(static_cast<std::size_t>(axis)));
  ctx.check(element_count(x) > 0, "input is an empty tensor");
  ctx.emit(OpKind::kReshape, {ctx.input(0)}, ReshapeAttributes{{outer, element_count(x) / outer}});
}

void build_reshape(NodeContext& ctx) {
  ctx.expect_inputs(2, 2);
  const bool allow_zero = ctx.opset() >= 14 && ctx.int_attr("allowzero", 0) != 0;
  const TensorView shape = ctx.constant(1, "shape");
  ctx.check(shape.dtype == DType::kInt64 && shape.shape.size() == 1,
            "shape must be a 1-D int64 tensor");
  const Shape& x = ctx.value(0).shape;
  Shape out;
  std::optional<std::size_t> inferred;
  for (std::size_t i = 0; i < shape.data.size(); ++i) {
    const auto d = static_cast<std::int64_t>(shape.data[i]);
    if (d == -1) {
      ctx.check(!inferred, "shape has more than one -1");
      inferred = i;
      out.push_back(1);
    } else if (d == 0 && !allow_zero) {
      ctx.check(i < x.size(), "shape entry " + std::to_string(i) +
                                  " is 0 (copy) but the input has rank " +
                                  std::to_string(x.size()));
      out.push_back(x[i]);
    } else {
      ctx.check(d > 0, "shape entry " + std::to_string(i) + " = " + std::to_string(d) +
                           " is unsupported (zero-sized or negative)");
      out.push_back(d);
    }
  }
  const std::int64_t total = element_count(x);
  const std::int64_t known = element_count(out);
  if (inferred) {
    ctx.check(known > 0 && total % known == 0,
              "cannot reshape " + shape_to_string(x) + " to " + shape_to_string(out) + " with -1");
    out[*inferred] = total / known;
  }
  ctx.emit(OpKind::kReshape, {ctx.input(0)}, ReshapeAttributes{std::move(out)});
}

void build_transpose(NodeContext& ctx) {
  ctx.expect_inputs(1, 1);
  std::vector<std::int64_t> perm(ctx.value(0).shape.size());
  for (std::size_t i = 0; i < perm.size(); ++i)
    perm[i] = static_cast<std::int64_t>(perm.size() - 1 - i);
  ctx.emit(OpKind::kTranspose, {ctx.input(0)},
           TransposeAttributes{ctx.ints_attr("perm").value_or(perm)});
}

void build_concat(NodeContext& ctx) {
  ctx.check(ctx.input_count() >= 1, "needs at least one input");
  const std::optional<std::int64_t> axis = ctx.int_attr("axis");
  ctx.check(axis.has_value(), "missing attribute 'axis'");
  const auto rank = static_cast<std::int64_t>(ctx.value(0).shape.size());
  std::vector<ValueId> inputs;
  for (std::size_t i = 0; i < ctx.input_count(); ++i) inputs.push_back(ctx.input(i));
  ctx.emit(OpKind::kConcat, std::move(inputs), ConcatAttributes{normalize_axis(ctx, *axis, rank)});
}

void build_identity(NodeContext& ctx) {
  ctx.expect_inputs(1, 1);
  ctx.alias_output(ctx.input(0));
}

// Inference-mode Dropout is the identity; the ratio does not matter.
void build_dropout(NodeContext& ctx) {
  ctx.expect_inputs(1, 3);
  ctx.reject_used_outputs(1, "the Dropout mask");
  ctx.ignore_attr(ctx.opset() < 12 ? "ratio" : "seed");
  if (ctx.has_input(2)) {
    const TensorView training = ctx.constant(2, "training_mode");
    ctx.check(training.data.size() == 1 && training.data[0] == 0.0f,
              "training_mode must be false (inference only)");
  }
  ctx.alias_output(ctx.input(0));
}

void build_batch_norm(NodeContext& ctx) {
  ctx.expect_inputs(5, 5);
  ctx.reject_used_outputs(1, "training statistics");
  ctx.ignore_attr("momentum");  // training only
  if (ctx.opset() >= 14)
    ctx.check(ctx.int_attr("training_mode", 0) == 0,
              "training_mode=1 is unsupported (inference only)");
  const float epsilon = ctx.float_attr("epsilon", 1e-5f);
  const char* roles[] = {"scale", "B", "mean", "var"};
  for (std::size_t i = 1; i <= 4; ++i) ctx.constant(i, roles[i - 1]);
  ctx.emit(OpKind::kBatchNormalization,
           {ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3), ctx.input(4)},
           BatchNormAttributes{epsilon});
}

void build_constant(NodeContext& ctx) {
  ctx.expect_inputs(0, 0);
  const std::string what = "node '" + ctx.name() + "' (Constant) attribute 'value'";
  std::vector<Tensor> values;
  if (const onnx::TensorProto* t = ctx.tensor_attr("value"))
    values.push_back(tensor_from_proto(*t, what, ctx.builder().options().max_tensor_elements));
  if (const auto f = ctx.optional_float_attr("value_float"))
    values.push_back({DType::kFloat32, {}, {*f}});
  if (const auto fs = ctx.floats_attr("value_floats"))
    values.push_back({DType::kFloat32, {static_cast<std::int64_t>(fs->size())}, *fs});
  auto ints = [&ctx](std::vector<std::int64_t> v, Shape shape) {
    Tensor t{DType::kInt64, std::move(shape), {}};
    for (std::int64_t e : v) {
      ctx.check(std::abs(static_cast<double>(e)) <= dtype_max(DType::kInt64),
                "integer constant beyond +-2^24 is unsupported");
      t.data.push_back(static_cast<float>(e));
    }
    return t;
  };
  if (const auto i = ctx.int_attr("value_int")) values.push_back(ints({*i}, {}));
  if (const auto is = ctx.ints_attr("value_ints"))
    values.push_back(ints(*is, {static_cast<std::int64_t>(is->size())}));
  ctx.finish();  // sparse_value and string values are reported as unsupported
  ctx.check(values.size() == 1, "needs exactly one value attribute");
  ctx.define_constant(std::move(values[0]));
}

// Axis of a per-axis quantization parameter (ignored when per tensor).
std::int64_t quant_axis(NodeContext& ctx, const QuantParams& q) {
  const std::int64_t axis = ctx.opset() >= 13 ? ctx.int_attr("axis", 1) : 1;
  if (q.scale.size() == 1) return 0;
  return normalize_axis(ctx, axis, static_cast<std::int64_t>(ctx.value(0).shape.size()));
}

void build_quantize(NodeContext& ctx) {
  ctx.expect_inputs(2, 3);
  DType dtype;
  QuantParams q = read_quant_params(ctx, 1, 2, "y", DType::kUInt8, &dtype);
  ctx.check(dtype == DType::kUInt8 || dtype == DType::kInt8,
            std::string("output dtype ") + dtype_name(dtype) + " is unsupported");
  const std::int64_t axis = quant_axis(ctx, q);
  ctx.emit(OpKind::kQuantizeLinear, {ctx.input(0)}, QuantizeAttributes{axis, std::move(q), dtype});
}

void build_dequantize(NodeContext& ctx) {
  ctx.expect_inputs(2, 3);
  const DType x_dtype = ctx.value(0).dtype;
  DType dtype;
  QuantParams q = read_quant_params(ctx, 1, 2, "x", x_dtype, &dtype);
  check_zero_point_dtype(ctx, dtype, x_dtype, "x");
  if (x_dtype == DType::kInt32)
    for (float zp : q.zero_point) ctx.check(zp == 0.0f, "int32 input needs a zero point of 0");
  const std::int64_t axis = quant_axis(ctx, q);
  ctx.emit(OpKind::kDequantizeLinear, {ctx.input(0)},
           QuantizeAttributes{axis, std::move(q), x_dtype});
}

// (a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point)
// is the input layout shared by QLinearMatMul and QLinearConv.
struct QLinearParams {
  QuantParams a, b, y;
  DType output;
};

QLinearParams read_qlinear_params(const NodeContext& ctx, const char* a_role, const char* b_role) {
  QLinearParams p;
  DType dtype;
  p.a = read_quant_params(ctx, 1, 2, a_role, ctx.value(0).dtype, &dtype);
  check_zero_point_dtype(ctx, dtype, ctx.value(0).dtype, a_role);
  p.b = read_quant_params(ctx, 4, 5, b_role, ctx.value(3).dtype, &dtype);
  check_zero_point_dtype(ctx, dtype, ctx.value(3).dtype, b_role);
  p.y = read_quant_params(ctx, 6, 7, "y", DType::kUInt8, &p.output);
  ctx.check(p.output == DType::kUInt8 || p.output == DType::kInt8,
            std::string("output dtype ") + dtype_name(p.output) + " is unsupported");
  return p;
}

void build_qlinear_matmul(NodeContext& ctx) {
  ctx.expect_inputs(8, 8);
  QLinearParams p = read_qlinear_params(ctx, "a", "b");
  ctx.emit(OpKind::kQLinearMatMul, {ctx.input(0), ctx.input(3)},
           QLinearMatMulAttributes{std::move(p.a), std::move(p.b), std::move(p.y), p.output});
}

void build_qlinear_conv(NodeContext& ctx) {
  ctx.expect_inputs(8, 9);
  QLinearParams p = read_qlinear_params(ctx, "x", "w");
  ConvAttributes conv = read_conv(ctx, ctx.value(0).shape, ctx.value(3).shape);
  ctx.emit(OpKind::kQLinearConv, {ctx.input(0), ctx.input(3), ctx.optional_input(8)},
           QLinearConvAttributes{std::move(conv), std::move(p.a), std::move(p.b), std::move(p.y),
                                 p.output});
}

}  // namespace

OpBuilder find_op_builder(std::string_view op_type) {
  static const std::unordered_map<std::string_view, OpBuilder> builders = {
      {"Gemm", build_gemm},
      {"MatMul", build_binary<OpKind::kMatMul>},
      {"Add", build_binary<OpKind::kAdd>},
      {"Sub", build_binary<OpKind::kSub>},
      {"Mul", build_binary<OpKind::kMul>},
      {"Div", build_div},
      {"Conv", build_conv},
      {"Relu", build_unary<OpKind::kRelu>},
      {"LeakyRelu", build_leaky_relu},
      {"Clip", build_clip},
      {"Sigmoid", build_unary<OpKind::kSigmoid>},
      {"Tanh", build_unary<OpKind::kTanh>},
      {"Softmax", build_softmax},
      {"MaxPool", build_max_pool},
      {"AveragePool", build_average_pool},
      {"GlobalAveragePool", build_unary<OpKind::kGlobalAveragePool>},
      {"Flatten", build_flatten},
      {"Reshape", build_reshape},
      {"Transpose", build_transpose},
      {"Concat", build_concat},
      {"Identity", build_identity},
      {"Dropout", build_dropout},
      {"BatchNormalization", build_batch_norm},
      {"Constant", build_constant},
      {"QuantizeLinear", build_quantize},
      {"DequantizeLinear", build_dequantize},
      {"QLinearMatMul", build_qlinear_matmul},
      {"QLinearConv", build_qlinear_conv},
  };
  const auto it = builders.find(op_type);
  return it == builders.end() ? nullptr : it->second;
}

}  // namespace zkinfer::model::onnx_import

namespace zkinfer::model {

bool is_supported_operator(std::string_view op_type) {
  return onnx_import::find_op_builder(op_type) != nullptr;
}

}  // namespace zkinfer::model
