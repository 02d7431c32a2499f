// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: ONNX import of arbitrary bytes and, when the imported
// model is small, one float execution on all-zero inputs.
// Invariant: no crash and no sanitizer report; the only exception that may
// escape import or execution is zkinfer::Error.
#include "fuzz_input.hpp"
#include "model/onnx_builder.hpp"

namespace {

using zkinfer::Bytes;
namespace model = zkinfer::model;
namespace t = zkinfer::testing;

// A model touching most operators, as the base of the XOR-mask mutations
// (fuzz_input.hpp) that reach deep into import.
Bytes seed_model() {
  t::ModelBuilder m(13);
  m.input("x", {1, 2, 6, 6});
  m.initializer("w", {4, 2, 3, 3}, t::random_floats(72, 1));
  m.initializer("b", {4}, t::random_floats(4, 2));
  for (const char* p : {"s", "bb", "mean", "var"}) m.initializer(p, {4}, {1, 0.5f, 0.25f, 2});
  auto& conv = m.node("Conv", {"x", "w", "b"}, {"c"}, "conv");
  t::attr(conv, "pads", t::Dims{1, 1, 1, 1});
  t::attr(conv, "strides", t::Dims{1, 1});
  m.node("BatchNormalization", {"c", "s", "bb", "mean", "var"}, {"n"}, "bn");
  m.node("Relu", {"n"}, {"r"});
  auto& pool = m.node("MaxPool", {"r"}, {"p"}, "pool");
  t::attr(pool, "kernel_shape", t::Dims{2, 2});
  t::attr(pool, "strides", t::Dims{2, 2});
  m.initializer(t::int64_tensor("shape", {2}, {1, -1}));
  m.node("Reshape", {"p", "shape"}, {"f"});
  m.initializer("fc", {10, 36}, t::random_floats(360, 3));
  t::attr(m.node("Gemm", {"f", "fc"}, {"g"}, "fc"), "transB", std::int64_t{1});
  m.initializer("scale", {}, {0.05f});
  m.node("QuantizeLinear", {"g", "scale"}, {"q"});
  m.node("DequantizeLinear", {"q", "scale"}, {"dq"});
  m.initializer("two", {}, {2.0f});
  m.node("Div", {"dq", "two"}, {"d"});
  m.node("Softmax", {"d"}, {"y"});
  m.output("y");
  return m.bytes();
}

model::Tensor zeros(const model::Value& v) {
  return {v.dtype, v.shape,
          std::vector<float>(static_cast<std::size_t>(model::element_count(v.shape)), 0.0f)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Bytes seed = seed_model();
  const Bytes bytes = zkinfer::fuzzing::candidate_proof(data, size, seed);
  model::ImportOptions options;
  options.max_model_bytes = std::size_t{1} << 20;
  options.max_tensor_elements = std::int64_t{1} << 16;
  try {
    const model::Graph graph = model::import_onnx(bytes, options);
    if (model::estimated_work(graph) > (std::uint64_t{1} << 22)) return 0;
    std::vector<model::Tensor> inputs;
    for (model::ValueId id : graph.inputs) inputs.push_back(zeros(graph.value(id)));
    model::execute(graph, inputs);
  } catch (const zkinfer::Error&) {
  }
  return 0;
}
