// SPDX-License-Identifier: Apache-2.0
#include "model/quantized_model.hpp"

#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/atomic_file.hpp"
#include "base/error.hpp"
#include "model/onnx_import.hpp"

namespace zkinfer::model {
namespace {

constexpr std::uint32_t kFileMagic = 0x4d514b5a;  // "ZKQM"
constexpr std::size_t kMaxQuantizedModelBytes = std::size_t{1} << 32;
constexpr std::size_t kMaxRank = 8;
constexpr std::size_t kMaxWeightElements = std::size_t{1} << 32;

// The variant index of QOp, serialized as the operator tag.
enum class OpTag : std::uint8_t {
  kGemm,
  kConv,
  kMaxPool,
  kRequantize,
  kReshape,
  kAdd,
  kMul,
  kTable,
  kAveragePool,
  kSoftmax,
  kConcat,
  kTranspose,
};
constexpr std::uint8_t kLastTag = static_cast<std::uint8_t>(OpTag::kTranspose);

OpTag tag_of(const QOp& op) {
  return static_cast<OpTag>(op.index());
}

// The integer range of a weight type (scale and zero point unused).
ops::QuantParams weight_range(WeightType type) {
  return type == WeightType::kUInt8 ? ops::QuantParams::uint8(1.0) : ops::QuantParams::int8(1.0);
}

// ---- writing -------------------------------------------------------------

void put_i32(ByteWriter& w, std::int32_t v) {
  w.u32(static_cast<std::uint32_t>(v));
}
void put_f64(ByteWriter& w, double v) {
  w.u64(std::bit_cast<std::uint64_t>(v));
}
void put_size(ByteWriter& w, std::size_t v) {
  w.u64(v);
}
void put_string(ByteWriter& w, const std::string& s) {
  w.u32(static_cast<std::uint32_t>(s.size()));
  w.raw(ByteSpan(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}
void put_shape(ByteWriter& w, const ops::Shape& shape) {
  w.u32(static_cast<std::uint32_t>(shape.size()));
  for (std::size_t d : shape) put_size(w, d);
}
template <std::size_t N>
void put_array(ByteWriter& w, const std::array<std::size_t, N>& a) {
  for (std::size_t v : a) put_size(w, v);
}
void put_quant(ByteWriter& w, const ops::QuantParams& q) {
  put_f64(w, q.scale);
  put_i32(w, q.zero_point);
  put_i32(w, q.lo);
  put_i32(w, q.hi);
}
void put_clamp(ByteWriter& w, const ops::OutputClamp& c) {
  put_i32(w, c.zero_point);
  put_i32(w, c.lo);
  put_i32(w, c.hi);
}
void put_requants(ByteWriter& w, const std::vector<ops::Requant>& requants) {
  w.u32(static_cast<std::uint32_t>(requants.size()));
  for (const ops::Requant& q : requants) {
    put_i32(w, q.multiplier);
    put_i32(w, q.shift);
  }
}
void put_values(ByteWriter& w, const std::vector<std::int32_t>& values) {
  w.u32(static_cast<std::uint32_t>(values.size()));
  for (std::int32_t v : values) put_i32(w, v);
}
void put_rescale(ByteWriter& w, const ops::Rescale& r) {
  put_requants(w, r.requants);
  put_clamp(w, r.output);
}
void put_mac(ByteWriter& w, const ops::MacQuant& m) {
  put_i32(w, m.input_zero_point);
  w.u32(static_cast<std::uint32_t>(m.weight_zero_points.size()));
  for (std::int32_t z : m.weight_zero_points) put_i32(w, z);
  put_rescale(w, m.rescale);
}
void put_window(ByteWriter& w, const ops::Window2d& win) {
  put_array(w, win.kernel);
  put_array(w, win.strides);
  put_array(w, win.dilations);
  put_array(w, win.pads);
}
void put_weight_shapes(ByteWriter& w, const ops::IntTensor& weights, WeightType type,
                       const std::vector<std::int32_t>& bias, const std::vector<double>& scales) {
  put_shape(w, weights.shape);
  w.u8(static_cast<std::uint8_t>(type));
  w.u32(static_cast<std::uint32_t>(bias.size()));
  w.u32(static_cast<std::uint32_t>(scales.size()));
  for (double s : scales) put_f64(w, s);
}

void put_op(ByteWriter& w, const QGemm& op) {
  put_mac(w, op.quant);
  put_weight_shapes(w, op.weights, op.weight_type, op.bias, op.weight_scales);
}
void put_op(ByteWriter& w, const QConv& op) {
  put_array(w, op.params.strides);
  put_array(w, op.params.dilations);
  put_array(w, op.params.pads);
  put_size(w, op.params.groups);
  put_mac(w, op.params.quant);
  put_weight_shapes(w, op.weights, op.weight_type, op.bias, op.weight_scales);
}
void put_op(ByteWriter& w, const QMaxPool& op) {
  put_window(w, op.params.window);
  w.u8(op.params.count_include_pad ? 1 : 0);
}
void put_op(ByteWriter& w, const QRequantize& op) {
  put_i32(w, op.input_zero_point);
  put_rescale(w, op.rescale);
}
void put_op(ByteWriter&, const QReshape&) {}
void put_op(ByteWriter& w, const QAdd& op) {
  put_i32(w, op.params.a_zero_point);
  put_i32(w, op.params.b_zero_point);
  put_i32(w, op.params.requant.multiplier_a);
  put_i32(w, op.params.requant.multiplier_b);
  put_i32(w, op.params.requant.shift);
  put_clamp(w, op.params.output);
  w.u8(op.subtract ? 1 : 0);
}
void put_op(ByteWriter& w, const QMul& op) {
  put_i32(w, op.params.a_zero_point);
  put_i32(w, op.params.b_zero_point);
  put_requants(w, {op.params.requant});
  put_clamp(w, op.params.output);
}
void put_op(ByteWriter& w, const QTable& op) {
  put_i32(w, op.table.input_lo);
  put_values(w, op.table.outputs);
}
void put_op(ByteWriter& w, const QAveragePool& op) {
  put_window(w, op.params.window);
  w.u8(op.params.count_include_pad ? 1 : 0);
  put_i32(w, op.quant.input_zero_point);
  put_requants(w, op.quant.per_count);
  put_clamp(w, op.quant.output);
  w.u8(op.global ? 1 : 0);
}
void put_op(ByteWriter& w, const QSoftmax& op) {
  put_size(w, op.params.axis);
  put_values(w, op.params.exp_table);
  put_i32(w, op.params.one);
  put_clamp(w, op.params.output);
}
void put_op(ByteWriter& w, const QConcat& op) {
  put_size(w, op.axis);
}
void put_op(ByteWriter& w, const QTranspose& op) {
  w.u32(static_cast<std::uint32_t>(op.perm.size()));
  for (std::size_t p : op.perm) put_size(w, p);
}

// One byte per weight: the low 8 bits, read back as the weight type says.
template <class Op>
void put_weight_values(ByteWriter& w, const Op& op, const std::string& node) {
  const ops::QuantParams range = weight_range(op.weight_type);
  for (std::int32_t v : op.weights.values) {
    if (v < range.lo || v > range.hi)
      fail("node '" + node + "': weight " + std::to_string(v) + " not " +
           weight_type_name(op.weight_type));
    w.u8(static_cast<std::uint8_t>(v));
  }
  for (std::int32_t b : op.bias) put_i32(w, b);
}

// ---- reading -------------------------------------------------------------

std::int32_t get_i32(ByteReader& r, const char* what) {
  return static_cast<std::int32_t>(r.u32(what));
}
double get_f64(ByteReader& r, const char* what) {
  const double v = std::bit_cast<double>(r.u64(what));
  if (!std::isfinite(v)) fail(std::string(what) + ": not a finite number");
  return v;
}
// A count of items each at least `min_item_bytes` long: bounded by what is
// left, so a corrupted count cannot make us allocate.
std::size_t get_count(ByteReader& r, std::size_t min_item_bytes, const char* what) {
  const std::size_t n = r.u32(what);
  if (n * min_item_bytes > r.remaining())
    fail(std::string(what) + " " + std::to_string(n) + " exceeds the remaining input");
  return n;
}
std::size_t get_size(ByteReader& r, const char* what) {
  const std::uint64_t v = r.u64(what);
  if (v > (std::uint64_t{1} << 40))
    fail(std::string(what) + " " + std::to_string(v) + " too large");
  return static_cast<std::size_t>(v);
}
std::string get_string(ByteReader& r, const char* what) {
  const std::size_t n = get_count(r, 1, what);
  const ByteSpan s = r.raw(n, what);
  return std::string(s.begin(), s.end());
}
ops::Shape get_shape(ByteReader& r, const char* what) {
  const std::size_t rank = get_count(r, 8, what);
  if (rank > kMaxRank) fail(std::string(what) + ": rank " + std::to_string(rank) + " above 8");
  ops::Shape shape(rank);
  for (std::size_t& d : shape) d = get_size(r, what);
  return shape;
}
template <std::size_t N>
std::array<std::size_t, N> get_array(ByteReader& r, const char* what) {
  std::array<std::size_t, N> a{};
  for (std::size_t& v : a) v = get_size(r, what);
  return a;
}
ops::QuantParams get_quant(ByteReader& r) {
  ops::QuantParams q;
  q.scale = get_f64(r, "tensor scale");
  q.zero_point = get_i32(r, "tensor zero point");
  q.lo = get_i32(r, "tensor lo");
  q.hi = get_i32(r, "tensor hi");
  return q;
}
ops::OutputClamp get_clamp(ByteReader& r) {
  ops::OutputClamp c;
  c.zero_point = get_i32(r, "output zero point");
  c.lo = get_i32(r, "output lo");
  c.hi = get_i32(r, "output hi");
  return c;
}
std::vector<ops::Requant> get_requants(ByteReader& r) {
  std::vector<ops::Requant> requants(get_count(r, 8, "requant count"));
  for (ops::Requant& q : requants) {
    q.multiplier = get_i32(r, "requant multiplier");
    q.shift = get_i32(r, "requant shift");
  }
  return requants;
}
std::vector<std::int32_t> get_values(ByteReader& r, const char* what) {
  std::vector<std::int32_t> values(get_count(r, 4, what));
  for (std::int32_t& v : values) v = get_i32(r, what);
  return values;
}
bool get_flag(ByteReader& r, const char* what) {
  const std::uint8_t flag = r.u8(what);
  if (flag > 1) fail(std::string(what) + " flag " + std::to_string(flag) + " not 0 or 1");
  return flag == 1;
}
ops::Window2d get_window(ByteReader& r) {
  ops::Window2d win;
  win.kernel = get_array<2>(r, "pool kernel");
  win.strides = get_array<2>(r, "pool strides");
  win.dilations = get_array<2>(r, "pool dilations");
  win.pads = get_array<4>(r, "pool pads");
  return win;
}
ops::Rescale get_rescale(ByteReader& r) {
  ops::Rescale rescale;
  rescale.requants = get_requants(r);
  rescale.output = get_clamp(r);
  return rescale;
}
ops::MacQuant get_mac(ByteReader& r) {
  ops::MacQuant m;
  m.input_zero_point = get_i32(r, "input zero point");
  m.weight_zero_points.resize(get_count(r, 4, "weight zero point count"));
  for (std::int32_t& z : m.weight_zero_points) z = get_i32(r, "weight zero point");
  m.rescale = get_rescale(r);
  return m;
}
template <class Op>
void get_weight_shapes(ByteReader& r, Op& op) {
  op.weights.shape = get_shape(r, "weight shape");
  const std::uint8_t type = r.u8("weight type");
  if (type > static_cast<std::uint8_t>(WeightType::kUInt8))
    fail("unknown weight type " + std::to_string(type));
  op.weight_type = static_cast<WeightType>(type);
  if (ops::element_count(op.weights.shape) > kMaxWeightElements) fail("weight tensor too large");
  op.bias.resize(get_count(r, 0, "bias length"));
  if (op.bias.size() > kMaxWeightElements) fail("bias too long");
  op.weight_scales.resize(get_count(r, 8, "weight scale count"));
  for (double& s : op.weight_scales) s = get_f64(r, "weight scale");
}

QOp get_op(ByteReader& r, OpTag tag) {
  switch (tag) {
    case OpTag::kGemm: {
      QGemm op;
      op.quant = get_mac(r);
      get_weight_shapes(r, op);
      return op;
    }
    case OpTag::kConv: {
      QConv op;
      op.params.strides = get_array<2>(r, "conv strides");
      op.params.dilations = get_array<2>(r, "conv dilations");
      op.params.pads = get_array<4>(r, "conv pads");
      op.params.groups = get_size(r, "conv groups");
      op.params.quant = get_mac(r);
      get_weight_shapes(r, op);
      return op;
    }
    case OpTag::kMaxPool: {
      QMaxPool op;
      op.params.window = get_window(r);
      op.params.count_include_pad = get_flag(r, "count_include_pad");
      return op;
    }
    case OpTag::kRequantize: {
      QRequantize op;
      op.input_zero_point = get_i32(r, "input zero point");
      op.rescale = get_rescale(r);
      return op;
    }
    case OpTag::kReshape:
      return QReshape{};
    case OpTag::kAdd: {
      QAdd op;
      op.params.a_zero_point = get_i32(r, "add zero point");
      op.params.b_zero_point = get_i32(r, "add zero point");
      op.params.requant.multiplier_a = get_i32(r, "add multiplier");
      op.params.requant.multiplier_b = get_i32(r, "add multiplier");
      op.params.requant.shift = get_i32(r, "add shift");
      op.params.output = get_clamp(r);
      op.subtract = get_flag(r, "subtract");
      return op;
    }
    case OpTag::kMul: {
      QMul op;
      op.params.a_zero_point = get_i32(r, "mul zero point");
      op.params.b_zero_point = get_i32(r, "mul zero point");
      const std::vector<ops::Requant> requants = get_requants(r);
      if (requants.size() != 1) fail("mul: expected one requant");
      op.params.requant = requants[0];
      op.params.output = get_clamp(r);
      return op;
    }
    case OpTag::kTable: {
      QTable op;
      op.table.input_lo = get_i32(r, "table input lo");
      op.table.outputs = get_values(r, "table entries");
      return op;
    }
    case OpTag::kAveragePool: {
      QAveragePool op;
      op.params.window = get_window(r);
      op.params.count_include_pad = get_flag(r, "count_include_pad");
      op.quant.input_zero_point = get_i32(r, "average input zero point");
      op.quant.per_count = get_requants(r);
      op.quant.output = get_clamp(r);
      op.global = get_flag(r, "global");
      return op;
    }
    case OpTag::kSoftmax: {
      QSoftmax op;
      op.params.axis = get_size(r, "softmax axis");
      op.params.exp_table = get_values(r, "softmax exp table");
      op.params.one = get_i32(r, "softmax one");
      op.params.output = get_clamp(r);
      return op;
    }
    case OpTag::kConcat:
      return QConcat{get_size(r, "concat axis")};
    case OpTag::kTranspose: {
      QTranspose op;
      op.perm.resize(get_count(r, 8, "transpose rank"));
      for (std::size_t& p : op.perm) p = get_size(r, "transpose perm");
      return op;
    }
  }
  fail("unknown operator tag " + std::to_string(static_cast<int>(tag)));
}

template <class Op>
void get_weight_values(ByteReader& r, Op& op) {
  const std::size_t n = ops::element_count(op.weights.shape);
  const ByteSpan w = r.raw(n, "weight values");
  op.weights.values.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    op.weights.values[i] = op.weight_type == WeightType::kUInt8
                               ? static_cast<std::int32_t>(w[i])
                               : static_cast<std::int32_t>(static_cast<std::int8_t>(w[i]));
  for (std::int32_t& b : op.bias) b = get_i32(r, "bias value");
}

QuantizedModel parse_architecture(ByteReader& r) {
  QuantizedModel model;
  model.tensors.resize(get_count(r, 32, "tensor count"));
  for (QTensor& t : model.tensors) {
    t.name = get_string(r, "tensor name");
    t.shape = get_shape(r, "tensor shape");
    t.quant = get_quant(r);
  }
  model.nodes.resize(get_count(r, 16, "node count"));
  for (QNode& n : model.nodes) {
    const std::uint8_t tag = r.u8("operator tag");
    if (tag > kLastTag) fail("unknown operator tag " + std::to_string(tag));
    n.name = get_string(r, "node name");
    n.inputs.resize(get_count(r, 8, "node input count"));
    for (TensorId& id : n.inputs) id = get_size(r, "node input");
    n.output = get_size(r, "node output");
    n.op = get_op(r, static_cast<OpTag>(tag));
  }
  model.input = get_size(r, "model input");
  model.output = get_size(r, "model output");
  return model;
}

void parse_weights(ByteReader& r, QuantizedModel& model) {
  for (QNode& n : model.nodes) {
    if (auto* g = std::get_if<QGemm>(&n.op)) get_weight_values(r, *g);
    if (auto* c = std::get_if<QConv>(&n.op)) get_weight_values(r, *c);
  }
}

// ---- validation ----------------------------------------------------------

// Weights and their zero points in the weight type's range, bias and scales
// one per output channel (or one overall for the scales).
template <class Op>
void check_weights(const Op& op, const ops::MacQuant& quant, std::size_t channels,
                   const std::string& where) {
  op.weights.validate(where + " weights");
  const ops::QuantParams range = weight_range(op.weight_type);
  const auto in_range = [&range](std::int32_t v) { return v >= range.lo && v <= range.hi; };
  if (!std::all_of(op.weights.values.begin(), op.weights.values.end(), in_range))
    fail(where + ": a weight is outside the " + weight_type_name(op.weight_type) + " range");
  if (!std::all_of(quant.weight_zero_points.begin(), quant.weight_zero_points.end(), in_range))
    fail(where + ": a weight zero point is outside the " + weight_type_name(op.weight_type) +
         " range");
  if (!op.bias.empty() && op.bias.size() != channels)
    fail(where + ": bias has " + std::to_string(op.bias.size()) + " values for " +
         std::to_string(channels) + " output channels");
  if (op.weight_scales.size() != 1 && op.weight_scales.size() != channels)
    fail(where + ": " + std::to_string(op.weight_scales.size()) + " weight scales for " +
         std::to_string(channels) + " output channels");
  for (double s : op.weight_scales)
    if (!(s > 0)) fail(where + ": weight scale not positive");
}

void check_shape(const ops::Shape& expected, const QTensor& out, const std::string& where) {
  if (expected != out.shape)
    fail(where + ": output shape " + ops::shape_string(out.shape) + ", operator gives " +
         ops::shape_string(expected));
}

void require_inputs(const QNode& node, std::size_t count, const std::string& where) {
  if (node.inputs.size() != count)
    fail(where + ": expected " + std::to_string(count) + " inputs, got " +
         std::to_string(node.inputs.size()));
}

bool same_quant(const ops::QuantParams& a, const ops::QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point && a.lo == b.lo && a.hi == b.hi;
}

ops::Shape concat_shape(const QuantizedModel& model, const QNode& node, std::size_t axis,
                        const std::string& where) {
  ops::Shape shape = model.tensors[node.inputs[0]].shape;
  if (axis >= shape.size()) fail(where + ": axis out of range");
  for (std::size_t k = 1; k < node.inputs.size(); ++k) {
    const ops::Shape& s = model.tensors[node.inputs[k]].shape;
    for (std::size_t d = 0; d < shape.size(); ++d)
      if (s.size() != shape.size() || (d != axis && s[d] != shape[d]))
        fail(where + ": input shapes " + ops::shape_string(shape) + " and " + ops::shape_string(s) +
             " cannot be joined");
    shape[axis] += s[axis];
  }
  return shape;
}

ops::Shape transpose_shape(const ops::Shape& x, const std::vector<std::size_t>& perm,
                           const std::string& where) {
  if (perm.size() != x.size()) fail(where + ": perm has the wrong length");
  std::vector<bool> seen(perm.size(), false);
  ops::Shape out;
  for (std::size_t p : perm) {
    if (p >= perm.size() || seen[p]) fail(where + ": perm is not a permutation");
    seen[p] = true;
    out.push_back(x[p]);
  }
  return out;
}

void validate_node(const QuantizedModel& model, const QNode& node) {
  const std::string where = "node '" + node.name + "' (" + op_name(node.op) + ")";
  if (node.inputs.empty()) fail(where + ": no inputs");
  const QTensor& x = model.tensors[node.inputs[0]];
  const QTensor& y = model.tensors[node.output];
  if (const auto* g = std::get_if<QGemm>(&node.op)) {
    require_inputs(node, 1, where);
    if (x.shape.size() != 2 || g->weights.rank() != 2 || x.shape[1] != g->weights.shape[1])
      fail(where + ": input " + ops::shape_string(x.shape) + " does not match weights " +
           ops::shape_string(g->weights.shape));
    const std::size_t n = g->weights.shape[0];
    g->quant.validate(n, where);
    check_weights(*g, g->quant, n, where);
    check_shape({x.shape[0], n}, y, where);
  } else if (const auto* c = std::get_if<QConv>(&node.op)) {
    require_inputs(node, 1, where);
    if (c->weights.rank() != 4) fail(where + ": weights are not 4-D");
    const std::size_t m = c->weights.shape[0];
    c->params.quant.validate(m, where);
    check_weights(*c, c->params.quant, m, where);
    check_shape(c->params.output_shape(x.shape, c->weights.shape), y, where);
  } else if (const auto* p = std::get_if<QMaxPool>(&node.op)) {
    require_inputs(node, 1, where);
    p->params.window.validate(where);
    check_shape(p->params.output_shape(x.shape, where), y, where);
    if (!same_quant(x.quant, y.quant)) fail(where + ": input and output quantization differ");
  } else if (const auto* q = std::get_if<QRequantize>(&node.op)) {
    require_inputs(node, 1, where);
    q->rescale.validate(1, where);
    check_shape(x.shape, y, where);
  } else if (std::holds_alternative<QReshape>(node.op)) {
    require_inputs(node, 1, where);
    if (ops::element_count(x.shape) != ops::element_count(y.shape))
      fail(where + ": reshape changes the element count");
    if (!same_quant(x.quant, y.quant)) fail(where + ": input and output quantization differ");
  } else if (const auto* a = std::get_if<QAdd>(&node.op)) {
    require_inputs(node, 2, where);
    a->params.validate(where);
    check_shape(ops::broadcast_shape(x.shape, model.tensors[node.inputs[1]].shape, where), y,
                where);
  } else if (const auto* mu = std::get_if<QMul>(&node.op)) {
    require_inputs(node, 2, where);
    mu->params.validate(where);
    check_shape(ops::broadcast_shape(x.shape, model.tensors[node.inputs[1]].shape, where), y,
                where);
  } else if (const auto* t = std::get_if<QTable>(&node.op)) {
    require_inputs(node, 1, where);
    t->table.validate(where);
    if (x.quant.lo < t->table.input_lo || x.quant.hi > t->table.input_hi())
      fail(where + ": the table does not cover the input range");
    check_shape(x.shape, y, where);
  } else if (const auto* ap = std::get_if<QAveragePool>(&node.op)) {
    require_inputs(node, 1, where);
    if (ap->global) {
      if (x.shape.size() != 4) fail(where + ": input is not 4-D");
      ap->quant.validate(x.shape[2] * x.shape[3], where);
      check_shape({x.shape[0], x.shape[1], 1, 1}, y, where);
    } else {
      ap->params.window.validate(where);
      ap->quant.validate(ap->params.window.kernel[0] * ap->params.window.kernel[1], where);
      check_shape(ap->params.output_shape(x.shape, where), y, where);
    }
  } else if (const auto* sm = std::get_if<QSoftmax>(&node.op)) {
    require_inputs(node, 1, where);
    sm->params.validate(x.shape.size(), where);
    check_shape(x.shape, y, where);
  } else if (const auto* cc = std::get_if<QConcat>(&node.op)) {
    for (TensorId id : node.inputs)
      if (!same_quant(model.tensors[id].quant, y.quant))
        fail(where + ": inputs must share the output's quantization");
    check_shape(concat_shape(model, node, cc->axis, where), y, where);
  } else if (const auto* tr = std::get_if<QTranspose>(&node.op)) {
    require_inputs(node, 1, where);
    check_shape(transpose_shape(x.shape, tr->perm, where), y, where);
    if (!same_quant(x.quant, y.quant)) fail(where + ": input and output quantization differ");
  }
}

}  // namespace

const char* weight_type_name(WeightType type) {
  return type == WeightType::kUInt8 ? "uint8" : "int8";
}

const char* op_name(const QOp& op) {
  switch (tag_of(op)) {
    case OpTag::kGemm:
      return "Gemm";
    case OpTag::kConv:
      return "Conv";
    case OpTag::kMaxPool:
      return "MaxPool";
    case OpTag::kRequantize:
      return "Requantize";
    case OpTag::kReshape:
      return "Reshape";
    case OpTag::kAdd:
      return std::get<QAdd>(op).subtract ? "Sub" : "Add";
    case OpTag::kMul:
      return "Mul";
    case OpTag::kTable:
      return "Table";
    case OpTag::kAveragePool:
      return std::get<QAveragePool>(op).global ? "GlobalAveragePool" : "AveragePool";
    case OpTag::kSoftmax:
      return "Softmax";
    case OpTag::kConcat:
      return "Concat";
    case OpTag::kTranspose:
      return "Transpose";
  }
  return "?";
}

void QuantizedModel::validate() const {
  const std::size_t count = tensors.size();
  if (input >= count || output >= count) fail("quantized model: input or output id out of range");
  for (const QTensor& t : tensors) {
    t.quant.validate("tensor '" + t.name + "'");
    if (ops::element_count(t.shape) > kMaxWeightElements) fail("tensor '" + t.name + "' too large");
  }
  std::vector<bool> ready(count, false);
  ready[input] = true;
  for (const QNode& node : nodes) {
    for (TensorId id : node.inputs)
      if (id >= count || !ready[id])
        fail("node '" + node.name + "' reads a tensor that is not computed before it");
    if (node.output >= count || ready[node.output])
      fail("node '" + node.name + "' writes an invalid or already computed tensor");
    validate_node(*this, node);
    ready[node.output] = true;
  }
  if (!ready[output]) fail("quantized model: the output is never computed");
}

Bytes serialize_architecture(const QuantizedModel& model) {
  ByteWriter w;
  w.u32(static_cast<std::uint32_t>(model.tensors.size()));
  for (const QTensor& t : model.tensors) {
    put_string(w, t.name);
    put_shape(w, t.shape);
    put_quant(w, t.quant);
  }
  w.u32(static_cast<std::uint32_t>(model.nodes.size()));
  for (const QNode& n : model.nodes) {
    w.u8(static_cast<std::uint8_t>(tag_of(n.op)));
    put_string(w, n.name);
    w.u32(static_cast<std::uint32_t>(n.inputs.size()));
    for (TensorId id : n.inputs) put_size(w, id);
    put_size(w, n.output);
    std::visit([&w](const auto& op) { put_op(w, op); }, n.op);
  }
  put_size(w, model.input);
  put_size(w, model.output);
  return w.take();
}

Bytes serialize_weights(const QuantizedModel& model) {
  ByteWriter w;
  for (const QNode& n : model.nodes) {
    if (const auto* g = std::get_if<QGemm>(&n.op)) put_weight_values(w, *g, n.name);
    if (const auto* c = std::get_if<QConv>(&n.op)) put_weight_values(w, *c, n.name);
  }
  return w.take();
}

Bytes serialize(const QuantizedModel& model) {
  model.validate();
  const Bytes arch = serialize_architecture(model);
  const Bytes weights = serialize_weights(model);
  ByteWriter w;
  w.header(kFileMagic, kQuantizedModelVersion);
  w.blob(arch);
  w.blob(weights);
  return w.take();
}

QuantizedModel parse_quantized_model(ByteSpan bytes) {
  ByteReader r(bytes);
  r.header(kFileMagic, kQuantizedModelVersion, "quantized model");
  ByteReader arch(r.blob("architecture"));
  QuantizedModel model = parse_architecture(arch);
  arch.expect_end("architecture");
  ByteReader weights(r.blob("weights"));
  r.expect_end("quantized model");
  parse_weights(weights, model);
  weights.expect_end("weights");
  model.validate();
  return model;
}

QuantizedModel parse_architecture_bytes(ByteSpan bytes) {
  ByteReader r(bytes);
  QuantizedModel model = parse_architecture(r);
  r.expect_end("architecture");
  for (QNode& n : model.nodes) {
    std::visit(
        [](auto& op) {
          if constexpr (requires { op.weights; })
            op.weights.values.assign(ops::element_count(op.weights.shape), 0);
        },
        n.op);
  }
  model.validate();
  return model;
}

hash::Digest architecture_digest(const QuantizedModel& model) {
  return hash::sha256(serialize_architecture(model));
}

std::string json_string(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      q += buf;
      continue;
    }
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + '"';
}

std::string describe_json(const QuantizedModel& model) {
  std::ostringstream out;
  out.precision(17);
  const auto shape_json = [&out](const ops::Shape& s) {
    out << '[';
    for (std::size_t i = 0; i < s.size(); ++i) out << (i ? ", " : "") << s[i];
    out << ']';
  };
  out << "{\n  \"version\": " << kQuantizedModelVersion << ",\n  \"architecture_sha256\": \""
      << hash::to_hex(architecture_digest(model)) << "\",\n  \"input\": " << model.input
      << ",\n  \"output\": " << model.output << ",\n  \"tensors\": [";
  for (std::size_t i = 0; i < model.tensors.size(); ++i) {
    const QTensor& t = model.tensors[i];
    out << (i ? "," : "") << "\n    {\"name\": " << json_string(t.name) << ", \"shape\": ";
    shape_json(t.shape);
    out << ", \"scale\": " << t.quant.scale << ", \"zero_point\": " << t.quant.zero_point
        << ", \"lo\": " << t.quant.lo << ", \"hi\": " << t.quant.hi << '}';
  }
  out << "\n  ],\n  \"nodes\": [";
  for (std::size_t i = 0; i < model.nodes.size(); ++i) {
    const QNode& n = model.nodes[i];
    out << (i ? "," : "") << "\n    {\"name\": " << json_string(n.name) << ", \"op\": \""
        << op_name(n.op) << "\", \"inputs\": [";
    for (std::size_t k = 0; k < n.inputs.size(); ++k) out << (k ? ", " : "") << n.inputs[k];
    out << "], \"output\": " << n.output;
    const auto weights_json = [&](const auto& op) {
      out << ", \"weight_shape\": ";
      shape_json(op.weights.shape);
      out << ", \"weight_type\": \"" << weight_type_name(op.weight_type)
          << "\", \"bias\": " << (op.bias.empty() ? "false" : "true")
          << ", \"weight_scales\": " << op.weight_scales.size();
    };
    if (const auto* g = std::get_if<QGemm>(&n.op)) weights_json(*g);
    if (const auto* c = std::get_if<QConv>(&n.op)) weights_json(*c);
    out << '}';
  }
  out << "\n  ]\n}\n";
  return out.str();
}

void write_quantized_model(const std::string& path, const QuantizedModel& model) {
  write_file_atomic(path, serialize(model));
}

QuantizedModel read_quantized_model(const std::string& path) {
  return parse_quantized_model(read_file_bytes(path, kMaxQuantizedModelBytes));
}

}  // namespace zkinfer::model
