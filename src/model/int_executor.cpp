// SPDX-License-Identifier: Apache-2.0
#include "model/int_executor.hpp"

#include <algorithm>
#include <cmath>

#include "base/error.hpp"
#include "ops/elementwise.hpp"
#include "ops/movement.hpp"
#include "ops/pool.hpp"
#include "ops/softmax.hpp"
#include "ops/table.hpp"

namespace zkinfer::model {
namespace {

ops::IntTensor run_node(const QuantizedModel& model, const QNode& node,
                        const std::vector<ops::IntTensor>& tensors) {
  const ops::IntTensor& x = tensors[node.inputs[0]];
  const auto second = [&]() -> const ops::IntTensor& { return tensors[node.inputs.at(1)]; };
  if (const auto* g = std::get_if<QGemm>(&node.op))
    return ops::gemm(x, g->weights, g->bias, g->quant);
  if (const auto* c = std::get_if<QConv>(&node.op))
    return ops::conv(x, c->weights, c->bias, c->params);
  if (const auto* p = std::get_if<QMaxPool>(&node.op)) return ops::max_pool(x, p->params);
  if (const auto* q = std::get_if<QRequantize>(&node.op))
    return ops::requantize(x, q->input_zero_point, q->rescale);
  if (const auto* a = std::get_if<QAdd>(&node.op))
    return a->subtract ? ops::sub(x, second(), a->params) : ops::add(x, second(), a->params);
  if (const auto* m = std::get_if<QMul>(&node.op)) return ops::mul(x, second(), m->params);
  if (const auto* t = std::get_if<QTable>(&node.op)) return ops::apply_table(x, t->table);
  if (const auto* ap = std::get_if<QAveragePool>(&node.op))
    return ap->global ? ops::global_average_pool(x, ap->quant)
                      : ops::average_pool(x, ap->params, ap->quant);
  if (const auto* sm = std::get_if<QSoftmax>(&node.op)) return ops::softmax(x, sm->params);
  if (const auto* cc = std::get_if<QConcat>(&node.op)) {
    std::vector<const ops::IntTensor*> inputs;
    for (TensorId id : node.inputs) inputs.push_back(&tensors[id]);
    return ops::concat(inputs, cc->axis);
  }
  if (const auto* tr = std::get_if<QTranspose>(&node.op)) return ops::transpose(x, tr->perm);
  return ops::reshape(x, model.tensors[node.output].shape);
}

}  // namespace

IntExecution execute_quantized(const QuantizedModel& model, const ops::IntTensor& input,
                               bool keep_intermediates) {
  const QTensor& in = model.tensors[model.input];
  input.validate("quantized model input");
  if (input.shape != in.shape)
    fail("quantized model input: shape " + ops::shape_string(input.shape) + ", expected " +
         ops::shape_string(in.shape));
  for (std::int32_t v : input.values)
    if (v < in.quant.lo || v > in.quant.hi)
      fail("quantized model input: value " + std::to_string(v) + " outside [" +
           std::to_string(in.quant.lo) + ", " + std::to_string(in.quant.hi) + "]");

  // A tensor is dropped after its last reader unless intermediates are kept.
  std::vector<std::size_t> last_use(model.tensors.size(), 0);
  for (std::size_t i = 0; i < model.nodes.size(); ++i)
    for (TensorId id : model.nodes[i].inputs) last_use[id] = i;

  IntExecution run;
  run.tensors.resize(model.tensors.size());
  run.tensors[model.input] = input;
  for (std::size_t i = 0; i < model.nodes.size(); ++i) {
    const QNode& node = model.nodes[i];
    run.tensors[node.output] = run_node(model, node, run.tensors);
    if (keep_intermediates) continue;
    for (TensorId id : node.inputs)
      if (last_use[id] == i && id != model.input && id != model.output) run.tensors[id] = {};
  }
  return run;
}

ops::IntTensor quantize_input(const QuantizedModel& model, const Tensor& x) {
  const QTensor& in = model.tensors[model.input];
  if (x.data.size() != ops::element_count(in.shape))
    fail("input has " + std::to_string(x.data.size()) + " elements, the model expects " +
         std::to_string(ops::element_count(in.shape)));
  ops::IntTensor q = ops::IntTensor::zeros(in.shape);
  for (std::size_t i = 0; i < x.data.size(); ++i) {
    if (!std::isfinite(x.data[i])) fail("input element " + std::to_string(i) + " is not finite");
    // As ONNX QuantizeLinear: a float32 quotient (so an imported model's
    // float32 scale gives exactly its integers), rounded half to even
    // (nearbyint in the default rounding mode), then saturated.
    const float quotient = x.data[i] / static_cast<float>(in.quant.scale);
    const double r = std::nearbyint(static_cast<double>(quotient)) + in.quant.zero_point;
    q.values[i] = static_cast<std::int32_t>(
        std::clamp(r, static_cast<double>(in.quant.lo), static_cast<double>(in.quant.hi)));
  }
  return q;
}

Tensor dequantize_output(const QuantizedModel& model, const ops::IntTensor& y) {
  const QTensor& out = model.tensors[model.output];
  Tensor t;
  t.shape.assign(out.shape.begin(), out.shape.end());
  t.data.resize(y.values.size());
  for (std::size_t i = 0; i < y.values.size(); ++i)
    t.data[i] = static_cast<float>(out.quant.dequantize(y.values[i]));
  return t;
}

}  // namespace zkinfer::model
