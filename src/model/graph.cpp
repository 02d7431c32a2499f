// SPDX-License-Identifier: Apache-2.0
#include "model/graph.hpp"

#include "base/error.hpp"

namespace zkinfer::model {

const char* op_kind_name(OpKind kind) {
  switch (kind) {
    case OpKind::kGemm:
      return "Gemm";
    case OpKind::kMatMul:
      return "MatMul";
    case OpKind::kAdd:
      return "Add";
    case OpKind::kSub:
      return "Sub";
    case OpKind::kMul:
      return "Mul";
    case OpKind::kConv:
      return "Conv";
    case OpKind::kRelu:
      return "Relu";
    case OpKind::kLeakyRelu:
      return "LeakyRelu";
    case OpKind::kClip:
      return "Clip";
    case OpKind::kSigmoid:
      return "Sigmoid";
    case OpKind::kTanh:
      return "Tanh";
    case OpKind::kSoftmax:
      return "Softmax";
    case OpKind::kMaxPool:
      return "MaxPool";
    case OpKind::kAveragePool:
      return "AveragePool";
    case OpKind::kGlobalAveragePool:
      return "GlobalAveragePool";
    case OpKind::kReshape:
      return "Reshape";
    case OpKind::kTranspose:
      return "Transpose";
    case OpKind::kConcat:
      return "Concat";
    case OpKind::kBatchNormalization:
      return "BatchNormalization";
    case OpKind::kQuantizeLinear:
      return "QuantizeLinear";
    case OpKind::kDequantizeLinear:
      return "DequantizeLinear";
    case OpKind::kQLinearMatMul:
      return "QLinearMatMul";
    case OpKind::kQLinearConv:
      return "QLinearConv";
  }
  return "unknown";
}

ValueId Graph::find(std::string_view name) const {
  for (ValueId id = 0; id < values.size(); ++id)
    if (values[id].name == name) return id;
  return kNoValue;
}

TensorView Graph::constant(ValueId id) const {
  const Value& v = value(id);
  if (v.kind != ValueKind::kConstant) fail("value '" + v.name + "' is not a constant");
  return {v.dtype, v.shape, v.data};
}

std::vector<std::size_t> Graph::consumer_counts() const {
  std::vector<std::size_t> counts(values.size(), 0);
  for (const Node& node : nodes)
    for (ValueId in : node.inputs)
      if (in != kNoValue) ++counts.at(in);
  return counts;
}

void prune(Graph& graph) {
  std::vector<bool> live(graph.values.size(), false);
  for (ValueId in : graph.inputs) live[in] = true;
  for (const GraphOutput& out : graph.outputs) live.at(out.value) = true;
  std::vector<Node> kept;
  for (std::size_t i = graph.nodes.size(); i-- > 0;) {
    Node& node = graph.nodes[i];
    if (!live[node.output]) continue;
    for (ValueId in : node.inputs)
      if (in != kNoValue) live[in] = true;
    kept.push_back(std::move(node));
  }
  std::vector<ValueId> renumber(graph.values.size(), kNoValue);
  std::vector<Value> values;
  for (ValueId id = 0; id < graph.values.size(); ++id) {
    if (!live[id]) continue;
    renumber[id] = values.size();
    values.push_back(std::move(graph.values[id]));
  }
  auto remap = [&renumber](ValueId id) { return id == kNoValue ? kNoValue : renumber[id]; };
  graph.nodes.assign(std::make_move_iterator(kept.rbegin()), std::make_move_iterator(kept.rend()));
  for (Node& node : graph.nodes) {
    for (ValueId& in : node.inputs) in = remap(in);
    node.output = remap(node.output);
  }
  for (ValueId& in : graph.inputs) in = remap(in);
  for (GraphOutput& out : graph.outputs) out.value = remap(out.value);
  graph.values = std::move(values);
}

std::string describe(const Graph& graph) {
  auto typed = [&graph](ValueId id) {
    if (id == kNoValue) return std::string("-");
    const Value& v = graph.value(id);
    return v.name + ":" + dtype_name(v.dtype) + shape_to_string(v.shape);
  };
  std::string out = "opset " + std::to_string(graph.opset) + "\n";
  for (ValueId in : graph.inputs) out += "input " + typed(in) + "\n";
  for (const Node& node : graph.nodes) {
    out += std::string(op_kind_name(node.kind)) + " '" + node.name + "' (";
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      if (i) out += ", ";
      out += typed(node.inputs[i]);
      if (node.inputs[i] != kNoValue && graph.value(node.inputs[i]).kind == ValueKind::kConstant)
        out += " const";
    }
    out += ") -> " + typed(node.output) + "\n";
  }
  for (const GraphOutput& o : graph.outputs)
    out += "output " + o.name + " = " + typed(o.value) + "\n";
  return out;
}

}  // namespace zkinfer::model
