// SPDX-License-Identifier: Apache-2.0
#include "model/onnx_import.hpp"

#include <climits>
#include <filesystem>
#include <fstream>
#include <functional>
#include <queue>

#include "base/error.hpp"
#include "model/executor.hpp"
#include "model/onnx_node.hpp"
#include "model/onnx_tensor.hpp"
#include "model/rewrites.hpp"
#include "model/shape_inference.hpp"

namespace zkinfer::model {

namespace onnx_import {

// ----------------------------------------------------------------------------
// GraphBuilder

// Constant subgraphs are evaluated at import up to this many operations each
// (shape arithmetic and small weight preprocessing); anything larger stays a
// node, so a hostile model cannot stall the importer.
constexpr std::uint64_t kMaxFoldWork = std::uint64_t{1} << 26;

GraphBuilder::GraphBuilder(const ImportOptions& options, std::int64_t opset,
                           std::set<std::string> consumed_names)
    : options_(options), consumed_(std::move(consumed_names)) {
  graph_.opset = opset;
}

ValueId GraphBuilder::lookup(const std::string& name) const {
  const auto it = names_.find(name);
  return it == names_.end() ? kNoValue : it->second;
}

std::string GraphBuilder::unique_name(const std::string& base) const {
  if (!names_.count(base)) return base;
  for (std::size_t i = 1;; ++i) {
    std::string candidate = base + "_" + std::to_string(i);
    if (!names_.count(candidate)) return candidate;
  }
}

ValueId GraphBuilder::add_value(Value value) {
  if (value.name.empty()) fail("a value has an empty name");
  if (names_.count(value.name)) fail("value '" + value.name + "' is defined twice");
  const std::int64_t count = element_count(value.shape);
  if (count > options_.max_tensor_elements)
    fail("value '" + value.name + "' of shape " + shape_to_string(value.shape) + " exceeds " +
         std::to_string(options_.max_tensor_elements) + " elements");
  if (value.kind != ValueKind::kConstant && count == 0)
    fail("value '" + value.name + "' has a zero-sized shape " + shape_to_string(value.shape));
  const ValueId id = graph_.values.size();
  names_.emplace(value.name, id);
  graph_.values.push_back(std::move(value));
  return id;
}

ValueId GraphBuilder::add_constant(const std::string& name, Tensor tensor) {
  return add_value(
      {name, tensor.dtype, std::move(tensor.shape), ValueKind::kConstant, std::move(tensor.data)});
}

ValueId GraphBuilder::add_input(const std::string& name, DType dtype, Shape shape) {
  const ValueId id = add_value({name, dtype, std::move(shape), ValueKind::kInput, {}});
  graph_.inputs.push_back(id);
  return id;
}

ValueId GraphBuilder::emit(const std::string& node_name, OpKind kind, std::vector<ValueId> inputs,
                           Attributes attributes, const std::string& output_name) {
  Node node{node_name, kind, std::move(inputs), kNoValue, std::move(attributes)};
  TensorType type = infer_output_type(graph_, node);
  node.output =
      add_value({output_name, type.dtype, std::move(type.shape), ValueKind::kComputed, {}});

  // Quantization operators stay in the graph even on constant inputs: the
  // quantizer reads a QDQ model's own scales off them.
  const bool quantization = kind == OpKind::kQuantizeLinear || kind == OpKind::kDequantizeLinear ||
                            kind == OpKind::kQLinearMatMul || kind == OpKind::kQLinearConv;
  bool all_constant = true;
  for (ValueId in : node.inputs)
    if (in != kNoValue && graph_.values[in].kind != ValueKind::kConstant) all_constant = false;
  if (options_.fold_constants && all_constant && !quantization &&
      node_work(graph_, node) <= kMaxFoldWork) {
    std::vector<TensorView> args;
    for (ValueId in : node.inputs)
      args.push_back(in == kNoValue ? TensorView{} : graph_.constant(in));
    std::vector<float> data = evaluate_node(graph_, node, args);
    Value& out = graph_.values[node.output];
    out.kind = ValueKind::kConstant;
    out.data = std::move(data);
    return node.output;
  }
  graph_.nodes.push_back(std::move(node));
  return graph_.nodes.back().output;
}

void GraphBuilder::alias(const std::string& name, ValueId id) {
  if (names_.count(name)) fail("value '" + name + "' is defined twice");
  names_.emplace(name, id);
}

// ----------------------------------------------------------------------------
// NodeContext

namespace {

// Attribute type from the populated field, for producers that leave `type`
// unset (old exporters).
onnx::AttributeProto::AttributeType attribute_type(const onnx::AttributeProto& a) {
  if (a.type() != onnx::AttributeProto::UNDEFINED) return a.type();
  if (a.has_f()) return onnx::AttributeProto::FLOAT;
  if (a.has_i()) return onnx::AttributeProto::INT;
  if (a.has_s()) return onnx::AttributeProto::STRING;
  if (a.has_t()) return onnx::AttributeProto::TENSOR;
  if (a.has_g()) return onnx::AttributeProto::GRAPH;
  if (a.floats_size()) return onnx::AttributeProto::FLOATS;
  if (a.ints_size()) return onnx::AttributeProto::INTS;
  if (a.strings_size()) return onnx::AttributeProto::STRINGS;
  return onnx::AttributeProto::UNDEFINED;
}

}  // namespace

NodeContext::NodeContext(GraphBuilder& builder, const onnx::NodeProto& proto, std::string name)
    : builder_(builder),
      proto_(proto),
      name_(std::move(name)),
      handled_(static_cast<std::size_t>(proto.attribute_size()), false) {
  std::set<std::string> seen;
  for (const auto& a : proto.attribute())
    if (!seen.insert(a.name()).second) fail("attribute '" + a.name() + "' appears twice");
}

void NodeContext::fail(const std::string& what) const {
  zkinfer::fail("node '" + name_ + "' (" + proto_.op_type() + "): " + what);
}

void NodeContext::expect_inputs(std::size_t min, std::size_t max) const {
  check(input_count() >= min && input_count() <= max,
        "expected " + std::to_string(min) + (min == max ? "" : ".." + std::to_string(max)) +
            " inputs, got " + std::to_string(input_count()));
}

bool NodeContext::has_input(std::size_t i) const {
  return i < input_count() && !proto_.input(static_cast<int>(i)).empty();
}

ValueId NodeContext::input(std::size_t i) const {
  check(has_input(i), "missing input " + std::to_string(i));
  const std::string& name = proto_.input(static_cast<int>(i));
  const ValueId id = builder_.lookup(name);
  check(id != kNoValue, "input '" + name + "' is not defined");
  return id;
}

ValueId NodeContext::optional_input(std::size_t i) const {
  return has_input(i) ? input(i) : kNoValue;
}

const Value& NodeContext::value(std::size_t i) const {
  return builder_.graph().value(input(i));
}

TensorView NodeContext::constant(std::size_t i, const char* role) const {
  const ValueId id = input(i);
  const Value& v = builder_.graph().value(id);
  check(v.kind == ValueKind::kConstant, "input " + std::to_string(i) + " ('" + v.name + "', " +
                                            role +
                                            ") must be a constant (an initializer or the output "
                                            "of constant nodes)");
  return builder_.graph().constant(id);
}

const onnx::AttributeProto* NodeContext::attribute(const char* name,
                                                   onnx::AttributeProto::AttributeType type) {
  for (int i = 0; i < proto_.attribute_size(); ++i) {
    const onnx::AttributeProto& a = proto_.attribute(i);
    if (a.name() != name) continue;
    handled_[static_cast<std::size_t>(i)] = true;
    check(!a.has_ref_attr_name(),
          std::string("attribute '") + name + "' refers to a function attribute (unsupported)");
    check(attribute_type(a) == type,
          std::string("attribute '") + name + "' has type " +
              onnx::AttributeProto::AttributeType_Name(attribute_type(a)) + ", expected " +
              onnx::AttributeProto::AttributeType_Name(type));
    return &a;
  }
  return nullptr;
}

std::optional<std::int64_t> NodeContext::int_attr(const char* name) {
  const auto* a = attribute(name, onnx::AttributeProto::INT);
  return a ? std::optional(a->i()) : std::nullopt;
}

std::int64_t NodeContext::int_attr(const char* name, std::int64_t fallback) {
  return int_attr(name).value_or(fallback);
}

std::optional<float> NodeContext::optional_float_attr(const char* name) {
  const auto* a = attribute(name, onnx::AttributeProto::FLOAT);
  return a ? std::optional(a->f()) : std::nullopt;
}

float NodeContext::float_attr(const char* name, float fallback) {
  return optional_float_attr(name).value_or(fallback);
}

std::optional<std::vector<std::int64_t>> NodeContext::ints_attr(const char* name) {
  const auto* a = attribute(name, onnx::AttributeProto::INTS);
  if (!a) return std::nullopt;
  return std::vector<std::int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<std::vector<float>> NodeContext::floats_attr(const char* name) {
  const auto* a = attribute(name, onnx::AttributeProto::FLOATS);
  if (!a) return std::nullopt;
  return std::vector<float>(a->floats().begin(), a->floats().end());
}

std::string NodeContext::string_attr(const char* name, const std::string& fallback) {
  const auto* a = attribute(name, onnx::AttributeProto::STRING);
  return a ? a->s() : fallback;
}

const onnx::TensorProto* NodeContext::tensor_attr(const char* name) {
  const auto* a = attribute(name, onnx::AttributeProto::TENSOR);
  return a ? &a->t() : nullptr;
}

void NodeContext::ignore_attr(const char* name) {
  for (int i = 0; i < proto_.attribute_size(); ++i)
    if (proto_.attribute(i).name() == name) handled_[static_cast<std::size_t>(i)] = true;
}

void NodeContext::finish() const {
  for (std::size_t i = 0; i < handled_.size(); ++i)
    if (!handled_[i])
      fail("unsupported attribute '" + proto_.attribute(static_cast<int>(i)).name() + "'");
}

void NodeContext::reject_used_outputs(std::size_t count, const char* why) const {
  for (int i = static_cast<int>(count); i < proto_.output_size(); ++i) {
    const std::string& out = proto_.output(i);
    check(out.empty() || !builder_.is_consumed(out),
          "output " + std::to_string(i) + " ('" + out + "', " + why + ") is used but unsupported");
  }
}

const std::string& NodeContext::output_name() const {
  check(proto_.output_size() >= 1 && !proto_.output(0).empty(), "missing output 0");
  return proto_.output(0);
}

void NodeContext::emit(OpKind kind, std::vector<ValueId> inputs, Attributes attributes) {
  builder_.emit(name_, kind, std::move(inputs), std::move(attributes), output_name());
}

void NodeContext::alias_output(ValueId id) {
  builder_.alias(output_name(), id);
}

void NodeContext::define_constant(Tensor tensor) {
  builder_.add_constant(output_name(), std::move(tensor));
}

ValueId NodeContext::add_constant(const std::string& base, Tensor tensor) {
  return builder_.add_constant(builder_.unique_name(base), std::move(tensor));
}

}  // namespace onnx_import

// ----------------------------------------------------------------------------
// Model and graph

namespace {

using onnx_import::GraphBuilder;
using onnx_import::NodeContext;

constexpr std::int64_t kMinIrVersion = 3;  // the first with opset_import
constexpr std::int64_t kMaxIrVersion = 10;

std::string node_display_name(const onnx::NodeProto& node, std::size_t index) {
  return node.name().empty() ? node.op_type() + "#" + std::to_string(index) : node.name();
}

// Declared type of a graph input: a tensor of a supported dtype with a fully
// static shape (a leading symbolic batch dimension may become 1).
TensorType declared_input_type(const onnx::ValueInfoProto& info, bool fix_batch_to_one) {
  const std::string what = "graph input '" + info.name() + "'";
  if (!info.type().has_tensor_type())
    fail(what + " is not a tensor (sequence, map, optional and sparse types are unsupported)");
  const auto& tt = info.type().tensor_type();
  const std::optional<DType> dtype = dtype_from_onnx(tt.elem_type());
  if (!dtype) fail(what + ": unsupported dtype " + onnx_dtype_name(tt.elem_type()));
  if (!tt.has_shape()) fail(what + " has no shape (unknown rank)");
  TensorType type{*dtype, {}};
  for (int i = 0; i < tt.shape().dim_size(); ++i) {
    const auto& dim = tt.shape().dim(i);
    if (dim.has_dim_value() && dim.dim_value() > 0) {
      type.shape.push_back(dim.dim_value());
    } else if (dim.has_dim_value()) {
      fail(what + " dimension " + std::to_string(i) + " is " + std::to_string(dim.dim_value()) +
           " (zero-sized and negative dimensions are unsupported)");
    } else if (i == 0 && fix_batch_to_one) {
      type.shape.push_back(1);
    } else {
      const std::string symbol = dim.has_dim_param() ? " ('" + dim.dim_param() + "')" : "";
      fail(what + " dimension " + std::to_string(i) + " is dynamic" + symbol +
           "; shapes must be static (only a leading batch dimension may be fixed to 1, "
           "ImportOptions::fix_batch_to_one)");
    }
  }
  return type;
}

void check_declared_output(const onnx::ValueInfoProto& info, const Value& value) {
  const std::string what = "graph output '" + info.name() + "'";
  if (!info.type().has_tensor_type()) fail(what + " is not a tensor");
  const auto& tt = info.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto::UNDEFINED) {
    const std::optional<DType> dtype = dtype_from_onnx(tt.elem_type());
    if (dtype != value.dtype)
      fail(what + " is declared " + onnx_dtype_name(tt.elem_type()) + " but computes " +
           dtype_name(value.dtype));
  }
  if (!tt.has_shape()) return;
  bool consistent = tt.shape().dim_size() == static_cast<int>(value.shape.size());
  for (int i = 0; consistent && i < tt.shape().dim_size(); ++i) {
    const auto& dim = tt.shape().dim(i);
    if (dim.has_dim_value() && dim.dim_value() > 0 && dim.dim_value() != value.shape[i])
      consistent = false;
  }
  if (!consistent)
    fail(what + " is declared with another shape than the inferred " +
         shape_to_string(value.shape));
}

// Kahn's algorithm, preferring the file order: ONNX requires sorted nodes,
// but a valid graph listed out of order is still accepted.
std::vector<std::size_t> topological_order(const onnx::GraphProto& g, const GraphBuilder& b) {
  const auto n = static_cast<std::size_t>(g.node_size());
  std::unordered_map<std::string, std::size_t> producer;
  for (std::size_t i = 0; i < n; ++i)
    for (const std::string& out : g.node(static_cast<int>(i)).output()) {
      if (out.empty()) continue;
      if (producer.count(out) || b.lookup(out) != kNoValue)
        fail("node '" + node_display_name(g.node(static_cast<int>(i)), i) + "': value '" + out +
             "' is defined twice");
      producer.emplace(out, i);
    }
  std::vector<std::size_t> pending(n, 0);
  std::vector<std::vector<std::size_t>> dependents(n);
  for (std::size_t i = 0; i < n; ++i)
    for (const std::string& in : g.node(static_cast<int>(i)).input()) {
      if (in.empty()) continue;
      const auto it = producer.find(in);
      if (it != producer.end()) {
        ++pending[i];
        dependents[it->second].push_back(i);
      } else if (b.lookup(in) == kNoValue) {
        fail("node '" + node_display_name(g.node(static_cast<int>(i)), i) + "' (" +
             g.node(static_cast<int>(i)).op_type() + "): input '" + in + "' is not defined");
      }
    }
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < n; ++i)
    if (pending[i] == 0) ready.push(i);
  std::vector<std::size_t> order;
  while (!ready.empty()) {
    const std::size_t i = ready.top();
    ready.pop();
    order.push_back(i);
    for (std::size_t d : dependents[i])
      if (--pending[d] == 0) ready.push(d);
  }
  if (order.size() != n)
    for (std::size_t i = 0; i < n; ++i)
      if (pending[i] != 0)
        fail("node '" + node_display_name(g.node(static_cast<int>(i)), i) + "' is part of a cycle");
  return order;
}

// The builder of a node's operator; Error naming the node when the domain
// or the operator is unsupported.
onnx_import::OpBuilder op_builder(const onnx::NodeProto& proto, std::size_t index,
                                  const std::map<std::string, std::int64_t>& other_domains) {
  const std::string node =
      "node '" + node_display_name(proto, index) + "' (" + proto.op_type() + ")";
  if (!proto.domain().empty() && proto.domain() != "ai.onnx") {
    const auto it = other_domains.find(proto.domain());
    fail(node + ": domain '" + proto.domain() + "'" +
         (it == other_domains.end() ? " (not imported)"
                                    : " (opset " + std::to_string(it->second) + ")") +
         " is unsupported");
  }
  const onnx_import::OpBuilder build = onnx_import::find_op_builder(proto.op_type());
  if (!build) fail(node + ": unsupported operator");
  return build;
}

void import_node(GraphBuilder& b, const onnx::NodeProto& proto, std::size_t index,
                 const std::map<std::string, std::int64_t>& other_domains) {
  const onnx_import::OpBuilder build = op_builder(proto, index, other_domains);
  NodeContext ctx(b, proto, node_display_name(proto, index));
  build(ctx);
  ctx.finish();
}

Graph import_graph(const onnx::GraphProto& g, std::int64_t opset,
                   const std::map<std::string, std::int64_t>& other_domains,
                   const ImportOptions& options) {
  // Unsupported operators are the most common rejection: report them first.
  for (int i = 0; i < g.node_size(); ++i)
    op_builder(g.node(i), static_cast<std::size_t>(i), other_domains);
  if (g.sparse_initializer_size() > 0) fail("sparse initializers are unsupported");
  std::set<std::string> consumed;
  for (const auto& node : g.node())
    for (const std::string& in : node.input())
      if (!in.empty()) consumed.insert(in);
  for (const auto& out : g.output()) consumed.insert(out.name());
  GraphBuilder b(options, opset, std::move(consumed));

  for (const onnx::TensorProto& init : g.initializer())
    b.add_constant(init.name(), tensor_from_proto(init, "initializer '" + init.name() + "'",
                                                  options.max_tensor_elements));
  std::set<std::string> input_names;
  for (const onnx::ValueInfoProto& in : g.input()) {
    input_names.insert(in.name());
    // IR < 4 lists initializers among the inputs too: the initializer wins.
    if (b.lookup(in.name()) != kNoValue &&
        b.graph().value(b.lookup(in.name())).kind == ValueKind::kConstant)
      continue;
    const TensorType type = declared_input_type(in, options.fix_batch_to_one);
    const auto frozen = options.frozen_inputs.find(in.name());
    if (frozen == options.frozen_inputs.end()) {
      if (type.dtype != DType::kFloat32 && type.dtype != DType::kUInt8 &&
          type.dtype != DType::kInt8)
        fail("graph input '" + in.name() + "' has dtype " + dtype_name(type.dtype) +
             "; inputs must be float32, uint8 or int8 (freeze it with "
             "ImportOptions::frozen_inputs)");
      b.add_input(in.name(), type.dtype, type.shape);
      continue;
    }
    const Tensor& t = frozen->second;
    if (t.dtype != type.dtype || t.shape != type.shape ||
        static_cast<std::int64_t>(t.data.size()) != element_count(t.shape))
      fail("frozen value of graph input '" + in.name() + "' does not match its declared type " +
           dtype_name(type.dtype) + shape_to_string(type.shape));
    b.add_constant(in.name(), t);
  }
  for (const auto& [name, tensor] : options.frozen_inputs)
    if (!input_names.count(name)) fail("frozen input '" + name + "' is not a graph input");

  for (std::size_t index : topological_order(g, b))
    import_node(b, g.node(static_cast<int>(index)), index, other_domains);

  for (const onnx::ValueInfoProto& out : g.output()) {
    const ValueId id = b.lookup(out.name());
    if (id == kNoValue) fail("graph output '" + out.name() + "' is never produced");
    check_declared_output(out, b.graph().value(id));
    b.add_output(out.name(), id);
  }
  if (g.output_size() == 0) fail("the graph has no outputs");

  Graph graph = b.take();
  if (options.fold_batch_norm) fold_batch_norms(graph);
  prune(graph);
  return graph;
}

}  // namespace

Graph import_onnx_model(const onnx::ModelProto& model, const ImportOptions& options) {
  if (model.ir_version() < kMinIrVersion || model.ir_version() > kMaxIrVersion)
    fail("ONNX IR version " + std::to_string(model.ir_version()) + " is unsupported (supported " +
         std::to_string(kMinIrVersion) + ".." + std::to_string(kMaxIrVersion) + ")");
  std::optional<std::int64_t> opset;
  std::map<std::string, std::int64_t> other_domains;
  for (const auto& entry : model.opset_import()) {
    const bool default_domain = entry.domain().empty() || entry.domain() == "ai.onnx";
    if (default_domain) {
      if (opset) fail("the default domain is imported twice");
      opset = entry.version();
    } else if (!other_domains.emplace(entry.domain(), entry.version()).second) {
      fail("domain '" + entry.domain() + "' is imported twice");
    }
  }
  if (!opset) fail("the model imports no default-domain (ai.onnx) opset");
  if (*opset < kMinOpset || *opset > kMaxOpset)
    fail("default-domain (ai.onnx) opset " + std::to_string(*opset) +
         " is unsupported (supported " + std::to_string(kMinOpset) + ".." +
         std::to_string(kMaxOpset) + ")");
  if (!model.has_graph()) fail("the model has no graph");
  return import_graph(model.graph(), *opset, other_domains, options);
}

Graph import_onnx(ByteSpan bytes, const ImportOptions& options) {
  if (bytes.empty()) fail("empty ONNX model (0 bytes)");
  if (bytes.size() > options.max_model_bytes || bytes.size() > static_cast<std::size_t>(INT_MAX))
    fail("ONNX model of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
         std::to_string(std::min<std::size_t>(options.max_model_bytes, INT_MAX)) + " bytes");
  onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    fail("malformed ONNX model: not a valid ModelProto (truncated or corrupt, " +
         std::to_string(bytes.size()) + " bytes)");
  return import_onnx_model(model, options);
}

Graph import_onnx_file(const std::string& path, const ImportOptions& options) {
  const Bytes bytes = read_file_bytes(path, options.max_model_bytes);
  try {
    return import_onnx(bytes, options);
  } catch (const Error& e) {
    fail(path + ": " + e.what());
  }
}

Bytes read_file_bytes(const std::string& path, std::size_t max_bytes) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) fail("cannot read '" + path + "': " + ec.message());
  if (size > max_bytes)
    fail("'" + path + "' has " + std::to_string(size) + " bytes, more than the limit of " +
         std::to_string(max_bytes));
  std::ifstream in(path, std::ios::binary);
  Bytes bytes(static_cast<std::size_t>(size));
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
    fail("cannot read '" + path + "'");
  return bytes;
}

}  // namespace zkinfer::model
