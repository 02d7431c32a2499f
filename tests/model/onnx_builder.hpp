// SPDX-License-Identifier: Apache-2.0
// Builds small ONNX models with the protobuf API, for the model tests and the
// ONNX import fuzz target.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.hpp"
#include "model/executor.hpp"
#include "model/onnx_import.hpp"
#include "support/rng.hpp"

namespace zkinfer::testing {

using Dims = std::vector<std::int64_t>;

inline onnx::TensorProto float_tensor(const std::string& name, const Dims& dims,
                                      const std::vector<float>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::FLOAT);
  for (auto d : dims) t.add_dims(d);
  for (float v : values) t.add_float_data(v);
  return t;
}

inline onnx::TensorProto int64_tensor(const std::string& name, const Dims& dims,
                                      const std::vector<std::int64_t>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(onnx::TensorProto::INT64);
  for (auto d : dims) t.add_dims(d);
  for (auto v : values) t.add_int64_data(v);
  return t;
}

// uint8 / int8 / int32 / bool tensors share the int32_data field.
inline onnx::TensorProto int32_field_tensor(const std::string& name,
                                            onnx::TensorProto::DataType type, const Dims& dims,
                                            const std::vector<std::int32_t>& values) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(type);
  for (auto d : dims) t.add_dims(d);
  for (auto v : values) t.add_int32_data(v);
  return t;
}

inline void attr(onnx::NodeProto& n, const std::string& name, std::int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void attr(onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void attr(onnx::NodeProto& n, const std::string& name, const Dims& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (auto e : v) a->add_ints(e);
}
inline void attr(onnx::NodeProto& n, const std::string& name, const std::vector<float>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOATS);
  for (auto e : v) a->add_floats(e);
}
inline void attr(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void attr(onnx::NodeProto& n, const std::string& name, const onnx::TensorProto& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::TENSOR);
  *a->mutable_t() = v;
}

class ModelBuilder {
 public:
  explicit ModelBuilder(std::int64_t opset = 13) {
    model_.set_ir_version(8);
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }

  onnx::ModelProto& model() { return model_; }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  // A graph input; a negative dimension becomes the symbolic dimension "N".
  ModelBuilder& input(const std::string& name, const Dims& dims,
                      onnx::TensorProto::DataType type = onnx::TensorProto::FLOAT) {
    auto* tt = graph().add_input()->mutable_type()->mutable_tensor_type();
    graph().mutable_input(graph().input_size() - 1)->set_name(name);
    tt->set_elem_type(type);
    auto* shape = tt->mutable_shape();
    for (auto d : dims) {
      auto* dim = shape->add_dim();
      if (d < 0)
        dim->set_dim_param("N");
      else
        dim->set_dim_value(d);
    }
    return *this;
  }

  ModelBuilder& output(const std::string& name) {
    graph().add_output()->set_name(name);
    auto* tt = graph().mutable_output(graph().output_size() - 1)->mutable_type();
    tt->mutable_tensor_type()->set_elem_type(onnx::TensorProto::UNDEFINED);
    return *this;
  }

  ModelBuilder& initializer(const onnx::TensorProto& t) {
    *graph().add_initializer() = t;
    return *this;
  }
  ModelBuilder& initializer(const std::string& name, const Dims& dims,
                            const std::vector<float>& values) {
    return initializer(float_tensor(name, dims, values));
  }

  onnx::NodeProto& node(const std::string& op_type, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    onnx::NodeProto* n = graph().add_node();
    n->set_op_type(op_type);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }

  Bytes bytes() const {
    std::string s;
    model_.SerializeToString(&s);
    return Bytes(s.begin(), s.end());
  }

  model::Graph import(const model::ImportOptions& options = {}) const {
    return model::import_onnx(bytes(), options);
  }

 private:
  onnx::ModelProto model_;
};

inline model::Tensor float_input(const Dims& shape, std::vector<float> data) {
  return {model::DType::kFloat32, shape, std::move(data)};
}

// Deterministic pseudo-random floats in [-1, 1).
inline std::vector<float> random_floats(std::size_t n, std::uint64_t seed) {
  TestRng rng(seed);
  std::vector<float> out(n);
  for (auto& v : out) v = static_cast<float>(static_cast<double>(rng() >> 40) / (1 << 23) - 1.0);
  return out;
}

}  // namespace zkinfer::testing
