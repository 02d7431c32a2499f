// SPDX-License-Identifier: Apache-2.0
#include "model/rewrites.hpp"

#include <cmath>
#include <set>
#include <string>

#include "model/kernels.hpp"

namespace zkinfer::model {

namespace {

bool is_constant(const Graph& graph, ValueId id) {
  return id != kNoValue && graph.value(id).kind == ValueKind::kConstant;
}

class ConstantNamer {
 public:
  explicit ConstantNamer(const Graph& graph) {
    for (const Value& v : graph.values) names_.insert(v.name);
  }
  ValueId add(Graph& graph, const std::string& base, Shape shape, std::vector<float> data) {
    std::string name = base;
    for (std::size_t i = 1; names_.count(name); ++i) name = base + "_" + std::to_string(i);
    names_.insert(name);
    graph.values.push_back(
        {name, DType::kFloat32, std::move(shape), ValueKind::kConstant, std::move(data)});
    return graph.values.size() - 1;
  }

 private:
  std::set<std::string> names_;
};

struct BatchNorm {
  std::vector<float> k;      // scale / sqrt(var + epsilon)
  std::vector<float> shift;  // B - mean * k
  std::vector<float> mean;
};

BatchNorm batch_norm_coefficients(const Graph& graph, const Node& bn) {
  const float epsilon = bn.attrs<BatchNormAttributes>().epsilon;
  const TensorView scale = graph.constant(bn.inputs[1]);
  const TensorView bias = graph.constant(bn.inputs[2]);
  const TensorView mean = graph.constant(bn.inputs[3]);
  const TensorView var = graph.constant(bn.inputs[4]);
  BatchNorm out;
  for (std::size_t c = 0; c < scale.data.size(); ++c) {
    out.k.push_back(scale.data[c] / std::sqrt(var.data[c] + epsilon));
    out.mean.push_back(mean.data[c]);
    out.shift.push_back(bias.data[c]);
  }
  return out;
}

void fold_into_conv(Graph& graph, Node& conv, const BatchNorm& bn, ConstantNamer& namer) {
  const Value& w = graph.value(conv.inputs[1]);
  const std::size_t channels = bn.k.size();
  const std::size_t per_channel = w.data.size() / channels;
  std::vector<float> weights = w.data;
  for (std::size_t i = 0; i < weights.size(); ++i) weights[i] *= bn.k[i / per_channel];
  std::vector<float> bias(channels);
  const bool has_bias = conv.inputs.size() > 2 && conv.inputs[2] != kNoValue;
  for (std::size_t c = 0; c < channels; ++c) {
    const float b = has_bias ? graph.value(conv.inputs[2]).data[c] : 0.0f;
    bias[c] = (b - bn.mean[c]) * bn.k[c] + bn.shift[c];
  }
  const std::string w_name = w.name;
  const Shape w_shape = w.shape;
  conv.inputs.resize(3);
  conv.inputs[1] = namer.add(graph, w_name + "/bn_folded", w_shape, std::move(weights));
  conv.inputs[2] = namer.add(graph, conv.name + "/bn_folded_bias",
                             {static_cast<std::int64_t>(channels)}, std::move(bias));
}

void fold_into_gemm(Graph& graph, Node& gemm, const BatchNorm& bn, ConstantNamer& namer) {
  GemmAttributes attrs = gemm.attrs<GemmAttributes>();
  const Value& b = graph.value(gemm.inputs[1]);
  const Shape out_shape = graph.value(gemm.output).shape;  // [M, N]
  const auto n = static_cast<std::size_t>(out_shape[1]);
  std::vector<float> weights = b.data;
  // B is [K, N], or [N, K] when transposed: scale output column j by k[j].
  for (std::size_t i = 0; i < weights.size(); ++i)
    weights[i] *= bn.k[attrs.trans_b ? i / (weights.size() / n) : i % n];

  // New bias: (beta * C - mean) * k + B, over [1, N] unless C varies per row.
  const bool has_c = gemm.inputs.size() > 2 && gemm.inputs[2] != kNoValue;
  Shape c_shape = {1, static_cast<std::int64_t>(n)};
  if (has_c) {
    const Shape& s = graph.value(gemm.inputs[2]).shape;
    if (s.size() == 2 && s[0] != 1) c_shape = out_shape;
  }
  std::vector<float> c(static_cast<std::size_t>(element_count(c_shape)), 0.0f);
  if (has_c) kernels::broadcast_to(c_shape, graph.constant(gemm.inputs[2]), c.data());
  for (std::size_t i = 0; i < c.size(); ++i) {
    const std::size_t j = i % n;
    c[i] = (attrs.beta * c[i] - bn.mean[j]) * bn.k[j] + bn.shift[j];
  }
  attrs.beta = 1.0f;
  const std::string b_name = b.name;
  const Shape b_shape = b.shape;
  gemm.inputs.resize(3);
  gemm.inputs[1] = namer.add(graph, b_name + "/bn_folded", b_shape, std::move(weights));
  gemm.inputs[2] = namer.add(graph, gemm.name + "/bn_folded_bias", c_shape, std::move(c));
  gemm.attributes = attrs;
}

bool foldable(const Graph& graph, const Node& producer, const Node& bn) {
  const bool bias_ok = producer.inputs.size() < 3 || producer.inputs[2] == kNoValue ||
                       is_constant(graph, producer.inputs[2]);
  if (!is_constant(graph, producer.inputs[1]) || !bias_ok) return false;
  if (producer.kind == OpKind::kConv) return true;
  return producer.kind == OpKind::kGemm && graph.value(bn.inputs[0]).shape.size() == 2;
}

}  // namespace

std::size_t fold_batch_norms(Graph& graph) {
  std::vector<std::size_t> consumers = graph.consumer_counts();
  for (const GraphOutput& out : graph.outputs) ++consumers[out.value];
  std::vector<std::size_t> producer(graph.values.size(), graph.nodes.size());
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) producer[graph.nodes[i].output] = i;

  ConstantNamer namer(graph);
  std::vector<bool> removed(graph.nodes.size(), false);
  std::size_t folded = 0;
  for (std::size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& bn = graph.nodes[i];
    if (bn.kind != OpKind::kBatchNormalization) continue;
    const ValueId x = bn.inputs[0];
    const std::size_t p = producer[x];
    if (p == graph.nodes.size() || consumers[x] != 1 || !foldable(graph, graph.nodes[p], bn))
      continue;
    const BatchNorm coefficients = batch_norm_coefficients(graph, bn);
    Node& target = graph.nodes[p];
    if (target.kind == OpKind::kConv)
      fold_into_conv(graph, target, coefficients, namer);
    else
      fold_into_gemm(graph, target, coefficients, namer);
    target.output = graph.nodes[i].output;
    producer[target.output] = p;
    removed[i] = true;
    ++folded;
  }
  std::vector<Node> kept;
  for (std::size_t i = 0; i < graph.nodes.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(kept);
  return folded;
}

}  // namespace zkinfer::model
